package harness

import (
	"slices"

	"github.com/temporalsim/temporalsim/sim"
)

// FewerFaultsRuns bounds the plans Check tries when it looks for a
// failure with fewer faults than the one it shrank (see fewer).
const FewerFaultsRuns = 200

// fewer looks for the same failure with fewer faults. Shrink stops at a
// plan from which no single fault can be dropped, yet another plan may
// fail the same property with fewer: four updates in flight at once
// where one at the right moment would do. It runs swarm plans of fewer
// faults, from seeds drawn from a stream of the failure's own seed (so
// the search is as reproducible as the failure), shrinks the first that
// fails the same property, and repeats while that helps.
func (s *search) fewer(seed sim.Seed, cfg *sim.SwarmConfig, plan sim.Plan, res *sim.Result) (sim.Seed, *sim.SwarmConfig, sim.Plan, *sim.Result) {
	if panicked(res) {
		return seed, cfg, plan, res
	}
	property := res.Violations[0].Property
	draw := seed.Stream("harness.fewer-faults")
	pr := s.sc.Profile
	for runs := 0; runs < FewerFaultsRuns && len(plan.Faults) > 1; runs++ {
		pr.MaxFaults = len(plan.Faults) - 1
		cand := sim.Seed(draw.Uint64())
		c, p := pr.SwarmPlanOn(cand, nil, s.engine())
		got, err := runScenario(s.t, s.sc, cand, p, s.runOptions())
		if err != nil || !violates(got, property) {
			continue
		}
		sp, sres, err := ShrinkWith(s.t, s.sc, cand, p, s.runOptions())
		if err != nil || len(sp.Faults) >= len(plan.Faults) || !violates(sres, property) {
			continue
		}
		seed, cfg, plan, res = cand, &c, sp, sres
	}
	return seed, cfg, plan, res
}

// violates reports whether r failed the named property (and did not
// panic instead).
func violates(r *sim.Result, property string) bool {
	return r != nil && !panicked(r) && slices.ContainsFunc(r.Violations, func(v sim.Violation) bool { return v.Property == property })
}
