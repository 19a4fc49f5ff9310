// Package host runs code that needs a *testing.T in a plain program, so
// that the engine's synctest bubbles (which hang off a *testing.T) work in
// the simrun CLI. Only the CLI imports it: it depends on the testing
// package's internals (maindeps.go), which Go exempts from its
// compatibility promise, and a program that imports only sim must not
// stop building when a Go release changes them.
package host

import (
	"os"
	"testing"
)

// Run runs main with a *testing.T made outside go test. The engine code
// that runs is the same as under go test, so a seed gives the same trace
// in both.
//
// Run does not return when it can start main: it exits the process with
// main's exit code. It returns an error, naming the Go version, when this
// Go release's testing package no longer fits (see maindeps.go). To run
// bubbles in parallel, call t.Run from several goroutines (the testing
// package allows concurrent Run calls) and sim.Run inside each.
func Run(main func(t *testing.T) int) error {
	args := os.Args
	m, err := mainStart([]testing.InternalTest{{
		Name: "simrun",
		F: func(t *testing.T) {
			os.Args = args
			// Exiting here, instead of returning, keeps the testing
			// package from printing PASS or FAIL on standard output.
			os.Exit(main(t))
		},
	}})
	if err != nil {
		return err
	}
	// testing parses os.Args as its own flags; the program has parsed its
	// flags already, so it gets none.
	os.Args = []string{args[0]}
	os.Exit(m.Run())
	return nil
}
