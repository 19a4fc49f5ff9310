package conformance

import (
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// firstTarget picks the first activity (or, when the profile has local
// activity errors instead of activity faults of kind, local activity)
// the scenario schedules that faults of kind may target, and a fault on
// the first attempt of its first call: the first call only, so that no
// fault lands near the end of the fault window, where a real run's
// latencies decide whether it still applies; every call when more than
// one workflow schedules the type, as realserver numbers calls per
// workflow run and the engine per run of the scenario.
func firstTarget(sc *sim.Scenario, tl timeline, kind sim.Kind) (f sim.Fault, which string, ok bool) {
	p := sc.Profile
	targets, scheduled := p.Activities, tl.activityTypes
	if kind == sim.LocalActivityError {
		targets, scheduled = p.LocalActivities, tl.localTypes
	}
	return pickTarget(kind, targets, slices.All(scheduled), tl)
}

// lastTarget is firstTarget for the last activity type the scenario
// starts scheduling.
func lastTarget(sc *sim.Scenario, tl timeline, kind sim.Kind) (f sim.Fault, which string, ok bool) {
	return pickTarget(kind, sc.Profile.Activities, slices.Backward(tl.activityTypes), tl)
}

func pickTarget(kind sim.Kind, targets []string, scheduled iter.Seq2[int, string], tl timeline) (f sim.Fault, which string, ok bool) {
	for _, typ := range scheduled {
		if !slices.Contains(targets, typ) {
			continue
		}
		f = sim.Fault{ID: 1, Kind: kind, Target: typ, Call: 1, Attempt: 1}
		which = "the first " + typ + " call"
		if len(tl.workflowsOf[typ]) > 1 {
			f.Call, which = 0, "every "+typ+" call (in every workflow that schedules it)"
		}
		return f, which, true
	}
	return sim.Fault{}, "", false
}

// activityErrorRow fails the first attempt of the first activity the
// scenario schedules with a retryable error, or of its first local
// activity when the profile has local activity errors instead (or
// schedules no activity). It runs outside the profile when the profile
// has neither kind.
func activityErrorRow(sc *sim.Scenario, tl timeline) Row {
	kind := sim.ActivityError
	switch {
	case slices.Contains(sc.Profile.Kinds, sim.ActivityError):
	case slices.Contains(sc.Profile.Kinds, sim.LocalActivityError), len(tl.activityTypes) == 0 && len(tl.localTypes) > 0:
		kind = sim.LocalActivityError
	}
	wide, outside := widen(sc, kind, "")
	f, which, ok := firstTarget(wide, tl, kind)
	if !ok {
		return Row{Scenario: sc, Kind: ActivityError, NotApplicable: fmt.Sprintf("no %s the profile targets ran in the fault-free run", targetWord(kind))}
	}
	return Row{Scenario: wide, Kind: ActivityError, Plan: sim.Plan{Faults: []sim.Fault{f}}, OutsideProfile: outside,
		Why: fmt.Sprintf("a retryable error on the first attempt of %s, the first %s the scenario schedules", which, targetWord(kind))}
}

// nonRetryableRow fails the first attempt of the last activity type the
// scenario starts scheduling with a non-retryable error: no retry, and
// the workflow's failure handling (a saga's compensations) runs after
// the steps before it completed.
func nonRetryableRow(sc *sim.Scenario, tl timeline) Row {
	if !slices.Contains(sc.Profile.Kinds, sim.ActivityError) {
		return notApplicable(sc, NonRetryable, sim.ActivityError)
	}
	f, which, ok := lastTarget(sc, tl, sim.ActivityError)
	if !ok {
		return Row{Scenario: sc, Kind: NonRetryable, NotApplicable: "no activity the profile targets ran in the fault-free run"}
	}
	f.NonRetryable = true
	return Row{Scenario: sc, Kind: NonRetryable, Plan: sim.Plan{Faults: []sim.Fault{f}},
		Why: fmt.Sprintf("a non-retryable error on the first attempt of %s, the last activity type the scenario starts scheduling", which)}
}

// startToCloseRow hangs the first attempt of the first activity the
// scenario schedules until its start-to-close timeout. The run is sped up
// enough for the timeout to take at most stcWall of real time.
func startToCloseRow(sc *sim.Scenario, tl timeline) Row {
	if !slices.Contains(sc.Profile.Kinds, sim.StartToCloseTimeout) {
		return notApplicable(sc, StartToCloseHang, sim.StartToCloseTimeout)
	}
	f, which, ok := firstTarget(sc, tl, sim.StartToCloseTimeout)
	if !ok {
		return Row{Scenario: sc, Kind: StartToCloseHang, NotApplicable: "no activity the profile targets ran in the fault-free run"}
	}
	stc := tl.startToClose[f.Target]
	return Row{Scenario: sc, Kind: StartToCloseHang, Plan: sim.Plan{Faults: []sim.Fault{f}},
		Scale: max(baseScale(sc, tl), float64(stc)/float64(stcWall)),
		Why:   fmt.Sprintf("the first attempt of %s hangs until its start-to-close timeout (%s)", which, stc)}
}

// stcWall is the most real time a start-to-close row waits for the
// timeout.
const stcWall = 10 * time.Second

// childFailureRow fails the first child workflow the scenario starts.
func childFailureRow(sc *sim.Scenario, tl timeline) Row {
	if !slices.Contains(sc.Profile.Kinds, sim.ChildWorkflowFailure) {
		return notApplicable(sc, ChildFailure, sim.ChildWorkflowFailure)
	}
	for _, typ := range tl.childTypes {
		if slices.Contains(sc.Profile.Children, typ) {
			return Row{Scenario: sc, Kind: ChildFailure,
				Plan: sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.ChildWorkflowFailure, Target: typ, Call: 1}}},
				Why:  fmt.Sprintf("the first %s child fails at once, the first child the scenario starts", typ)}
		}
	}
	return Row{Scenario: sc, Kind: ChildFailure, NotApplicable: "no child the profile targets ran in the fault-free run"}
}

