package harness

import (
	"errors"
	"flag"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// runFlags are the -sim.* flags that make the test binary a simrun of
// its own: run one plan file, swarm seeds, shrink, write the trace or
// the HTML timeline, print every trace, choose the engine. Like the
// flags in options.go they exist only in test binaries and are read when
// Check runs.
var runFlags runFlagSet

type runFlagSet struct {
	plan    string
	trace   string
	html    string
	verbose bool
	swarm   intFlag
	shrink  bool
	engine  engineFlag
}

func init() {
	if !testing.Testing() {
		return
	}
	flag.StringVar(&runFlags.plan, "sim.plan", "", "temporalsim: run this plan `FILE` (a saved plan, or simrun's plan text with -sim.seed) instead of a search")
	flag.StringVar(&runFlags.trace, "sim.trace", "", "temporalsim: write the trace (JSON lines, as simrun run -trace) of the run -sim.seed or -sim.plan names, or of the failure, to `FILE`")
	flag.StringVar(&runFlags.html, "sim.html", "", "temporalsim: write the HTML timeline of the run -sim.seed or -sim.plan names, or of the failure, to `FILE`")
	flag.BoolVar(&runFlags.verbose, "sim.v", false, "temporalsim: log the readable trace of every plan run (shown with -v, or when the test fails)")
	flag.Var(&runFlags.swarm, "sim.swarm", "temporalsim: run the swarm plans of `N` seeds (from -sim.seed, default 1) instead of a search, as simrun swarm does")
	flag.BoolVar(&runFlags.shrink, "sim.shrink", false, "temporalsim: shrink a failure of -sim.seed, -sim.plan or -sim.swarm (a search always shrinks)")
	flag.Var(&runFlags.engine, "sim.engine", "temporalsim: run every plan of Check on `ENGINE`: testenv (the SDK's test environment, the default) or server (a real SDK worker against the in-process server), as simrun's -engine (env SIM_ENGINE)")
}

// engineFlag is -sim.engine: a known engine's name.
type engineFlag struct {
	e   sim.Engine
	set bool
}

func (f *engineFlag) String() string {
	if f == nil {
		return ""
	}
	return string(f.e)
}

func (f *engineFlag) Set(s string) error {
	e, err := sim.ParseEngine(s)
	if err != nil {
		return err
	}
	f.e, f.set = e, true
	return nil
}

// engineArg is the flag that chooses engine in a printed go test line:
// nothing for engine 1, the default.
func engineArg(e sim.Engine) string {
	if e == "" || e == sim.EngineTestEnv {
		return ""
	}
	return " -sim.engine=" + string(e)
}

// simrunEngineArg is the same for a printed simrun line.
func simrunEngineArg(e sim.Engine) string {
	if e == "" || e == sim.EngineTestEnv {
		return ""
	}
	return " -engine " + string(e)
}

// runMode is what the flags ask Check to do instead of its search.
type runMode int

const (
	modeSearch runMode = iota // replay saved plans, then search
	modeSeed                  // one seed's swarm plan
	modePlan                  // one plan file
	modeSwarm                 // consecutive seeds' swarm plans
)

// mode reads the flags (and the seed, which may come from SIM_SEED).
func (c config) mode() (runMode, error) {
	switch {
	case runFlags.plan != "" && runFlags.swarm.set:
		return 0, errors.New("harness: -sim.plan and -sim.swarm both given: run one plan file, or swarm seeds, not both")
	case runFlags.plan != "":
		return modePlan, nil
	case runFlags.swarm.set:
		return modeSwarm, nil
	case c.hasSimSeed:
		return modeSeed, nil
	}
	return modeSearch, nil
}
