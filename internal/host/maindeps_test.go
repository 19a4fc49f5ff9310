package host

import (
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// TestMainStartDeps fails, naming the Go version, when this Go release's
// testing.MainStart no longer takes hostDeps.
func TestMainStartDeps(t *testing.T) {
	if err := checkMainStart(reflect.TypeOf(testing.MainStart), reflect.TypeFor[hostDeps]()); err != nil {
		t.Fatalf("%v\nupdate internal/host/maindeps.go for this Go version", err)
	}
	if _, err := mainStart(nil); err != nil {
		t.Fatal(err)
	}
}

// partialDeps lacks most of the deps and has one with another signature.
type partialDeps struct{}

func (partialDeps) ImportPath() string              { return "" }
func (partialDeps) MatchString(string) bool         { return true }
func (partialDeps) StartCPUProfile(io.Writer) error { return nil }

// TestMainStartDepsCanFail shows the check fails, naming the Go version
// and what moved, on deps that lack methods or have other signatures, and
// on a MainStart of another shape.
func TestMainStartDepsCanFail(t *testing.T) {
	mainStart := reflect.TypeOf(testing.MainStart)
	for _, c := range []struct {
		name     string
		fn, deps reflect.Type
		want     []string
	}{
		{"missing and changed methods", mainStart, reflect.TypeFor[partialDeps](),
			[]string{"ModulePath() string is missing", "MatchString is func(host.partialDeps, string) bool, want func(string, string) (bool, error)"}},
		{"another shape", reflect.TypeOf(func(int) {}), reflect.TypeFor[hostDeps](), []string{"is func(int)"}},
	} {
		err := checkMainStart(c.fn, c.deps)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range append(c.want, runtime.Version()) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", c.name, err, w)
			}
		}
	}
}
