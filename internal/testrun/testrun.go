// Package testrun runs a function as a test from inside a benchmark or an
// example, which have no *testing.T of their own (sim.Run and synctest
// bubbles need one).
package testrun

import (
	"sync"
	"testing"
)

// Once runs f as a test named name, once, and reports whether it passed.
// testing.RunTests alone would run f -test.count times and once more per
// -test.cpu entry: a benchmark's figures would grow with -count and an
// example's output would repeat.
func Once(name string, f func(t *testing.T)) bool {
	var once sync.Once
	return testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: name, F: func(t *testing.T) { once.Do(func() { f(t) }) }}})
}
