package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

// errHelp means the command printed its help; the exit status is 0.
var errHelp = errors.New("help")

// flagSet is a command's flags with its usage line and description.
type flagSet struct {
	*flag.FlagSet
	a     *app
	usage string // after the command name, e.g. "SCENARIO -seed N [flags]"
	about string
}

func (a *app) flags(name, usage, about string) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), a: a, usage: usage, about: about}
	// Errors are reported by parse, in one line; help goes to stdout.
	fs.SetOutput(io.Discard)
	return fs
}

func (fs *flagSet) printHelp() {
	w := fs.a.stdout
	fmt.Fprintf(w, "usage: %s %s %s\n\n%s\n", fs.a.cfg.Command, fs.Name(), fs.usage, strings.TrimSpace(fs.about))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nflags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

// parse parses args, allowing positional arguments before, between and
// after the flags (simrun run SCENARIO -seed 3), and returns the
// positional ones. -h prints the help and returns errHelp.
func (fs *flagSet) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.printHelp()
				return nil, errHelp
			}
			return nil, fmt.Errorf("%v (see %s %s -h)", err, fs.a.cfg.Command, fs.Name())
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// Parse stops at the first positional argument, or after "--",
		// which makes everything after it positional.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// seedFlag is a -seed flag that remembers whether it was given.
type seedFlag struct {
	seed sim.Seed
	set  bool
}

func (s *seedFlag) String() string {
	if s == nil || !s.set {
		return ""
	}
	return strconv.FormatUint(uint64(s.seed), 10)
}

func (s *seedFlag) Set(v string) error {
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return errors.New("want a whole number from 0 to 18446744073709551615")
	}
	s.seed, s.set = sim.Seed(n), true
	return nil
}

// shard is one part of a sharded seed range: seed s belongs to shard
// ((s-start) mod N)+1, so shards 1..N together run exactly the seeds of
// the unsharded run.
type shard struct{ i, n uint64 }

func (s *shard) String() string {
	if s == nil || s.n == 0 {
		return "1/1"
	}
	return fmt.Sprintf("%d/%d", s.i, s.n)
}

func (s *shard) Set(v string) error {
	is, ns, ok := strings.Cut(v, "/")
	i, err1 := strconv.ParseUint(is, 10, 64)
	n, err2 := strconv.ParseUint(ns, 10, 64)
	if !ok || err1 != nil || err2 != nil || n == 0 {
		return errors.New("want I/N, as in 2/8")
	}
	if i < 1 || i > n {
		return fmt.Errorf("shard %d/%d: I must be between 1 and N", i, n)
	}
	s.i, s.n = i, n
	return nil
}

// has reports whether seed belongs to the shard, for a range that starts
// at start.
func (s shard) has(seed, start sim.Seed) bool {
	if s.n <= 1 {
		return true
	}
	return (uint64(seed)-uint64(start))%s.n == s.i-1
}

// scenarioAndSeed parses the arguments of a command that takes one
// scenario name and a required -seed (run, shrink).
func (a *app) scenarioAndSeed(fs *flagSet, args []string, seed *seedFlag) (*sim.Scenario, error) {
	pos, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, fmt.Errorf("want one scenario name, got %d (%s list shows them)", len(pos), a.cfg.Command)
	}
	sc, err := a.scenario(pos[0])
	if err != nil {
		return nil, err
	}
	if !seed.set {
		return nil, errors.New("-seed is required (as in -seed 7)")
	}
	return sc, nil
}
