package harness

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// ShrinkRuns bounds the number of runs Shrink makes. Shrinking a plan of
// a handful of faults takes a few dozen runs; the bound only matters for
// very long plans.
const ShrinkRuns = 2000

// ErrPassed is returned (wrapped) by Shrink when the plan it was given
// does not fail: there is nothing to shrink.
var ErrPassed = errors.New("the plan does not fail: every property held")

// Shrink reduces a failing plan to a smaller one under which some property
// of sc still fails, with the same seed. It is deterministic: the same
// scenario, seed and plan always give the same smaller plan, so the
// simrun CLI and go test agree. It returns the smaller plan and the
// result of running it.
//
// It works by delta debugging, in rounds until nothing changes: drop
// faults (all of them, then halves, quarters, ..., single faults); then
// simplify each remaining fault (call and attempt to 0, nonretryable off,
// value and optional target cleared, at and dur searched toward 0); then
// number the faults f1, f2, ... in order.
//
// A run that panics (see RunPanicked) counts as failing only when the
// given plan's run panicked too: shrinking stays on the same failure.
//
// The error reports bad input: a plan that does not fit the scenario, or
// one that does not fail (ErrPassed).
func Shrink(t *testing.T, sc *sim.Scenario, seed sim.Seed, plan sim.Plan) (sim.Plan, *sim.Result, error) {
	return ShrinkWith(t, sc, seed, plan, nil)
}

// ShrinkWith is Shrink with every run made with opts (nil means
// defaults), for example on another engine.
func ShrinkWith(t *testing.T, sc *sim.Scenario, seed sim.Seed, plan sim.Plan, opts *sim.Options) (sim.Plan, *sim.Result, error) {
	s := &shrinker{t: t, sc: sc, seed: seed, opts: opts}
	res, err := s.run(plan)
	if err != nil {
		return plan, nil, err
	}
	if !res.Failed() {
		return plan, res, fmt.Errorf("scenario %s seed %d: %w", sc.Name, seed, ErrPassed)
	}
	s.best, s.res, s.panicked = clonePlan(plan), res, panicked(res)
	for s.runs < ShrinkRuns {
		before := s.best.String()
		s.dropFaults()
		for i := range s.best.Faults {
			s.simplify(i)
		}
		s.renumber()
		if s.best.String() == before {
			break
		}
	}
	return s.best, s.res, nil
}

// shrinker holds the smallest failing plan found so far and its result.
type shrinker struct {
	t    *testing.T
	sc   *sim.Scenario
	seed sim.Seed
	opts *sim.Options
	best sim.Plan
	res  *sim.Result
	runs int
	// panicked is whether the failure is a run that panicked: a
	// candidate must fail the same way, so shrinking never trades a
	// property failure for a crash or back.
	panicked bool
}

func (s *shrinker) run(p sim.Plan) (*sim.Result, error) {
	s.runs++
	return runScenario(s.t, s.sc, s.seed, p, s.opts)
}

// try runs candidate p and keeps it when some property still fails. A
// candidate that does not fit the scenario is skipped without a run.
func (s *shrinker) try(p sim.Plan) bool {
	if s.runs >= ShrinkRuns || s.sc.Profile.Check(p) != nil {
		return false
	}
	res, err := s.run(p)
	if err != nil || !res.Failed() || panicked(res) != s.panicked {
		return false
	}
	s.best, s.res = p, res
	return true
}

// dropFaults removes chunks of faults, largest chunks first; after a
// successful removal it retries the same chunk size at the same place.
func (s *shrinker) dropFaults() {
	if len(s.best.Faults) > 0 && s.try(sim.Plan{}) {
		return
	}
	for size := len(s.best.Faults) / 2; size >= 1; size /= 2 {
		for i := 0; i+size <= len(s.best.Faults); {
			cand := clonePlan(s.best)
			cand.Faults = slices.Delete(cand.Faults, i, i+size)
			if !s.try(cand) {
				i += size
			}
		}
	}
}

// simplify tries the simplifications of fault i one at a time, keeping
// each that still fails.
func (s *shrinker) simplify(i int) {
	with := func(edit func(f *sim.Fault)) bool {
		cand := clonePlan(s.best)
		edit(&cand.Faults[i])
		if cand.Faults[i] == s.best.Faults[i] {
			return false
		}
		return s.try(cand)
	}
	with(func(f *sim.Fault) { f.NonRetryable = false })
	with(func(f *sim.Fault) { f.Value = "" })
	with(func(f *sim.Fault) { f.Target = "" })
	s.shrinkCount(i, func(f *sim.Fault) *int { return &f.Call }, with)
	s.shrinkCount(i, func(f *sim.Fault) *int { return &f.Attempt }, with)
	s.shrinkDur(i, func(f *sim.Fault) *time.Duration { return &f.At })
	s.shrinkDur(i, func(f *sim.Fault) *time.Duration { return &f.Dur })
}

// shrinkCount tries 0 (every call or attempt), then 1, 2, ... below the
// current number.
func (s *shrinker) shrinkCount(i int, field func(*sim.Fault) *int, with func(func(*sim.Fault)) bool) {
	cur := *field(&s.best.Faults[i])
	for n := 0; n < cur; n++ {
		if with(func(f *sim.Fault) { *field(f) = n }) {
			return
		}
	}
}

// shrinkDur searches a duration toward 0: 0 itself, then a bisection
// between the largest value known to pass (or be invalid) and the
// smallest known to fail, preferring round values so the plan reads well.
func (s *shrinker) shrinkDur(i int, field func(*sim.Fault) *time.Duration) {
	set := func(d time.Duration) bool {
		cand := clonePlan(s.best)
		*field(&cand.Faults[i]) = d
		return s.try(cand)
	}
	hi := *field(&s.best.Faults[i])
	if hi == 0 || set(0) {
		return
	}
	lo := time.Duration(0)
	for hi-lo > time.Millisecond && s.runs < ShrinkRuns {
		mid := roundBetween(lo, hi)
		if set(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
}

// roundBetween picks a value strictly between lo and hi, near their
// middle, truncated to the coarsest unit that keeps it above lo.
func roundBetween(lo, hi time.Duration) time.Duration {
	mid := lo + (hi-lo)/2
	for _, unit := range []time.Duration{time.Hour, time.Minute, time.Second, 100 * time.Millisecond, 10 * time.Millisecond, time.Millisecond} {
		if r := mid.Truncate(unit); r > lo && r < hi {
			return r
		}
	}
	return mid
}

// renumber gives the faults ids 1..n in order, when that still fails
// (ids appear in the trace, so the run is repeated).
func (s *shrinker) renumber() {
	cand := clonePlan(s.best)
	changed := false
	for i := range cand.Faults {
		if cand.Faults[i].ID != i+1 {
			cand.Faults[i].ID, changed = i+1, true
		}
	}
	if changed {
		s.try(cand)
	}
}

func clonePlan(p sim.Plan) sim.Plan {
	return sim.Plan{Faults: slices.Clone(p.Faults)}
}
