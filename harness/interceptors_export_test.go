package harness

// FixedSeeds is a test-only InterceptorOption: the seeds 1..N, whatever
// -sim.checks, -sim.seed, SIM_CHECKS or SIM_SEED say, for tests whose
// assertions hold only over their own seeds (a planted bug caught within
// them, a path reached by them).
type FixedSeeds int

func (o FixedSeeds) applyInterceptors(c *icptConfig) { c.seeds, c.fixed = int(o), true }
