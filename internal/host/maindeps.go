package host

import (
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// This file is the CLI's one dependence on the testing package's
// internals: testing.MainStart takes an unexported interface of test
// dependencies, which changes between Go releases without notice.
// mainStart calls it through reflect, after checking that hostDeps still
// fits, so that a Go release that changes it gives an error naming the Go
// version instead of a build failure. TestMainStartDeps fails when it
// moves (docs/architecture.md, "Dependencies on other projects'
// internals").

// mainStart returns the testing.M that runs tests, made by
// testing.MainStart with hostDeps.
func mainStart(tests []testing.InternalTest) (*testing.M, error) {
	fn := reflect.ValueOf(testing.MainStart)
	if err := checkMainStart(fn.Type(), reflect.TypeFor[hostDeps]()); err != nil {
		return nil, err
	}
	in := []reflect.Value{reflect.ValueOf(hostDeps{}), reflect.ValueOf(tests)}
	for i := len(in); i < fn.Type().NumIn(); i++ {
		in = append(in, reflect.Zero(fn.Type().In(i))) // no benchmarks, fuzz targets or examples
	}
	return fn.Call(in)[0].Interface().(*testing.M), nil
}

// checkMainStart reports whether a function of type fn can be called as
// testing.MainStart(deps, tests, nil, nil, nil) with a deps of type deps.
func checkMainStart(fn, deps reflect.Type) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("this build of simrun cannot run simulations with Go %s: testing.MainStart %s; build simrun with the Go version in temporalsim's go.mod", runtime.Version(), fmt.Sprintf(format, args...))
	}
	if fn.Kind() != reflect.Func || fn.NumIn() != 5 || fn.NumOut() != 1 ||
		fn.In(1) != reflect.TypeFor[[]testing.InternalTest]() || fn.Out(0) != reflect.TypeFor[*testing.M]() {
		return fail("is %s, want func(deps, []testing.InternalTest, benchmarks, fuzz targets, examples) *testing.M", fn)
	}
	want := fn.In(0)
	if want.Kind() != reflect.Interface {
		return fail("takes deps of type %s, want an interface", want)
	}
	var bad []string
	for i := range want.NumMethod() {
		m := want.Method(i)
		got, ok := deps.MethodByName(m.Name)
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s%s is missing", m.Name, strings.TrimPrefix(m.Type.String(), "func")))
		case !sameMethod(got.Type, m.Type):
			bad = append(bad, fmt.Sprintf("%s is %s, want %s", m.Name, got.Type, m.Type))
		}
	}
	if len(bad) > 0 {
		return fail("wants deps methods that hostDeps lacks: %s", strings.Join(bad, "; "))
	}
	return nil
}

// sameMethod compares a method value type (receiver first) with an
// interface method type (no receiver).
func sameMethod(method, iface reflect.Type) bool {
	if method.NumIn()-1 != iface.NumIn() || method.NumOut() != iface.NumOut() || method.IsVariadic() != iface.IsVariadic() {
		return false
	}
	for i := range iface.NumIn() {
		if method.In(i+1) != iface.In(i) {
			return false
		}
	}
	for i := range iface.NumOut() {
		if method.Out(i) != iface.Out(i) {
			return false
		}
	}
	return true
}

// hostDeps is a copy of the testing package's internal test dependencies
// (testing.testDeps, Go 1.26) that MainStart needs; none of it is used.
type hostDeps struct{}

type corpusEntry = struct {
	Parent     string
	Path       string
	Data       []byte
	Values     []any
	Generation int
	IsSeed     bool
}

func (hostDeps) ImportPath() string                          { return "" }
func (hostDeps) ModulePath() string                          { return "" }
func (hostDeps) MatchString(pat, str string) (bool, error)   { return true, nil }
func (hostDeps) SetPanicOnExit0(bool)                        {}
func (hostDeps) StartCPUProfile(io.Writer) error             { return nil }
func (hostDeps) StopCPUProfile()                             {}
func (hostDeps) StartTestLog(io.Writer)                      {}
func (hostDeps) StopTestLog() error                          { return nil }
func (hostDeps) WriteProfileTo(string, io.Writer, int) error { return nil }
func (hostDeps) CoordinateFuzzing(time.Duration, int64, time.Duration, int64, int, []corpusEntry, []reflect.Type, string, string) error {
	return nil
}
func (hostDeps) RunFuzzWorker(func(corpusEntry) error) error              { return nil }
func (hostDeps) ReadCorpus(string, []reflect.Type) ([]corpusEntry, error) { return nil, nil }
func (hostDeps) CheckCorpus([]any, []reflect.Type) error                  { return nil }
func (hostDeps) ResetCoverage()                                           {}
func (hostDeps) SnapshotCoverage()                                        {}
func (hostDeps) InitRuntimeCoverage() (string, func(string, string) (string, error), func() float64) {
	return "", nil, nil
}
