package conformance

import (
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestEngineObservation checks what the recorder and the engine's records
// show of a heartbeat-loss run: the lost attempt times out on heartbeats,
// its retry is handed the last heartbeat that got through, and the
// recorder counts each attempt once.
func TestEngineObservation(t *testing.T) {
	sc, err := scenarios.Lookup("parallel-activities")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := sim.ParsePlan("f1 heartbeat-loss target=Process call=4 attempt=1 dur=40s")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(t, instrument(sc), 1, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := engineObservation(r)
	if o.Outcome != sim.Completed || o.Result != `["item-0","item-1","item-2","item-3"]` {
		t.Fatalf("outcome %s %s", o.Outcome, o.Result)
	}
	if len(o.Activities) != 4 {
		t.Fatalf("%d activities, want 4: %+v", len(o.Activities), o.Activities)
	}
	got := o.Activities[3]
	want := ActivityObs{Workflow: "parallel-activities", Type: "Process", Call: 4,
		Attempts: []AttemptObs{{N: 1, Result: "timeout:HEARTBEAT"}, {N: 2, Result: "ok", Heartbeat: "1"}}}
	if got.Name("parallel-activities") != "Process#4" || len(got.Attempts) != 2 || got.Attempts[0] != want.Attempts[0] || got.Attempts[1] != want.Attempts[1] {
		t.Errorf("Process#4: %+v, want %+v", got, want)
	}
	if n := o.Calls["ExecuteActivity:Process"]; n != 5 {
		t.Errorf("the recorder saw %d Process attempts, want 5", n)
	}
	if n := o.Calls["ExecuteWorkflow:ParallelWorkflow"]; n != 1 {
		t.Errorf("the recorder saw %d executions, want 1", n)
	}
	if d := Compare(o, o, sc.Name); len(d) != 0 {
		t.Errorf("an observation differs from itself: %v", d)
	}
}

// TestEngineObservationOfMessages checks that the recorder counts what
// the entity's handlers did with a signal and two updates, one rejected.
func TestEngineObservationOfMessages(t *testing.T) {
	sc, err := scenarios.Lookup("entity")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := sim.ParsePlan("f1 signal at=5m target=deposit value=100\nf2 update at=10m target=reserve value=10\nf3 update at=15m target=reserve value=0")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(t, instrument(sc), 1, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := engineObservation(r)
	for k, want := range map[string]int{"HandleSignal:deposit": 1, "ValidateUpdate:reserve=ok": 1, "ValidateUpdate:reserve=rejected": 1,
		"ExecuteUpdate:reserve=ok": 1, "ExecuteActivity:Hold": 1} {
		if o.Calls[k] != want {
			t.Errorf("calls %s = %d, want %d (all: %v)", k, o.Calls[k], want, o.Calls)
		}
	}
	if o.Outcome != sim.ContinuedAsNew || o.Result == "" {
		t.Errorf("outcome %s, next run's input %q", o.Outcome, o.Result)
	}
}
