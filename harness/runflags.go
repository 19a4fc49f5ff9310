package harness

import (
	"errors"
	"flag"
	"testing"
)

// runFlags are the -sim.* flags that make the test binary a simrun of
// its own: run one plan file, swarm seeds, shrink, write the trace or
// the HTML timeline, print every trace. Like the flags in options.go
// they exist only in test binaries and are read when Check runs.
var runFlags runFlagSet

type runFlagSet struct {
	plan    string
	trace   string
	html    string
	verbose bool
	swarm   intFlag
	shrink  bool
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
