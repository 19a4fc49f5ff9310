// Package cli is the simrun command line as a library. Main runs it over
// any set of scenarios, so a project reproduces, swarms and shrinks its
// own scenarios with a main package of a few lines:
//
//	package main
//
//	import "github.com/temporalsim/temporalsim/cmd/simrun/cli"
//
//	func main() {
//		cli.Main(cli.Config{
//			Command:   "go run ./cmd/mysim",
//			Scenarios: []*sim.Scenario{orders.Scenario(), orders.BuggyScenario()},
//		})
//	}
//
// The files are split by command (list.go, run.go, swarm*.go, shrink.go,
// replay*.go, record.go, bench*.go), with the HTML timeline in
// internal/timeline and the plumbing (flags, files, terminals) in the rest.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"

	"github.com/temporalsim/temporalsim/internal/host"
	"github.com/temporalsim/temporalsim/replaycorpus"
	"github.com/temporalsim/temporalsim/sim"
)

// Config is what a simrun binary knows about.
type Config struct {
	// Scenarios are the scenarios the commands run, planted-bug variants
	// (those with Bug set) included; names must be unique.
	Scenarios []*sim.Scenario
	// Replay configures `replay`. Nil means: a history recorded from a
	// scenario replays with that scenario's workflows and data converter;
	// any other only with -catalogue (see the package documentation).
	Replay *replaycorpus.Options
	// Command is how printed repro commands name this program. The
	// default is the program's file name, or "go run ./cmd/NAME" when go
	// run built it (it then lives in a go-build temporary directory).
	Command string
}

// The exit statuses of every command.
const (
	exitOK    = 0 // everything held
	exitFail  = 1 // a property failed, or a replay was not as expected
	exitUsage = 2 // bad usage or bad input
)

// Main runs the command line in os.Args over cfg and exits the process
// with the command's status: 0 when everything held, 1 when a property
// failed or a replay was not as expected, 2 for bad usage or input (with a
// one-line reason on standard error). Commands that simulate run inside
// a *testing.T made outside go test (internal/host), so their traces are
// byte for byte those of go test.
func Main(cfg Config) {
	// The SDK otherwise hashes the whole executable on the first run of a
	// process to make a binary checksum, which costs a short command like
	// run more than its simulation. The checksum differs between any two
	// builds anyway, so no trace can depend on it.
	worker.SetBinaryChecksum("temporalsim-simrun")
	a := newApp(cfg, os.Stdout, os.Stderr)
	job, code := a.dispatch(os.Args[1:])
	if job == nil {
		os.Exit(code)
	}
	err := host.Run(job) // returns only when it cannot start
	fmt.Fprintf(os.Stderr, "%s: %v\n", a.cfg.Command, err)
	os.Exit(exitUsage)
}

// job is the part of a command that needs a *testing.T: everything that
// opens a simulation bubble. It returns the exit status.
type job func(t *testing.T) int

// app holds one invocation's configuration and output streams.
type app struct {
	cfg            Config
	stdout, stderr io.Writer
	// stdoutTTY and stderrTTY say whether the streams are terminals, for
	// colours and the progress bar.
	stdoutTTY, stderrTTY bool
	byName               map[string]*sim.Scenario
	// engine is the command's -engine: it runs every scenario of the
	// command and is in every repro line it prints.
	engine sim.Engine
}

func newApp(cfg Config, stdout, stderr io.Writer) *app {
	if cfg.Command == "" {
		cfg.Command = defaultCommand(os.Args[0])
	}
	a := &app{cfg: cfg, stdout: stdout, stderr: stderr, byName: map[string]*sim.Scenario{}}
	a.stdoutTTY, a.stderrTTY = isTerminal(stdout), isTerminal(stderr)
	for _, sc := range cfg.Scenarios {
		a.byName[sc.Name] = sc
	}
	return a
}

func defaultCommand(arg0 string) string {
	name := strings.TrimSuffix(filepath.Base(arg0), ".exe")
	if strings.Contains(filepath.ToSlash(arg0), "/go-build") {
		return "go run ./cmd/" + name
	}
	return name
}

