package harness

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// Option tunes Check and Find. Options are values of named types, so a
// call reads as what it sets:
//
//	harness.Check(t, sc, harness.Checks(500), harness.CheckDeterminism(true))
//
// The command line and the environment win over options, so one flag
// can scale every Check in a CI job: a -sim.* flag first, then its SIM_*
// variable, then the option, then the default.
type Option interface{ apply(*config) }

// Checks is the number of plans to generate and run (default 100, or 20
// under -short). Flag -sim.checks, variable SIM_CHECKS.
type Checks int

// CheckDeterminism runs every plan twice and requires byte-identical
// traces; a difference fails the check with the first differing event.
// Flag -sim.checkdeterminism, variable SIM_CHECK_DETERMINISM.
type CheckDeterminism bool

// PlanDir is the directory, relative to the test's package, under which
// failing plans are saved (one subdirectory per test) and from which they
// are replayed before any new plan is generated. The default is
// DefaultPlanDir; PlanDir("") turns saving and replaying off, and removes
// the fail file rapid writes under testdata/rapid for a new failure.
type PlanDir string

// SearchSeed is the seed rapid's search starts from, for a search that
// generates the same plans on every run. By default it is rapid's:
// -rapid.seed when given, otherwise a new random seed each run (printed
// in any failure report as -rapid.seed=N).
type SearchSeed uint64

// DefaultPlanDir is where Check saves failing plans unless PlanDir says
// otherwise.
const DefaultPlanDir = "testdata/temporalsim"

func (o Checks) apply(c *config)           { c.checks = int(o) }
func (o CheckDeterminism) apply(c *config) { c.determinism = bool(o) }
func (o PlanDir) apply(c *config)          { c.planDir = string(o) }
func (o SearchSeed) apply(c *config)       { c.searchSeed = uint64(o) }

// config is the options, flags and environment resolved for one Check.
type config struct {
	checks      int
	determinism bool
	planDir     string
	searchSeed  uint64
	// noExhaustive turns the small-scope phase off (Exhaustive(false)).
	noExhaustive bool
	// blind, set by tests only, draws random plans without a baseline
	// and skips the small-scope phase: Check as it was before both.
	blind bool
	// simSeed, from -sim.seed or SIM_SEED only, runs one seed's swarm
	// plan instead of a search.
	simSeed    sim.Seed
	hasSimSeed bool
	// onTrial, set by tests only, sees every plan before it runs.
	onTrial *func(seed sim.Seed, cfg *sim.SwarmConfig, plan sim.Plan)
	// engine runs the plans, from -sim.engine or SIM_ENGINE only.
	engine sim.Engine
}

// resolve applies defaults, then opts, then the environment, then flags.
func resolve(opts []Option, lookup func(string) (string, bool)) (config, error) {
	c := config{checks: 100, planDir: DefaultPlanDir}
	if testing.Short() {
		c.checks = 20
	}
	for _, o := range opts {
		o.apply(&c)
	}
	if err := fromEnv(&c, lookup); err != nil {
		return config{}, err
	}
	if flags.checks.set {
		c.checks = flags.checks.n
	}
	if flags.determinism.set {
		c.determinism = flags.determinism.on
	}
	if flags.seed.set {
		c.simSeed, c.hasSimSeed = flags.seed.seed, true
	}
	if runFlags.engine.set {
		c.engine = runFlags.engine.e
	}
	if c.checks <= 0 {
		return config{}, fmt.Errorf("harness: %d checks: want at least 1 (Checks option, -sim.checks or SIM_CHECKS)", c.checks)
	}
	return c, nil
}

func fromEnv(c *config, lookup func(string) (string, bool)) error {
	if v, ok := lookup("SIM_CHECKS"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("harness: SIM_CHECKS=%q: want a whole number of plans, such as 500", v)
		}
		c.checks = n
	}
	if v, ok := lookup("SIM_CHECK_DETERMINISM"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("harness: SIM_CHECK_DETERMINISM=%q: want true or false", v)
		}
		c.determinism = b
	}
	if v, ok := lookup("SIM_SEED"); ok {
		s, err := parseSeed(v)
		if err != nil {
			return fmt.Errorf("harness: SIM_SEED=%q: %w", v, err)
		}
		c.simSeed, c.hasSimSeed = s, true
	}
	if v, ok := lookup("SIM_ENGINE"); ok {
		e, err := sim.ParseEngine(v)
		if err != nil {
			return fmt.Errorf("harness: SIM_ENGINE=%q: %w", v, err)
		}
		c.engine = e
	}
	return nil
}

var errNotSeed = errors.New("not a seed: want a whole number such as 42, as a failure report prints it")

func parseSeed(s string) (sim.Seed, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, errNotSeed
	}
	return sim.Seed(n), nil
}

// flags are the -sim.* test flags. They are registered only in test
// binaries, so programs that import harness (the simrun CLI) keep a
// clean flag set; they are read when Check runs, after go test parsed
// them.
var flags struct {
	seed        seedFlag
	checks      intFlag
	determinism boolFlag
}

func init() {
	if !testing.Testing() {
		return
	}
	flag.Var(&flags.seed, "sim.seed", "temporalsim: run only this seed's swarm plan, as simrun run -seed does (env SIM_SEED)")
	flag.Var(&flags.checks, "sim.checks", "temporalsim: number of fault plans each Check runs (default 100, 20 with -short; env SIM_CHECKS)")
	flag.Var(&flags.determinism, "sim.checkdeterminism", "temporalsim: run every plan twice and diff the traces (env SIM_CHECK_DETERMINISM)")
}

type seedFlag struct {
	seed sim.Seed
	set  bool
}

func (f *seedFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatUint(uint64(f.seed), 10)
}

func (f *seedFlag) Set(s string) error {
	seed, err := parseSeed(s)
	if err != nil {
		return err
	}
	f.seed, f.set = seed, true
	return nil
}

type intFlag struct {
	n   int
	set bool
}

func (f *intFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.Itoa(f.n)
}

func (f *intFlag) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return errors.New("want a positive whole number of plans, such as 500")
	}
	f.n, f.set = n, true
	return nil
}

type boolFlag struct {
	on, set bool
}

func (f *boolFlag) String() string {
	if f == nil {
		return "false"
	}
	return strconv.FormatBool(f.on)
}

func (f *boolFlag) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return errors.New("want true or false")
	}
	f.on, f.set = b, true
	return nil
}

func (f *boolFlag) IsBoolFlag() bool { return true }

var envLookup = os.LookupEnv
