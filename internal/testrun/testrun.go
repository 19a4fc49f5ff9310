// Package testrun runs a function as a test from inside a benchmark or an
// example, which have no *testing.T of their own (sim.Run and synctest
// bubbles need one).
//
// It depends on how testing.RunTests reads the testing package's flags (Go
// 1.26): it runs its tests -test.count times and once per -test.cpu entry,
// and it applies -test.skip through the matcher it is given.
// TestOnceRunsOnceUnderCount and TestOnceRunsUnderSkip fail, naming the Go
// version, when that moves.
package testrun

import (
	"flag"
	"sync"
	"testing"
)

// Once runs f as a test named name, once, and reports whether it passed.
// testing.RunTests alone would run f -test.count times, once more per
// -test.cpu entry (a benchmark's figures would grow with -count and an
// example's output would repeat), and not at all under any -test.skip:
// the matcher it is given matches every name, so a -skip meant for other
// tests would match f too. -test.skip is cleared while f runs; Once must
// not run beside parallel tests.
func Once(name string, f func(t *testing.T)) bool {
	if s := flag.Lookup("test.skip"); s != nil {
		old := s.Value.String()
		_ = s.Value.Set("")
		defer func() { _ = s.Value.Set(old) }()
	}
	var once sync.Once
	return testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: name, F: func(t *testing.T) { once.Do(func() { f(t) }) }}})
}
