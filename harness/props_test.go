package harness_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// run builds a result by hand: workflow "wf" ending at end (never, when
// end < 0) with outcome o, and the given activities.
func run(o sim.Outcome, end time.Duration, acts ...sim.ActivityRecord) *sim.Result {
	r := &sim.Result{Scenario: "wf", Outcome: o, Activities: acts}
	if o != sim.Completed && o != sim.Stuck {
		r.ErrType = "ApplicationError"
	}
	if end >= 0 {
		r.Events = append(r.Events, sim.Event{T: end.Milliseconds(), Kind: "wf.end", WF: "wf"})
	}
	return r
}

// act is activity "a1" of type typ in workflow "wf" with the given
// attempts and retry policy (initial 1s, coefficient 2, at most max).
func act(typ string, max int, atts ...sim.AttemptRecord) sim.ActivityRecord {
	return sim.ActivityRecord{Key: "wf/a1", Workflow: "wf", Type: typ, Call: 1, Attempts: atts,
		Policy: sim.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute, MaximumAttempts: max}}
}

func att(n int, start, end time.Duration, result string, retryable bool) sim.AttemptRecord {
	return sim.AttemptRecord{N: n, Start: start, End: end, Result: result, Retryable: retryable}
}

// hitBy marks an attempt as hit by the plan's fault id.
func hitBy(a sim.AttemptRecord, id int) sim.AttemptRecord {
	a.Faults = append(a.Faults, id)
	return a
}

func cancelled(r *sim.Result, at time.Duration) *sim.Result {
	r.CancelRequested = true
	r.Events = append([]sim.Event{{T: at.Milliseconds(), Kind: "fault", Name: string(sim.WorkflowCancel), Fault: 1}}, r.Events...)
	return r
}

const s = time.Second

// TestProperties shows each property of the library failing on a result
// that breaks it and holding on one that does not.
func TestProperties(t *testing.T) {
	tests := []struct {
		name    string
		prop    sim.Property
		r       *sim.Result
		wantErr string // "" when the property holds
	}{
		{"outcome allowed", harness.Outcomes(sim.Completed, sim.Canceled), run(sim.Canceled, s), ""},
		{"outcome not allowed", harness.Outcomes(sim.Completed), run(sim.Failed, s), "workflow ended failed (ApplicationError)"},

		{"attempt before close", harness.NoAttemptAfterClose(), run(sim.Completed, 10*s, act("A", 0, att(1, 9*s, 10*s, "ok", false))), ""},
		{"attempt after close", harness.NoAttemptAfterClose(), run(sim.Completed, 10*s, act("A", 0, att(1, 11*s, 12*s, "ok", false))), "attempt 1 started at 11s, after workflow wf closed at 10s"},

		{"attempts within maximum", harness.AttemptsWithinMaximum(), run(sim.Completed, s, act("A", 2, att(1, 0, s, "E", true), att(2, 2*s, 3*s, "ok", false))), ""},
		{"unlimited attempts", harness.AttemptsWithinMaximum(), run(sim.Completed, s, act("A", 0, att(1, 0, s, "E", true), att(2, 2*s, 3*s, "E", true), att(3, 5*s, 6*s, "ok", false))), ""},
		{"attempts over maximum", harness.AttemptsWithinMaximum(), run(sim.Failed, s, act("A", 1, att(1, 0, s, "E", true), att(2, 2*s, 3*s, "E", true))), "made 2 attempts, MaximumAttempts is 1"},

		{"backoff as policy", harness.BackoffFollowsPolicy(), run(sim.Completed, s, act("A", 0, att(1, 0, s, "E", true), att(2, 2*s, 3*s, "E", true), att(3, 5*s, 6*s, "ok", false))), ""},
		{"backoff too short", harness.BackoffFollowsPolicy(), run(sim.Completed, s, act("A", 0, att(1, 0, s, "E", true), att(2, 2*s, 3*s, "E", true), att(3, 4*s, 5*s, "ok", false))), "attempt 3 started 1s after attempt 2 ended; the retry policy says 2s"},

		{"retryable retried", harness.NonRetryableNotRetried(), run(sim.Completed, s, act("A", 0, att(1, 0, s, "E", true), att(2, 2*s, 3*s, "ok", false))), ""},
		{"non-retryable retried", harness.NonRetryableNotRetried(), run(sim.Completed, s, act("A", 0, att(1, 0, s, "E", false), att(2, 2*s, 3*s, "ok", false))), "attempt 1 ended E (not retryable) but attempt 2 followed"},

		{"no cancel, no cleanup needed", harness.CleanupAfterCancel("Cleanup"), run(sim.Failed, s), ""},
		{"cleanup after cancel", harness.CleanupAfterCancel("Cleanup"), cancelled(run(sim.Canceled, 9*s, act("Cleanup", 0, att(1, 5*s, 8*s, "ok", false))), 5*s), ""},
		{"cleanup before cancel only", harness.CleanupAfterCancel("Cleanup"), cancelled(run(sim.Canceled, 9*s, act("Cleanup", 0, att(1, 0, s, "ok", false))), 5*s), "cancelled at 5s but Cleanup never completed afterwards"},
		{"cleanup failed", harness.CleanupAfterCancel("Cleanup"), cancelled(run(sim.Canceled, 9*s, act("Cleanup", 1, att(1, 5*s, 8*s, "E", false))), 5*s), "Cleanup never completed"},
		{"cleanup failed for good by the plan", harness.CleanupAfterCancel("Cleanup"), cancelled(run(sim.Canceled, 9*s, act("Cleanup", 0, hitBy(att(1, 5*s, 8*s, "ApplicationError:InjectedFault", false), 2))), 5*s), ""},
		{"plan fault before the cancel", harness.CleanupAfterCancel("Cleanup"), cancelled(run(sim.Canceled, 9*s, act("Cleanup", 0, hitBy(att(1, 0, s, "ApplicationError:InjectedFault", false), 2))), 5*s), "Cleanup never completed"},
		{"plan fault retried, then cleanup skipped", harness.CleanupAfterCancel("Cleanup"), cancelled(run(sim.Canceled, 9*s, act("Cleanup", 0, hitBy(att(1, 5*s, 6*s, "ApplicationError:InjectedFault", true), 2), att(2, 7*s, 8*s, "E", false))), 5*s), "Cleanup never completed"},

		{"terminates in bound", harness.Terminates(time.Minute, time.Minute), run(sim.Completed, 90*s), ""},
		{"terminates late", harness.Terminates(time.Minute, time.Minute), run(sim.Completed, 3*time.Minute), "ended at 3m0s, later than the fault window (1m0s) plus the bound (1m0s)"},
		{"never terminates", harness.Terminates(time.Minute, time.Minute), run(sim.Stuck, -1), "never reached a terminal state"},

		{"no activity failed", harness.NoActivityFailed(), run(sim.Completed, s, act("A", 0, att(1, 0, s, "ok", false))), ""},
		{"excepted failure", harness.NoActivityFailed("timeout"), run(sim.Completed, s, act("A", 0, att(1, 0, s, "timeout:StartToClose", true), att(2, 2*s, 3*s, "ok", false))), ""},
		{"activity failed", harness.NoActivityFailed("timeout"), run(sim.Completed, s, act("A", 0, att(1, 0, s, "ApplicationError", true))), "wf/a1 (A) attempt 1 ended ApplicationError"},

		{"user property holds", harness.Property("mine", func(*sim.Result) error { return nil }), run(sim.Completed, s), ""},
		{"user property fails", harness.Property("mine", func(*sim.Result) error { return errors.New("broken") }), run(sim.Completed, s), "broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.prop.Check(tt.r)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("%s: %v; want it to hold", tt.prop.Name, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("%s: %v; want an error containing %q", tt.prop.Name, err, tt.wantErr)
			}
		})
	}
}

