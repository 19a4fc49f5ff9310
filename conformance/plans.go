package conformance

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

// PlanKind is a column of the conformance table: the kind of fault a
// row's plan holds.
type PlanKind string

// The plan kinds every scenario gets a row for. A kind the scenario's
// profile does not draw is a row marked not applicable, except for the
// required kinds (RequiredKinds), which every scenario runs.
const (
	NoFaults          PlanKind = "no-faults"
	ActivityError     PlanKind = "activity-error"
	NonRetryable      PlanKind = "non-retryable-error"
	HeartbeatLoss     PlanKind = "heartbeat-loss"
	Cancellation      PlanKind = "cancellation"
	WorkerShutdown    PlanKind = "worker-shutdown"
	StartToCloseHang  PlanKind = "start-to-close-timeout"
	ChildFailure      PlanKind = "child-failure"
	SignalsAndUpdates PlanKind = "signals-updates"
)

// PlanKinds lists the plan kinds in table order.
func PlanKinds() []PlanKind {
	return []PlanKind{NoFaults, ActivityError, NonRetryable, HeartbeatLoss, Cancellation, WorkerShutdown, StartToCloseHang, ChildFailure, SignalsAndUpdates}
}

// RequiredKinds are the plan kinds every scenario runs, whether its
// profile draws them or not: no faults, an activity error, a heartbeat
// loss, a cancellation and a worker shutdown. The profile says which
// faults a scenario is built to tolerate (what swarms draw); conformance
// asks whether the engine and the server agree, which holds for faults a
// scenario does not tolerate too.
func RequiredKinds() []PlanKind {
	return []PlanKind{NoFaults, ActivityError, HeartbeatLoss, Cancellation, WorkerShutdown}
}

// Row is one cell of the conformance table: a scenario under a plan of
// one kind, built from the scenario's profile and its fault-free engine
// run.
type Row struct {
	Scenario *sim.Scenario
	Kind     PlanKind
	Plan     sim.Plan
	// Scale is the real run's speed-up: realserver's default, lower for
	// scenarios with heartbeat timeouts (see minHeartbeatTimeout) and for
	// rows with a timed fault, so that the server's latencies (tens of
	// milliseconds, K times as much virtual time) stay within the fault's
	// margin (see Why).
	Scale float64
	// Why says how the plan was chosen.
	Why string
	// NotApplicable says why the kind does not apply to the scenario; the
	// row is not run when it is set.
	NotApplicable string
	// OutsideProfile marks a row of a required kind that the scenario's
	// profile does not draw. Scenario is then a copy whose profile allows
	// the fault, and the scenario's properties need not hold: the row
	// compares which properties each side broke instead.
	OutsideProfile bool
}

// Name is the row's name in tests: "scenario/kind".
func (r Row) Name() string { return r.Scenario.Name + "/" + string(r.Kind) }

// latencyAllowance is how much real time the server may add before a
// timed fault lands (the start of the workflow and its first activity,
// dispatch and task latencies, on two loaded cores). A timed fault sits
// at least Scale times this away, in virtual time, from any activity
// start or end of the fault-free run.
const latencyAllowance = 500 * time.Millisecond

// targetWall is the least real time a row's run takes (unless it runs in
// real time): the speed-up is at most the fault-free run's length over
// it. realserver's default makes a scenario's fault window two seconds
// long, in which a few steps' server latency (tens of milliseconds each,
// K times as much virtual time) reorders activities and timers that the
// workflow races (the schedule scenario's ticks and reports).
const targetWall = 8 * time.Second

// maxWall bounds the real time a row's slower run takes, unless its
// heartbeat timeouts need it slower still.
const maxWall = 40 * time.Second

// raceAllowance is how much real time the server may add between a timer
// and a completion that the fault-free run saw apart, so that a workflow
// racing them (the schedule scenario's ticks and its reports' ends) sees
// the same order.
const raceAllowance = time.Second

// minHeartbeatTimeout is the least real time a row lets a heartbeat
// timeout last: the speed-up is at most the shortest heartbeat timeout
// over it. A faster run would hold the timeout up at its floor
// (MinTimeout), so that it lasts longer in virtual time than the
// workflow asked, long enough for a heartbeat-loss fault to go unnoticed
// when the activity ends first.
const minHeartbeatTimeout = 2 * time.Second