// messagesRow sends each signal of the profile at a sixth of the fault
// window (with its last listed value), each update at a third (its first
// value) and again at half (its last value, which the catalogue's
// validators reject), and each query at two thirds.
func messagesRow(sc *sim.Scenario, tl timeline) Row {
	p := sc.Profile
	kinds := []sim.Kind{sim.Signal, sim.Update, sim.Query}
	if !slices.ContainsFunc(kinds, func(k sim.Kind) bool { return slices.Contains(p.Kinds, k) }) {
		return notApplicable(sc, SignalsAndUpdates, kinds...)
	}
	w := p.Window
	if w <= 0 {
		w = 10 * time.Minute
	}
	var plan sim.Plan
	add := func(k sim.Kind, at time.Duration, ms []sim.Message, value func([]string) string) {
		if !slices.Contains(p.Kinds, k) {
			return
		}
		for _, m := range ms {
			plan.Faults = append(plan.Faults, sim.Fault{ID: len(plan.Faults) + 1, Kind: k, At: at, Target: m.Name, Value: value(m.Values)})
		}
	}
	first := func(v []string) string { return append(v, "")[0] }
	last := func(v []string) string { return append([]string{""}, v...)[len(v)] }
	add(sim.Signal, w/6, p.Signals, last)
	add(sim.Update, w/3, p.Updates, first)
	add(sim.Update, w/2, p.Updates, last)
	add(sim.Query, 2*w/3, p.Queries, first)
	return Row{Scenario: sc, Kind: SignalsAndUpdates, Plan: plan, Scale: baseScale(sc, tl),
		Why: "each signal at window/6, each update at window/3 and (with its last value) at window/2, each query at 2·window/3"}
}

func targetWord(k sim.Kind) string {
	if k == sim.LocalActivityError {
		return "local activity"
	}
	return "activity"
}

