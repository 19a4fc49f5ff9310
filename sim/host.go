package sim

import (
	"io"
	"os"
	"reflect"
	"testing"
	"time"
)

// Host runs main with a *testing.T made outside go test, so that the
// engine's synctest bubbles (which hang off a *testing.T) work in a plain
// program such as the simrun CLI. The engine code that runs is the same
// as under go test, so a seed gives the same trace in both.
//
// Host does not return: it exits the process with main's exit code. To
// run bubbles in parallel, call t.Run from several goroutines (the testing
// package allows concurrent Run calls) and sim.Run inside each.
func Host(main func(t *testing.T) int) {
	args := os.Args
	// testing parses os.Args as its own flags; the program has parsed its
	// flags already, so it gets none.
	os.Args = []string{args[0]}
	m := testing.MainStart(hostDeps{}, []testing.InternalTest{{
		Name: "simrun",
		F: func(t *testing.T) {
			os.Args = args
			// Exiting here, instead of returning, keeps the testing
			// package from printing PASS or FAIL on standard output.
			os.Exit(main(t))
		},
	}}, nil, nil, nil)
	os.Exit(m.Run())
}

// hostDeps is the part of the testing package's internal test
// dependencies that MainStart needs; none of it is used.
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