// Rows builds a row per plan kind for sc. base is sc's fault-free run on
// the engine (instrumented), from which the plans pick their targets and
// times: what the scenario actually schedules, heartbeats and runs when.
// busy, when not nil, is sc's run under its signals-updates plan, for a
// scenario whose fault-free run schedules no activity (an entity that
// acts only on messages): the plans that hit activities are then built
// on it and sent with those messages.
func Rows(sc *sim.Scenario, base, busy *sim.Result) []Row {
	tl := timelineOf(base)
	k := baseScale(sc, tl)
	out := []Row{{Scenario: sc, Kind: NoFaults, Why: "the fault-free run", Scale: k}}
	msgs := messagesRow(sc, tl)
	var prefix []sim.Fault
	why := ""
	if busy != nil && msgs.NotApplicable == "" {
		tl, prefix = timelineOf(busy), msgs.Plan.Faults
		why = "; sent with the signals-updates plan, as the fault-free run schedules no activity"
	}
	built := []Row{activityErrorRow(sc, tl), nonRetryableRow(sc, tl), heartbeatLossRow(sc, tl), startToCloseRow(sc, tl),
		timedRow(sc, Cancellation, sim.WorkflowCancel, tl), timedRow(sc, WorkerShutdown, sim.WorkerShutdown, tl)}
	for _, r := range built {
		if r.OutsideProfile {
			r.Why += outsideProfile
		}
		if r.NotApplicable == "" && len(prefix) > 0 {
			r.Plan = sim.Plan{Faults: append(slices.Clone(prefix), renumber(r.Plan.Faults, len(prefix))...)}
			r.Why += why
		}
		out = append(out, r)
	}
	out = append(out, childFailureRow(sc, tl), msgs)
	for i, r := range out {
		if r.NotApplicable == "" && r.Scale == 0 {
			out[i].Scale = k
		}
	}
	slices.SortStableFunc(out, func(a, b Row) int { return slices.Index(PlanKinds(), a.Kind) - slices.Index(PlanKinds(), b.Kind) })
	return out
}

// renumber gives faults the ids after n.
func renumber(fs []sim.Fault, n int) []sim.Fault {
	out := slices.Clone(fs)
	for i := range out {
		out[i].ID = n + i + 1
	}
	return out
}

// widen returns sc with kind (and, when target is not empty, target
// among the activities faults may hit) added to its profile, and whether
// anything was added: the scenario a required row runs when the profile
// does not draw its fault.
func widen(sc *sim.Scenario, kind sim.Kind, target string) (*sim.Scenario, bool) {
	addKind := !slices.Contains(sc.Profile.Kinds, kind)
	addTarget := target != "" && !slices.Contains(sc.Profile.Activities, target)
	if !addKind && !addTarget {
		return sc, false
	}
	w := *sc
	if addKind {
		w.Profile.Kinds = append(slices.Clip(sc.Profile.Kinds), kind)
	}
	if addTarget {
		w.Profile.Activities = append(slices.Clip(sc.Profile.Activities), target)
	}
	return &w, true
}

// outsideProfile is the note a row outside the profile adds to its Why.
const outsideProfile = " (outside the scenario's profile: its properties need not hold, and the row compares which ones each side broke)"

func notApplicable(sc *sim.Scenario, k PlanKind, kinds ...sim.Kind) Row {
	names := make([]string, len(kinds))
	for i, kind := range kinds {
		names[i] = string(kind)
	}
	// The note lists the profile's kinds that conformance can compare: the
	// replay kinds, which only engine 2 carries out and the dev server
	// cannot be told to do, have no row.
	return Row{Scenario: sc, Kind: k, NotApplicable: fmt.Sprintf("%s not in the profile (%s)", strings.Join(names, ", "), kindList(sc.Profile.ForEngine(sim.EngineTestEnv).Kinds))}
}

func kindList(ks []sim.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// baseScale is a row's speed-up before any timed fault: realserver's
// default, slowed down until the run takes targetWall and the server's
// latency cannot reorder a timer and a completion that the fault-free run
// saw apart (within maxWall), and until the shortest heartbeat timeout
// lasts minHeartbeatTimeout of real time.
func baseScale(sc *sim.Scenario, tl timeline) float64 {
	k := min(realserver.DefaultScale(sc), float64(tl.end)/float64(targetWall))
	if tl.race > 0 {
		k = min(k, float64(tl.race)/float64(raceAllowance))
	}
	k = max(k, float64(tl.end)/float64(maxWall))
	if tl.heartbeat > 0 {
		k = min(k, float64(tl.heartbeat)/float64(minHeartbeatTimeout))
	}
	return max(k, 1)
}
