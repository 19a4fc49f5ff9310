package harness

import (
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// OnTrial is a test-only Option: f sees every plan Check runs, before it
// runs.
type OnTrial func(seed sim.Seed, cfg *sim.SwarmConfig, plan sim.Plan)

func (o OnTrial) apply(c *config) {
	f := (func(sim.Seed, *sim.SwarmConfig, sim.Plan))(o)
	c.onTrial = &f
}

// Fewer runs Check's search for the same failure with fewer faults.
func Fewer(t *testing.T, sc *sim.Scenario, seed sim.Seed, plan sim.Plan, res *sim.Result) (sim.Seed, sim.Plan, *sim.Result) {
	s := &search{t: t, sc: sc, st: &stats{outcomes: map[sim.Outcome]int{}}}
	seed, _, plan, res = s.fewer(seed, nil, plan, res)
	return seed, plan, res
}

// Blind is a test-only Option: random plans are drawn without a baseline
// and the small-scope phase is skipped, as Check did before either.
type Blind bool

func (o Blind) apply(c *config) { c.blind = bool(o) }
