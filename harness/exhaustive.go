package harness

import (
	"fmt"

	"github.com/temporalsim/temporalsim/sim"
)

// Exhaustive turns Check's small-scope phase on or off (default on).
// Before rapid generates random plans, Check runs a fault-free baseline
// of the scenario and then every single-fault plan the profile allows
// against it (sim.Profile.SingleFaults), then pairs of them, in a fixed
// order, with the baseline's seed: SearchSeed when given, else 1. The
// phase takes at most three quarters of the Checks budget; the rest goes
// to random plans. A one-fault bug is therefore found in a bounded,
// repeatable number of runs.
type Exhaustive bool

func (o Exhaustive) apply(c *config) { c.noExhaustive = !bool(o) }

// SourceExhaustive marks a failure found by a small-scope plan.
const SourceExhaustive Source = "small-scope plan"

// exhaustiveSeed is the seed of the small-scope phase's baseline and runs.
func (s *search) exhaustiveSeed() sim.Seed {
	if s.cfg.searchSeed != 0 {
		return sim.Seed(s.cfg.searchSeed)
	}
	return 1
}

// exhaustive runs the small-scope phase: plans 0.. of the list, at most
// three quarters of the budget. It returns the first failure, shrunk.
func (s *search) exhaustive() (*Failure, error) {
	if s.cfg.noExhaustive || s.cfg.blind {
		return nil, nil
	}
	seed := s.exhaustiveSeed()
	// The baseline is the first small-scope run: the plan with no
	// faults. When it fails, the seed alone breaks a property.
	tr := s.trial(seed, nil, sim.Plan{})
	if tr.err != nil || tr.div != nil || tr.res.Failed() {
		f, err := s.conclude(tr, SourceExhaustive)
		if f != nil {
			f.Plans, f.Index = s.st.plans, -1
		}
		return f, err
	}
	b := sim.BaselineOf(tr.res)
	s.baselines = map[sim.Seed]*sim.Baseline{seed: b}
	x := s.sc.Profile.ForEngine(s.engine()).Exhaustive(b)
	budget := min(x.Len(), s.cfg.checks*3/4-1)
	s.st.small = &x
	for i := range budget {
		tr := s.trial(seed, nil, x.Plan(i))
		s.st.smallRan = i + 1
		if tr.err != nil || tr.div != nil || tr.res.Failed() {
			f, err := s.conclude(tr, SourceExhaustive)
			if f != nil {
				f.Plans, f.Index = s.st.plans, i
			}
			return f, err
		}
	}
	return nil, nil
}

// baseline runs (once per seed per Check) the fault-free run that aims
// the plans run with seed. It runs on engine 1 whatever engine runs the
// plans, as sim.DrawSwarmPlan does, so a seed draws the same plan on
// both engines and under go test and simrun.
func (s *search) baseline(seed sim.Seed) (*sim.Baseline, error) {
	if s.cfg.blind {
		return nil, nil
	}
	if b, ok := s.baselines[seed]; ok {
		return b, nil
	}
	r, err := runScenario(s.t, s.sc, seed, sim.Plan{}, nil)
	if err != nil {
		return nil, fmt.Errorf("harness: the fault-free baseline run: %w", err)
	}
	b := sim.BaselineOf(r)
	if s.baselines == nil {
		s.baselines = map[sim.Seed]*sim.Baseline{}
	}
	s.baselines[seed] = b
	return b, nil
}

// firing is the fault part of a Check's closing line: how many planned
// faults fired, and the small-scope coverage.
func (st *stats) firing() string {
	out := fmt.Sprintf("%d of %d planned faults fired", st.fired, st.planned)
	if st.small != nil {
		out += "; " + st.small.Coverage(st.smallRan)
	}
	return out
}

// lowFiring is the one-line warning for a Check in which fewer than half
// the planned faults fired, or "" when enough did.
func (st *stats) lowFiring(sc *sim.Scenario) string {
	if st.planned == 0 || 2*st.fired >= st.planned {
		return ""
	}
	return fmt.Sprintf("temporalsim: %s: only %d of %d planned faults fired: the faults aim at calls and times the workflow does not reach; check the profile's Activities, messages and Window against what the workflow does",
		sc.Name, st.fired, st.planned)
}

// warn logs, once per Check, the profile's kinds that can never fire and
// a low share of fired faults.
func (st *stats) warn(t interface{ Logf(string, ...any) }, sc *sim.Scenario) {
	for _, line := range sc.Profile.Idle() {
		t.Logf("temporalsim: %s: %s", sc.Name, line)
	}
	if line := st.lowFiring(sc); line != "" {
		t.Logf("%s", line)
	}
}
