package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"
)

var replayKinds = []Kind{CacheEviction, WorkflowTaskFailure, WorkflowTaskTimeout}

// replayScenario runs an activity, sleeps an hour, and runs a second
// activity that records how many times the workflow's code had started in
// replay by then (each start in replay is a workflow task that rebuilt
// the run from event 1). The replay oracle's replays, after the run, run
// no activity, so they are not counted. The property fails unless the
// count is want.
func replayScenario(want int) *Scenario {
	return &Scenario{
		Name:    "e2-replay",
		Profile: Profile{Kinds: replayKinds},
		Setup: func(w *World) Case {
			starts, seen := 0, -1
			wf := func(ctx workflow.Context) error {
				if workflow.IsReplaying(ctx) {
					starts++
				}
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
				if err := workflow.ExecuteActivity(ctx, "step").Get(ctx, nil); err != nil {
					return err
				}
				if err := workflow.Sleep(ctx, time.Hour); err != nil {
					return err
				}
				return workflow.ExecuteActivity(ctx, "report").Get(ctx, nil)
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "replayWF"})
			w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activityOpts("step"))
			w.RegisterActivityWithOptions(func(context.Context) error { seen = starts; return nil }, activityOpts("report"))
			return Case{Workflow: "replayWF", Properties: []Property{{Name: "replayed-starts", Check: func(*Result) error {
				if seen != want {
					return fmt.Errorf("the workflow had started %d times in replay when its last activity ran, want %d", seen, want)
				}
				return nil
			}}}}
		},
	}
}

// taskEnds lists the workflow task events of the scenario's history that
// end a task unsuccessfully, with the attempt of the task scheduled next.
func taskEnds(r *Result) []string {
	var out []string
	for _, h := range r.histories {
		for i, e := range h.Events {
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
				next := int32(0)
				if i+1 < len(h.Events) {
					next = h.Events[i+1].GetWorkflowTaskScheduledEventAttributes().GetAttempt()
				}
				out = append(out, fmt.Sprintf("%s then attempt %d", e.GetEventType(), next))
			}
		}
	}
	return out
}

// TestEngine2ReplayKindsReplay: without a fault the workflow never starts
// in replay; each replay kind at 30 minutes (during the hour-long sleep)
// fires, and the workflow's next task rebuilds the run from event 1 on the
// same worker: its code starts once in replay, the run completes, and its
// history replays. A task failure and a timeout leave their event in
// history, followed by attempt 2; an eviction leaves none.
func TestEngine2ReplayKindsReplay(t *testing.T) {
	r, err := Run(t, replayScenario(0), 1, Plan{}, &Options{Engine: EngineServer})
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed() || r.Outcome != Completed {
		t.Fatalf("no fault: %s %v", r.Outcome, r.Violations)
	}
	want := map[Kind][]string{
		CacheEviction:       nil,
		WorkflowTaskFailure: {"WorkflowTaskFailed then attempt 2"},
		WorkflowTaskTimeout: {"WorkflowTaskTimedOut then attempt 2"},
	}
	for _, k := range replayKinds {
		plan := Plan{Faults: []Fault{{ID: 1, Kind: k, At: 30 * time.Minute}}}
		r, err := Run(t, replayScenario(1), 1, plan, &Options{Engine: EngineServer})
		if err != nil {
			t.Fatal(err)
		}
		if r.Failed() || r.Outcome != Completed || !slices.Equal(r.Fired, []int{1}) {
			t.Errorf("%s: %s, fired %v, %v", k, r.Outcome, r.Fired, r.Violations)
		}
		if got := taskEnds(r); !slices.Equal(got, want[k]) {
			t.Errorf("%s: failed or timed-out tasks %q, want %q", k, got, want[k])
		}
		if n, failures, err := r.ReplayHistories(); err != nil || n != 1 || len(failures) != 0 {
			t.Errorf("%s: the oracle replayed %d histories: %v %v", k, n, failures, err)
		}
	}
}

// TestEngine2ReplayKindsNeedARun: a fault after the workflow closed finds
// nothing to act on and does not fire.
func TestEngine2ReplayKindsNeedARun(t *testing.T) {
	for _, k := range replayKinds {
		plan := Plan{Faults: []Fault{{ID: 1, Kind: k, At: 3 * time.Hour}}}
		r, err := Run(t, replayScenario(0), 1, plan, &Options{Engine: EngineServer})
		if err != nil {
			t.Fatal(err)
		}
		if r.Failed() || len(r.Fired) != 0 {
			t.Errorf("%s after the close: fired %v, %v", k, r.Fired, r.Violations)
		}
	}
}

// TestEngine1RefusesReplayKinds: engine 1 refuses each replay kind before
// the run, with ErrEngineLacksKind and a line naming the kind, and
// Engine.Refuses says so ahead of the run.
func TestEngine1RefusesReplayKinds(t *testing.T) {
	for _, k := range replayKinds {
		plan := Plan{Faults: []Fault{{ID: 1, Kind: k, At: time.Minute}}}
		if got, ok := EngineTestEnv.Refuses(plan); !ok || got != k {
			t.Errorf("engine 1 Refuses(%s) = %q, %v", k, got, ok)
		}
		if _, ok := EngineServer.Refuses(plan); ok {
			t.Errorf("engine 2 refuses %s", k)
		}
		r, err := Run(t, replayScenario(0), 1, plan, nil)
		if r != nil || !errors.Is(err, ErrEngineLacksKind) || !strings.Contains(err.Error(), "cannot carry out this fault kind: "+string(k)) || strings.Contains(err.Error(), "\n") {
			t.Errorf("engine 1 with %s: %v, %v", k, r, err)
		}
	}
}

