package harness

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

const (
	modulePath   = "github.com/temporalsim/temporalsim"
	cataloguePkg = modulePath + "/scenarios."
)

// packageDir finds the module root above the working directory (a test's
// package directory) and returns the package as a go test argument
// relative to it ("./harness"), and the root. Both are empty when there
// is no go.mod above.
func packageDir() (pkg, root string, ok bool) {
	wd, err := os.Getwd()
	if err != nil {
		return "", "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			rel, err := filepath.Rel(dir, wd)
			if err != nil {
				return "", "", false
			}
			if rel == "." {
				return ".", dir, true
			}
			return "./" + filepath.ToSlash(rel), dir, true
		}
		if filepath.Dir(dir) == dir {
			return "", "", false
		}
	}
}

// fromRoot rewrites path, relative to the working directory, relative to
// the module root (commands in a report run from there).
func fromRoot(root, path string) string {
	if root == "" {
		return path
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(root, abs); err == nil {
		return filepath.ToSlash(rel)
	}
	return path
}

// simrunCommand is how to run simrun for sc, or "" when simrun cannot
// run it: simrun knows only the scenarios package's catalogue. harness
// cannot import that package (it imports harness), so it recognises a
// catalogue scenario by where its Setup function was compiled.
func simrunCommand(sc *sim.Scenario) string {
	fn := runtime.FuncForPC(reflect.ValueOf(sc.Setup).Pointer())
	if fn == nil || !strings.HasPrefix(fn.Name(), cataloguePkg) {
		return ""
	}
	if _, root, ok := packageDir(); ok && moduleOf(root) == modulePath {
		return "go run ./cmd/simrun"
	}
	return "go run " + modulePath + "/cmd/simrun"
}

// moduleOf reads the module path from root's go.mod.
func moduleOf(root string) string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./=:@%+-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func regexpQuote(s string) string { return regexp.QuoteMeta(s) }
