package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// landFault re-aims a blindly drawn fault f at what the baseline did, so
// that it fires: an activity, local activity or child fault names a call
// the fault-free run made (its call number, its first attempt or every
// attempt, on from the start) and that the plan's earlier faults leave
// running (see aim); a timed fault falls while such a call runs, or
// anywhere in the fault-free run before the plan's earlier faults likely
// end it. One activity fault in five keeps its blind target, so calls the
// fault-free run never makes (compensations, fallbacks) are still hit
// when faults bring them about. ok is false when nothing is left to aim
// at: the fault would not fire, so the plan leaves it out.
func (pr Profile) landFault(r *rand.Rand, f Fault, b *Baseline, a *aim) (Fault, bool) {
	fs := kindSpecs[f.Kind].fields
	if !f.Kind.ActivityScoped() && f.Kind != ChildWorkflowFailure {
		if fs&fAt != 0 {
			f.At = pr.landTime(r, b, a)
		}
		if f.Kind == CodecFailure {
			// A codec failing from the very start (the workflow's input)
			// stops the SDK test environment itself, so drawn codec faults
			// start a second in (scenarios' TestCodecFailureAtStartStopsTheEngine).
			f.At = max(f.At, min(time.Second, b.Horizon(pr)))
		}
		a.noteTime(f)
		return f, true
	}
	all := b.callsFor(pr, f.Kind)
	calls := a.reachable(f.Kind, all)
	unseen := pr.unseen(f.Kind, all)
	if len(calls) == 0 && len(unseen) == 0 {
		return f, false
	}
	// Only a run an earlier fault changes makes calls the fault-free run
	// never made.
	if len(a.faults) == 0 {
		unseen = nil
	}
	if len(calls) == 0 && len(unseen) == 0 {
		return f, false
	}
	blind := len(calls) == 0 || (len(unseen) > 0 && r.IntN(5) == 0)
	if blind {
		f.Target = unseen[r.IntN(len(unseen))]
	} else {
		f.Target = calls[r.IntN(len(calls))].Type
	}
	if fs&fCall != 0 {
		f.Call = 0
		if !blind && r.IntN(3) != 0 {
			f.Call = callOf(calls, f.Target, r)
		}
	}
	if fs&fAttempt != 0 {
		// Mostly the first attempt, which always runs: a fault on
		// every attempt often ends the workflow, and the plan's other
		// faults with it.
		f.Attempt = min(r.IntN(4), 1)
	}
	if fs&fAt != 0 {
		f.At = 0
	}
	if blind {
		// Where a call the fault-free run never makes would come is not
		// known, so it neither cuts nor is cut.
		a.faults = append(a.faults, f)
		return f, true
	}
	c := firstCall(calls, f.Target, f.Call)
	f = a.soften(f, c)
	a.noteCall(f, c)
	return f, true
}

// firstCall is the earliest of calls to typ that call number n (0: any)
// names.
func firstCall(calls []Call, typ string, n int) Call {
	for _, c := range calls {
		if c.Type == typ && (n == 0 || c.N == n) {
			return c
		}
	}
	return Call{}
}

// unseen lists the targets pr names for kind k that the baseline's calls
// do not: calls that only faults bring about.
func (pr Profile) unseen(k Kind, calls []Call) []string {
	var out []string
	for _, name := range pr.targets(k) {
		if !slices.ContainsFunc(calls, func(c Call) bool { return c.Type == name }) {
			out = append(out, name)
		}
	}
	return out
}

// landable reports whether a fault of kind k has somewhere to land in
// the baseline: a call to hit that the plan's earlier faults leave
// running, or (for timed faults) a run to fall in.
func (pr Profile) landable(k Kind, b *Baseline, a *aim) bool {
	if k.ActivityScoped() || k == ChildWorkflowFailure {
		return len(a.reachable(k, b.callsFor(pr, k))) > 0
	}
	return true
}

// callOf picks one of the call numbers the baseline made of typ.
func callOf(calls []Call, typ string, r *rand.Rand) int {
	var ns []int
	for _, c := range calls {
		if c.Type == typ {
			ns = append(ns, c.N)
		}
	}
	return ns[r.IntN(len(ns))]
}

// landTime draws a time for a timed fault: three in four fall inside a
// baseline activity's first attempt, the rest anywhere in the fault-free
// run. Every time is before the run's end, and before the calls the
// plan's earlier faults likely stop, so the fault finds the run going.
func (pr Profile) landTime(r *rand.Rand, b *Baseline, a *aim) time.Duration {
	horizon := a.horizon(pr, b)
	busy := a.busy(pr, b, horizon)
	if len(busy) > 0 && r.IntN(4) != 0 {
		c := busy[r.IntN(len(busy))]
		end := min(c.End, horizon)
		return min(c.Start+drawDur(r, end-c.Start-time.Millisecond), horizon)
	}
	return drawDur(r, horizon-time.Millisecond)
}

// DrawSwarmPlan runs seed's baseline (sc fault-free) and draws seed's
// swarm plan aimed by it, for engine 1. simrun swarm, simrun run -seed and
// harness.Check's -sim.seed all use it (DrawSwarmPlanOn for their engine),
// so a seed names the same plan everywhere.
func DrawSwarmPlan(t *testing.T, sc *Scenario, seed Seed) (SwarmConfig, Plan, error) {
	return DrawSwarmPlanOn(t, sc, seed, EngineTestEnv)
}

// DrawSwarmPlanOn is DrawSwarmPlan for engine e (see
// Profile.SwarmPlanOn). The baseline runs on engine 1 whatever e is.
func DrawSwarmPlanOn(t *testing.T, sc *Scenario, seed Seed, e Engine) (SwarmConfig, Plan, error) {
	b, err := RunBaseline(t, sc, seed)
	if err != nil {
		return SwarmConfig{}, Plan{}, err
	}
	c, p := sc.Profile.SwarmPlanOn(seed, b, e)
	return c, p, nil
}

// landableKind keeps k, or four times in five when k has nowhere to land
// (an activity the fault-free run never calls, or only calls the plan's
// earlier faults likely stop) swaps it for one of the configuration's
// kinds that has. The fifth, once an earlier fault may have changed the
// run, keeps calls that only faults bring about in reach.
func (pr Profile) landableKind(r *rand.Rand, k Kind, on []Kind, b *Baseline, a *aim) Kind {
	if pr.landable(k, b, a) || (len(a.faults) > 0 && r.IntN(5) == 0) {
		return k
	}
	var ok []Kind
	for _, o := range on {
		if pr.landable(o, b, a) {
			ok = append(ok, o)
		}
	}
	if len(ok) == 0 {
		return k
	}
	return ok[r.IntN(len(ok))]
}

// Idle lists, one line each, the profile's kinds that can never fire
// because the profile gives them nothing to target (Query with no
// queries listed, say), with what to change.
func (pr Profile) Idle() []string {
	what := map[Kind]string{Signal: "Signals", Update: "Updates", Query: "Queries",
		LocalActivityError: "LocalActivities", ChildWorkflowFailure: "Children"}
	var out []string
	for _, k := range pr.Kinds {
		if names := pr.targets(k); names == nil || len(names) > 0 || kindSpecs[k].required&fTarget == 0 {
			continue
		}
		field, ok := what[k]
		if !ok {
			field = "Activities"
		}
		out = append(out, fmt.Sprintf("kind %s can never fire: the profile lists no %s; list them in Profile.%s or drop the kind", k, strings.ToLower(field), field))
	}
	return out
}
