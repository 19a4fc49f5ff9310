package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// exhaustiveOpts is swarm -exhaustive: instead of drawing a plan per
// seed, each scenario runs its small-scope plans (sim.Exhaustive: every
// single fault, then pairs) against the baseline of one seed. -start and
// -seeds then count plans, 0-based, and -shard splits them as it splits
// seeds, so a long list can be resumed and spread over CI jobs.
type exhaustiveOpts struct {
	on      bool
	seed    sim.Seed                  // the baseline's seed, used by every run
	lists   map[string]sim.Exhaustive // by scenario, filled in by prepare
	command string                    // how to invoke simrun, for repro lines
	engine  string                    // the -engine flag of repro lines, if any
	all     bool                      // -seeds not given: run every plan
}

// checkExhaustive applies -exhaustive's defaults: plans from 0, all of them.
func (a *app) checkExhaustive(o *swarmOpts, given map[string]bool) error {
	if !o.ex.on {
		if given["seed"] {
			return errors.New("-seed is the baseline seed of -exhaustive; without it, give -start")
		}
		return nil
	}
	if given["night"] {
		return errors.New("give -night or -exhaustive, not both")
	}
	if !given["start"] {
		o.start = 0
	}
	o.ex.all = !given["seeds"] && !given["duration"]
	o.ex.command, o.ex.engine = a.cfg.Command, a.engineArg()
	return nil
}

// prepare runs each scenario's baseline and lists its small-scope plans;
// with every plan asked for, the range is the longest list.
func (o *swarmOpts) prepare(t *testing.T) error {
	if !o.ex.on {
		return nil
	}
	o.ex.lists = map[string]sim.Exhaustive{}
	longest := 0
	for _, sc := range o.scenarios {
		b, err := sim.RunBaseline(t, sc, o.ex.seed)
		if err != nil {
			return err
		}
		x := sc.Profile.ForEngine(o.engine).Exhaustive(b)
		o.ex.lists[sc.Name] = x
		longest = max(longest, x.Len())
	}
	if o.ex.all {
		o.seeds = uint64(max(longest-int(o.start), 0))
	}
	return nil
}

// unitAt is the k-th unit of sc in the range: seed start+k, or under
// -exhaustive plan start+k of sc's list (ok is false past its end).
func (o *swarmOpts) unitAt(sc *sim.Scenario, k uint64) (unit, bool) {
	if !o.ex.on {
		return unit{sc: sc, seed: o.start + sim.Seed(k), index: -1}, true
	}
	x := o.ex.lists[sc.Name]
	i := uint64(o.start) + k
	if i >= uint64(x.Len()) {
		return unit{}, false
	}
	p := x.Plan(int(i))
	return unit{sc: sc, seed: o.ex.seed, plan: &p, index: int(i)}, true
}

// repro is the command that runs one small-scope plan again.
func (e exhaustiveOpts) repro(name string, index int) string {
	return fmt.Sprintf("%s swarm -exhaustive -scenario %s -seed %d -start %d -seeds 1%s", e.command, shellQuote(name), e.seed, index, e.engine)
}

// coverage says, per scenario, how much of its small-scope list ran.
func (rep *swarmReport) coverage(e exhaustiveOpts) map[string]string {
	if !e.on {
		return nil
	}
	ones, twos := map[string]int{}, map[string]int{}
	for _, r := range rep.results {
		if r.index < len(e.lists[r.scenario].Singles) {
			ones[r.scenario]++
		} else {
			twos[r.scenario]++
		}
	}
	out := map[string]string{}
	for name, x := range e.lists {
		out[name] = fmt.Sprintf("1-fault plans: %d of %d ran, 2-fault: %d of %d", ones[name], len(x.Singles), twos[name], x.Pairs())
	}
	return out
}
