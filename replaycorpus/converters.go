package replaycorpus

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
)

// converterFor picks the Options.Converters key a history file replays
// with: the longest PathConverters path that is the file or one of its
// directories, else the manifest entry's "data_converter", else the
// manifest's; "" is Options.DataConverter. A name Options does not have
// is an error naming the ones it has.
func (r *Replayer) converterFor(path string, m *Manifest, e Entry) (string, error) {
	if name, ok := r.pathConverter(path); ok {
		return name, nil
	}
	name, where := e.DataConverter, "its entry"
	if name == "" && m != nil {
		name, where = m.DataConverter, "the manifest"
	}
	if !hasConverter(r.opts, name) {
		have := slices.Sorted(maps.Keys(r.opts.Converters))
		return "", fmt.Errorf("%s of %s names data converter %q, which Options.Converters does not have (it has: %s)",
			where, ManifestFile, name, strings.Join(have, ", "))
	}
	return name, nil
}

// pathConverter finds the longest PathConverters key that is path or a
// directory above it.
func (r *Replayer) pathConverter(path string) (string, bool) {
	best, name := -1, ""
	clean := filepath.Clean(path)
	for p, n := range r.opts.PathConverters {
		p = filepath.Clean(p)
		under := clean == p || strings.HasPrefix(clean, p+string(filepath.Separator)) || p == "."
		if under && len(p) > best {
			best, name = len(p), n
		}
	}
	return name, best >= 0
}
