package sim_test

import (
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// nondetKinds are the replay kinds that say the code decided differently.
var nondetKinds = map[string]bool{"missing-command": true, "extra-command": true, "command-mismatch": true, "result-mismatch": true}

// inRunViolation checks that r ended at once for a workflow task that
// failed for nondeterminism in workflow wf of type typ, and that the
// nondeterminism property names it; it returns the property's message.
func inRunViolation(t *testing.T, r *sim.Result, wf, typ string, crashAt time.Duration) string {
	t.Helper()
	f, ok := r.TaskNondeterminism()
	if !ok {
		t.Fatalf("seed %d: no workflow task failed for nondeterminism; outcome %s, violations %v", r.Seed, r.Outcome, r.Violations)
	}
	if f.WorkflowID != wf || f.WorkflowType != typ || !nondetKinds[f.Kind] || f.EventID <= 0 {
		t.Errorf("seed %d: failure %+v; want workflow %s (%s), a nondeterminism kind and an event id", r.Seed, f, wf, typ)
	}
	if r.Outcome != sim.Stuck || r.Elapsed > crashAt+10*time.Minute {
		t.Errorf("seed %d: outcome %s after %s; want stuck within minutes of the crash at %s", r.Seed, r.Outcome, r.Elapsed, crashAt)
	}
	var msg string
	for _, v := range r.Violations {
		if v.Property == "nondeterminism" {
			msg = v.Message
		}
	}
	for _, want := range []string{"during the run", wf, f.Kind, "event " + strconv.FormatInt(f.EventID, 10)} {
		if !strings.Contains(msg, want) {
			t.Errorf("seed %d: nondeterminism says %q; want it to name %q", r.Seed, msg, want)
		}
	}
	return msg
}

// TestEngine2InRunNondeterminism: a worker crash makes the fresh worker
// replay the history, and parallel-activities' planted map-order bug
// (ranging over a map to pick activity ids) then fails that workflow task
// for nondeterminism. The run ends at once (stuck, minutes after the
// crash, not at the budget) and the nondeterminism property fails naming
// the workflow, the kind and the event. (The bug scenario's own trace is
// not the same from run to run: its activity ids, which order attempts of
// one instant, come from Go's random map order.)
func TestEngine2InRunNondeterminism(t *testing.T) {
	sc, err := scenarios.Lookup("parallel-activities/bug-map-order")
	if err != nil {
		t.Fatal(err)
	}
	for seed := sim.Seed(1); seed <= 4; seed++ {
		plan := crashPlan(t, sc, seed)
		r, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if msg := inRunViolation(t, r, sc.Name, "ParallelWorkflowUnderTest", plan.Faults[0].At); seed == 1 {
			t.Logf("%s", msg)
		}
	}
}

// changesOnReplay decides on state kept outside the workflow: its first
// execution sleeps a minute, every later one (a replay) runs an activity
// instead. A worker crash during the sleep makes the fresh worker replay
// it when the timer fires.
func changesOnReplay() *sim.Scenario {
	return &sim.Scenario{Name: "changes-on-replay", Profile: sim.Profile{Kinds: []sim.Kind{sim.WorkerCrash}},
		Properties: []sim.Property{harness.Nondeterminism()},
		Setup: func(w *sim.World) sim.Case {
			var execs atomic.Int32
			w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
				if execs.Add(1) > 1 { // the bug
					ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
					return workflow.ExecuteActivity(ctx, "Other").Get(ctx, nil)
				}
				return workflow.Sleep(ctx, time.Minute)
			}, workflow.RegisterOptions{Name: "ChangesOnReplay"})
			return sim.Case{Workflow: "ChangesOnReplay"}
		}}
}

// TestEngine2InRunNondeterminismRepeats: the run that stops at a
// nondeterministic workflow task gives the same trace and histories for
// the same seed, at GOMAXPROCS 8.
func TestEngine2InRunNondeterminismRepeats(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	sc := changesOnReplay()
	plan := sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.WorkerCrash, At: 30 * time.Second}}}
	var sha, hsha string
	for i := 0; i < 3; i++ {
		r, err := sim.RunOnServer(t, sc, 1, plan, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		inRunViolation(t, r, sc.Name, "ChangesOnReplay", plan.Faults[0].At)
		if i == 0 {
			sha, hsha = r.TraceSHA256(), historySHA(t, r)
			continue
		}
		if r.TraceSHA256() != sha || historySHA(t, r) != hsha {
			t.Fatalf("run %d: trace or histories differ from the first run", i+1)
		}
	}
}

// TestEngine2WorkflowPanicIsRetried: a workflow task that fails for a
// panic in workflow code, not for nondeterminism, is retried as a server
// retries it, and the run goes on: this workflow panics in its first task
// only, then completes, with no nondeterminism reported.
func TestEngine2WorkflowPanicIsRetried(t *testing.T) {
	sc := &sim.Scenario{Name: "panic-once", Setup: func(w *sim.World) sim.Case {
		var panicked atomic.Bool
		w.RegisterWorkflowWithOptions(func(ctx workflow.Context) (string, error) {
			if panicked.CompareAndSwap(false, true) {
				panic("a bug in the workflow's first task")
			}
			return "ok", workflow.Sleep(ctx, time.Minute)
		}, workflow.RegisterOptions{Name: "PanicOnce"})
		return sim.Case{Workflow: "PanicOnce"}
	}, Properties: []sim.Property{harness.Nondeterminism()}}
	r, err := sim.RunOnServer(t, sc, 1, sim.Plan{}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.TaskNondeterminism(); ok || r.Outcome != sim.Completed || r.Failed() {
		t.Fatalf("outcome %s, violations %v; want completed after the retried task, no nondeterminism", r.Outcome, r.Violations)
	}
}