func TestSafetyAndWorkflowEnd(t *testing.T) {
	var names []string
	for _, p := range harness.Safety() {
		names = append(names, p.Name)
	}
	if got, want := strings.Join(names, " "), "no-attempt-after-close attempts-within-maximum backoff-follows-policy non-retryable-not-retried nondeterminism"; got != want {
		t.Errorf("Safety() = %s, want %s", got, want)
	}
	if end, ok := harness.WorkflowEnd(run(sim.Completed, 3*s)); !ok || end != 3*s {
		t.Errorf("WorkflowEnd = %s, %v; want 3s, true", end, ok)
	}
	if _, ok := harness.WorkflowEnd(run(sim.Stuck, -1)); ok {
		t.Errorf("WorkflowEnd of a run that never ended reports an end")
	}
	// A run under another workflow id (sim.Options.WorkflowID) ends when
	// that workflow does, not when one named after the scenario does.
	named := run(sim.Completed, 3*s)
	named.WorkflowID = "wf-7"
	if _, ok := harness.WorkflowEnd(named); ok {
		t.Errorf("WorkflowEnd of a run of workflow wf-7 takes the end of workflow wf")
	}
	named.Events = append(named.Events, sim.Event{T: 5000, Kind: "wf.end", WF: "wf-7"})
	if end, ok := harness.WorkflowEnd(named); !ok || end != 5*s {
		t.Errorf("WorkflowEnd of workflow wf-7 = %s, %v; want 5s, true", end, ok)
	}
}

// TestSafetyHoldsOnEngineRuns runs the safety properties over real runs
// of the shop workflow under generated plans: the engine honours retry
// policies, so they must hold.
func TestSafetyHoldsOnEngineRuns(t *testing.T) {
	harness.Check(t, shopScenario("shop"), harness.Checks(40), harness.PlanDir(""), harness.SearchSeed(1))
}