// TestSwarmPlanOnEngines: a profile with the replay kinds draws none of
// them for engine 1, whose plan is the one the profile without them
// draws (the same streams); engine 2's plan starts with engine 1's faults
// and adds replay faults on some seeds, from their own stream.
func TestSwarmPlanOnEngines(t *testing.T) {
	base := Profile{Kinds: []Kind{ActivityError, WorkerCrash, Signal}, Activities: []string{"A", "B"},
		Signals: []Message{{Name: "go"}}, Window: time.Hour}
	with := base
	with.Kinds = append([]Kind{CacheEviction}, append(slices.Clone(base.Kinds), WorkflowTaskFailure, WorkflowTaskTimeout)...)
	if got := with.ForEngine(EngineTestEnv).Kinds; !slices.Equal(got, base.Kinds) {
		t.Fatalf("ForEngine(testenv) kinds %v, want %v", got, base.Kinds)
	}
	if got := with.ForEngine(EngineServer).Kinds; !slices.Equal(got, with.Kinds) {
		t.Fatalf("ForEngine(server) kinds %v, want %v", got, with.Kinds)
	}
	drawn := map[Kind]int{}
	for seed := Seed(1); seed <= 300; seed++ {
		c0, p0 := base.SwarmPlan(seed)
		c1, p1 := with.SwarmPlanOn(seed, nil, EngineTestEnv)
		if p0.String() != p1.String() || c0.String() != c1.String() {
			t.Fatalf("seed %d: engine 1 draws %v %v with the replay kinds listed, %v %v without", seed, c1, p1, c0, p0)
		}
		c2, p2 := with.SwarmPlanOn(seed, nil, EngineServer)
		if len(p2.Faults) < len(p1.Faults) || !slices.Equal(p2.Faults[:len(p1.Faults)], p1.Faults) {
			t.Fatalf("seed %d: engine 2's plan %v does not start with engine 1's %v", seed, p2, p1)
		}
		if err := with.Check(p2); err != nil || len(p2.Faults) > with.withDefaults().MaxFaults {
			t.Fatalf("seed %d: engine 2's plan %v: %v", seed, p2, err)
		}
		for _, f := range p2.Faults[len(p1.Faults):] {
			if !engine1Lacks[f.Kind] || !slices.Contains(c2.Kinds, f.Kind) {
				t.Fatalf("seed %d: engine 2 added %s (config %v)", seed, f, c2)
			}
			drawn[f.Kind]++
		}
	}
	for _, k := range replayKinds {
		if drawn[k] == 0 {
			t.Errorf("engine 2 never drew %s in 300 seeds", k)
		}
	}
	t.Logf("replay faults engine 2 added over 300 seeds: %v", drawn)
}

// TestEngine2StopsAWorkflowTaskThatKeepsFailing: a workflow whose code
// panics when it runs a second time (state kept outside the workflow)
// fails every retry of the task the eviction makes a replay. That is no
// nondeterminism error, so the run is not stopped for nondeterminism, and
// a server would retry the task forever: at maxTaskAttempts the engine
// stops the run as stuck, and says why.
func TestEngine2StopsAWorkflowTaskThatKeepsFailing(t *testing.T) {
	sc := &Scenario{
		Name:    "e2-panics-on-replay",
		Profile: Profile{Kinds: replayKinds},
		Setup: func(w *World) Case {
			executions := 0
			wf := func(ctx workflow.Context) error {
				if executions++; executions > 1 { // the bug: state outside the workflow
					panic("the cache was warmed by the first execution")
				}
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
				if err := workflow.Sleep(ctx, time.Hour); err != nil {
					return err
				}
				if err := workflow.ExecuteActivity(ctx, "step").Get(ctx, nil); err != nil {
					return err
				}
				return workflow.Sleep(ctx, time.Hour)
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "panicsWF"})
			w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activityOpts("step"))
			return Case{Workflow: "panicsWF"}
		},
	}
	plan := Plan{Faults: []Fault{{ID: 1, Kind: CacheEviction, At: 90 * time.Minute}}}
	r, err := Run(t, sc, 1, plan, &Options{Engine: EngineServer, NoReplay: true})
	if err != nil {
		t.Fatal(err)
	}
	last := r.Events[len(r.Events)-1]
	if r.Outcome != Stuck || last.Kind != "run.stuck" || !strings.Contains(last.Detail, fmt.Sprintf("failed %d times in a row", maxTaskAttempts-1)) {
		t.Fatalf("%s after %s, last event %v; want stuck at the task loop", r.Outcome, r.Elapsed, last)
	}
	if r.Elapsed > 3*time.Hour {
		t.Errorf("stopped after %s, want soon after the 2h timer's task started failing", r.Elapsed)
	}
	t.Logf("%s after %s: %s", r.Outcome, r.Elapsed, last.Detail)
}