// heartbeatLossRow drops the heartbeats of the first attempt of the
// heartbeating activity call with the most heartbeats, from halfway
// between its first and second heartbeat, so its retry resumes from the
// first. When no activity heartbeats, it drops every heartbeat of the
// first attempt of the first activity the scenario schedules (its first
// local activity when it schedules none): with no heartbeats to lose,
// neither side may let the fault change the run. It runs outside the
// profile when the profile does not draw heartbeat losses.
func heartbeatLossRow(sc *sim.Scenario, tl timeline) Row {
	var best *attemptSpan
	for i, a := range tl.attempts {
		if a.n == 1 && len(a.heartbeats) > 0 && slices.Contains(sc.Profile.Activities, a.typ) && (best == nil || len(a.heartbeats) > len(best.heartbeats)) {
			best = &tl.attempts[i]
		}
	}
	if best == nil {
		return silentHeartbeatLossRow(sc, tl)
	}
	wide, outside := widen(sc, sim.HeartbeatLoss, "")
	dur := best.heartbeats[0] / 2
	if len(best.heartbeats) > 1 {
		dur = (best.heartbeats[0] + best.heartbeats[1]) / 2
	}
	dur -= best.start
	return Row{Scenario: wide, Kind: HeartbeatLoss, OutsideProfile: outside,
		Plan: sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.HeartbeatLoss, Target: best.typ, Call: best.call, Attempt: 1, Dur: dur}}},
		Why:  fmt.Sprintf("%s call %d heartbeats %d times in the fault-free run; its first attempt loses every heartbeat from %s in", best.typ, best.call, len(best.heartbeats), dur)}
}

// silentHeartbeatLossRow is heartbeatLossRow for a scenario none of whose
// activities heartbeat.
func silentHeartbeatLossRow(sc *sim.Scenario, tl timeline) Row {
	typ, local := "", false
	for _, t := range tl.activityTypes {
		if slices.Contains(sc.Profile.Activities, t) || len(sc.Profile.Activities) == 0 {
			typ = t
			break
		}
	}
	if typ == "" && len(tl.activityTypes) == 0 && len(tl.localTypes) > 0 {
		typ, local = tl.localTypes[0], true
	}
	if typ == "" {
		return Row{Scenario: sc, Kind: HeartbeatLoss, NotApplicable: "no activity the profile targets ran in the fault-free run"}
	}
	wide, outside := widen(sc, sim.HeartbeatLoss, typ)
	f, which, _ := pickTarget(sim.HeartbeatLoss, []string{typ}, slices.All([]string{typ}), tl)
	var why string
	switch {
	case local:
		why = fmt.Sprintf("the scenario schedules no activity, and local activities cannot heartbeat; the first attempt of %s, "+
			"the first local activity, loses every heartbeat, which neither side may notice", which)
	case tl.heartbeatTimeout[typ] > 0:
		why = fmt.Sprintf("no activity heartbeats in the fault-free run; the first attempt of %s, the first activity the scenario "+
			"schedules, loses every heartbeat, and its %s heartbeat timeout fires as it would without the fault", which, tl.heartbeatTimeout[typ])
	default:
		why = fmt.Sprintf("no activity heartbeats in the fault-free run; the first attempt of %s, the first activity the scenario "+
			"schedules, loses every heartbeat, which neither side may notice, as it has no heartbeat timeout", which)
	}
	return Row{Scenario: wide, Kind: HeartbeatLoss, OutsideProfile: outside, Plan: sim.Plan{Faults: []sim.Fault{f}}, Why: why}
}

// timedRow places a timed fault in the widest gap of the fault-free run
// while an activity runs, as far as it can from every activity start and
// end (and between two heartbeats), and slows the real run down until
// that margin covers the server's latency. When no such gap is wide
// enough for a run of at most maxWall, or no activity takes time, it
// takes the widest gap of all, between activities. Local activities count as activities here.
// It runs outside the profile when the profile does not draw kind.
func timedRow(sc *sim.Scenario, k PlanKind, kind sim.Kind, tl timeline) Row {
	sc, outside := widen(sc, kind, "")
	at, margin, ok := tl.widestGap(true)
	if !ok || float64(margin)/float64(latencyAllowance) < float64(tl.end)/float64(maxWall) {
		at, margin, ok = tl.widestGap(false)
	}
	if !ok {
		return Row{Scenario: sc, Kind: k, NotApplicable: "no activity runs in the fault-free run, so there is nothing for the fault to hit"}
	}
	scale := min(baseScale(sc, tl), max(float64(margin)/float64(latencyAllowance), float64(tl.end)/float64(maxWall), 1))
	running := strings.Join(tl.runningAt(at), ", ")
	if running == "" {
		running = "no activity"
	}
	f := sim.Fault{ID: 1, Kind: kind, At: at}
	return Row{Scenario: sc, Kind: k, Plan: sim.Plan{Faults: []sim.Fault{f}}, Scale: scale, OutsideProfile: outside,
		Why: fmt.Sprintf("at %s, %s from the nearest activity start or end of the fault-free run (%s running)", at, margin, running)}
}
