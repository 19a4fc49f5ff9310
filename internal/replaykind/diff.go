package replaykind

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// DiffLabelled describes how got differs from want in one short line, at
// most three differences as "PATH: WANTLABEL W, GOTLABEL G", found with
// go-cmp; "" when they are equal.
func DiffLabelled(want, got any, wantLabel, gotLabel string) string {
	rep := diffReporter{labels: [2]string{wantLabel, gotLabel}}
	if cmp.Equal(want, got, cmp.Reporter(&rep)) {
		return ""
	}
	if len(rep.diffs) > 3 {
		rep.diffs = append(rep.diffs[:3], fmt.Sprintf("and %d more", len(rep.diffs)-3))
	}
	return strings.Join(rep.diffs, "; ")
}

// diffReporter is a cmp.Reporter that keeps each unequal leaf as one
// short phrase.
type diffReporter struct {
	labels [2]string
	path   cmp.Path
	diffs  []string
}

func (r *diffReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }

func (r *diffReporter) PopStep() { r.path = r.path[:len(r.path)-1] }

func (r *diffReporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	vx, vy := r.path.Last().Values()
	where := pathString(r.path)
	r.diffs = append(r.diffs, fmt.Sprintf("%s: %s %s, %s %s", where, r.labels[0], showValue(vx), r.labels[1], showValue(vy)))
}

// pathString writes a path as map keys, slice indexes and field names:
// total, items[2].sku. cmp.Path's own String keeps only struct fields.
func pathString(p cmp.Path) string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case cmp.MapIndex:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, s.Key().Interface())
		case cmp.SliceIndex:
			k := s.Key()
			if k < 0 {
				kx, ky := s.SplitKeys()
				k = max(kx, ky)
			}
			fmt.Fprintf(&b, "[%d]", k)
		case cmp.StructField:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name())
		}
	}
	if b.Len() == 0 {
		return "value"
	}
	return b.String()
}

// showValue writes a value as JSON, cut short; a missing one (a map key
// or slice element only one side has) is "nothing".
func showValue(v reflect.Value) string {
	if !v.IsValid() || !v.CanInterface() {
		return "nothing"
	}
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return Clip(fmt.Sprint(v.Interface()), 40)
	}
	return Clip(string(data), 40)
}
