package sim_test

import (
	"errors"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestReplayOracleCatalogue runs the correct catalogue on engine 2 and
// replays every history of every run with the SDK's replayer: 0 may fail
// (the oracle's no-false-alarm test). Each scenario runs its fault-free
// plan for seeds 1 to 67 (at least 1,000 runs; 10 seeds under -short) and, for
// each seed, one single-fault plan of a kind engine 2 carries out, drawn
// from the scenario's profile, so the test covers fault kinds as engine 2
// learns them.
func TestReplayOracleCatalogue(t *testing.T) {
	seeds := sim.Seed(67)
	if testing.Short() {
		seeds = 10
	}
	start := time.Now()
	var runs, faulted, histories, codec int
	for _, sc := range scenarios.Correct() {
		for seed := sim.Seed(1); seed <= seeds; seed++ {
			r := runOracle(t, sc, seed, sim.Plan{})
			runs++
			histories += replayClean(t, r)
			if plan, ok := engine2SingleFault(sc, r, seed); ok {
				runs++
				faulted++
				fr := runOracle(t, sc, seed, plan)
				if _, _, err := fr.ReplayHistories(); errors.Is(err, sim.ErrReplayCodecOutage) {
					codec++ // not judged: TestOracleLeavesCodecOutagesAlone
					continue
				}
				histories += replayClean(t, fr)
			}
		}
	}
	t.Logf("%d engine-2 runs (%d with one fault, %d of them not judged after a codec outage), %d histories replayed, in %.1fs",
		runs, faulted, codec, histories, time.Since(start).Seconds())
	if !testing.Short() && runs < 1000 {
		t.Errorf("%d runs, want at least 1,000: raise the seeds", runs)
	}
}

func runOracle(t *testing.T, sc *sim.Scenario, seed sim.Seed, plan sim.Plan) *sim.Result {
	t.Helper()
	r, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
	if err != nil {
		t.Fatalf("%s seed %d plan %v: %v", sc.Name, seed, plan, err)
	}
	return r
}

// replayClean fails t for each history of r that does not replay and
// returns how many were replayed.
func replayClean(t *testing.T, r *sim.Result) int {
	t.Helper()
	n, failures, err := r.ReplayHistories()
	if err != nil {
		t.Fatalf("%s seed %d: %v", r.Scenario, r.Seed, err)
	}
	if n == 0 {
		t.Fatalf("%s seed %d: no history replayed", r.Scenario, r.Seed)
	}
	for _, f := range failures {
		t.Errorf("%s seed %d plan %v: %s", r.Scenario, r.Seed, r.Plan, f)
	}
	for _, v := range r.Violations {
		if v.Property == "nondeterminism" {
			t.Errorf("%s seed %d: %s", r.Scenario, r.Seed, v)
		}
	}
	return n
}

// engine2SingleFault picks, by seed, one of the single faults the
// scenario's profile allows against run r whose kind engine 2 carries out.
func engine2SingleFault(sc *sim.Scenario, r *sim.Result, seed sim.Seed) (sim.Plan, bool) {
	var ok []sim.Fault
	for _, f := range sc.Profile.SingleFaults(sim.BaselineOf(r)) {
		if sim.Engine2Runs(f.Kind) {
			ok = append(ok, f)
		}
	}
	if len(ok) == 0 {
		return sim.Plan{}, false
	}
	return sim.Plan{Faults: []sim.Fault{ok[int(seed)%len(ok)]}}, true
}

// TestReplayOracleContinueAsNew replays the run after a continue-as-new,
// which the simulation terminates during its first workflow task: as on
// a Temporal server, the started task is failed before the termination,
// so the history replays.
func TestReplayOracleContinueAsNew(t *testing.T) {
	sc, err := scenarios.Lookup("continue-as-new")
	if err != nil {
		t.Fatal(err)
	}
	r := runOracle(t, sc, 1, sim.Plan{})
	hs := sim.Histories(r)
	if len(hs) != 2 {
		t.Fatalf("%d histories, want the first run and the next, terminated", len(hs))
	}
	ev := hs[1].Events
	n := len(ev)
	if n < 2 || ev[n-2].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED ||
		ev[n-2].GetWorkflowTaskFailedEventAttributes().GetCause() != enumspb.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND ||
		ev[n-1].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED {
		t.Fatalf("the terminated run's history ends %v, want WorkflowTaskFailed (FORCE_CLOSE_COMMAND), WorkflowExecutionTerminated", ev[max(0, n-2):])
	}
	if got := replayClean(t, r); got != 2 {
		t.Errorf("%d histories replayed, want 2", got)
	}
}

// TestReplayOracleOff shows the two cases where the oracle replays
// nothing and says so: engine 1, and Options.NoReplay.
func TestReplayOracleOff(t *testing.T) {
	sc, err := scenarios.Lookup("parallel-activities")
	if err != nil {
		t.Fatal(err)
	}
	r1, err := sim.Run(t, sc, 1, sim.Plan{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r1.ReplayHistories(); !errors.Is(err, sim.ErrNoHistories) {
		t.Errorf("engine 1: %v, want ErrNoHistories", err)
	}
	r2, err := sim.RunOnServer(t, sc, 1, sim.Plan{}, sim.Options{NoReplay: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r2.ReplayHistories(); !errors.Is(err, sim.ErrReplayOff) {
		t.Errorf("NoReplay: %v, want ErrReplayOff", err)
	}
}