// command is one subcommand: it parses and checks its arguments, then
// either finishes (job nil) or hands back the simulation to run.
type command struct {
	name    string
	summary string
	run     func(a *app, args []string) (job, error)
}

var commands []command

func init() {
	commands = []command{
		{"list", "list the scenarios", (*app).list},
		{"run", "run one scenario with one seed and print its trace", (*app).runCmd},
		{"swarm", "run many seeds of many scenarios in parallel", (*app).swarm},
		{"shrink", "shrink a failing seed's plan to the fewest faults that still fail", (*app).shrink},
		{"replay", "replay recorded histories against the registered workflows", (*app).replay},
		{"record", "record scenario histories as a replay corpus, on a real Temporal server or engine 2", (*app).record},
		{"bench", "measure the engine against the bare SDK test environment", (*app).bench},
	}
}

// dispatch runs the subcommand named by args[0]. It returns a job when the
// command needs a simulation bubble, or the exit status when it is done.
func (a *app) dispatch(args []string) (job, int) {
	if len(args) == 0 {
		fmt.Fprintf(a.stderr, "%s: missing command (%s; %s -h for help)\n", a.cfg.Command, commandNames(), a.cfg.Command)
		return nil, exitUsage
	}
	if args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		if len(args) == 2 && args[0] == "help" {
			return a.dispatch([]string{args[1], "-h"})
		}
		a.usage(a.stdout)
		return nil, exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		j, err := c.run(a, args[1:])
		switch {
		case errors.Is(err, errHelp):
			return nil, exitOK
		case err != nil:
			fmt.Fprintf(a.stderr, "%s %s: %s\n", a.cfg.Command, c.name, oneLine(err.Error()))
			var fe failError
			if errors.As(err, &fe) {
				return nil, exitFail
			}
			return nil, exitUsage
		}
		return j, exitOK
	}
	fmt.Fprintf(a.stderr, "%s: unknown command %q (commands: %s; %s -h for help)\n", a.cfg.Command, args[0], commandNames(), a.cfg.Command)
	return nil, exitUsage
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: %s COMMAND [arguments]\n\n", a.cfg.Command)
	fmt.Fprintln(w, "Deterministic simulation of Temporal workflows: the same seed gives the same trace as go test.")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\n%s COMMAND -h shows a command's flags.\n", a.cfg.Command)
	fmt.Fprintln(w, "exit status: 0 everything held, 1 a property failed or a replay was not as expected, 2 bad usage or input.")
}

func commandNames() string {
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	return strings.Join(names, ", ")
}

// failError is an error that means "a check failed" (exit 1), not bad
// usage.
type failError struct{ error }

// oneLine keeps an error message to its first line, so bad input never
// prints more than one.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// scenario finds a scenario by name; the error lists the known ones.
func (a *app) scenario(name string) (*sim.Scenario, error) {
	if sc, ok := a.byName[name]; ok {
		return sc, nil
	}
	var names []string
	for _, sc := range a.correct() {
		names = append(names, sc.Name)
	}
	return nil, fmt.Errorf("unknown scenario %q (known: %s; %s list -bugs also shows planted-bug variants)", name, strings.Join(names, ", "), a.cfg.Command)
}

// sorted returns the scenarios that keep says to, by name.
func (a *app) sorted(keep func(*sim.Scenario) bool) []*sim.Scenario {
	var out []*sim.Scenario
	for _, sc := range a.cfg.Scenarios {
		if keep(sc) {
			out = append(out, sc)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// correct returns the scenarios without a planted bug, by name.
func (a *app) correct() []*sim.Scenario {
	return a.sorted(func(sc *sim.Scenario) bool { return sc.Bug == "" })
}

// bugs returns the planted-bug variants, by name.
func (a *app) bugs() []*sim.Scenario {
	return a.sorted(func(sc *sim.Scenario) bool { return sc.Bug != "" })
}
