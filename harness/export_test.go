package harness

import "github.com/temporalsim/temporalsim/sim"

// OnTrial is a test-only Option: f sees every plan Check runs, before it
// runs.
type OnTrial func(seed sim.Seed, cfg *sim.SwarmConfig, plan sim.Plan)

func (o OnTrial) apply(c *config) {
	f := (func(sim.Seed, *sim.SwarmConfig, sim.Plan))(o)
	c.onTrial = &f
}
