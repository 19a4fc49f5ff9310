package conformance

import (
	"cmp"
	"regexp"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// matchAll are patterns that say nothing about a value.
var matchAll = map[string]bool{"": true, ".*": true, ".+": true, "(.*)": true, "(.+)": true}

func TestKnownDifferencesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range KnownDifferences {
		if k.ID == "" || seen[k.ID] || k.EngineDoes == "" || k.ServerDoes == "" || len(k.Match) == 0 {
			t.Errorf("entry %q: every entry needs a unique id, a pattern and both descriptions", k.ID)
		}
		if !k.Emulated && k.Closing == "" {
			t.Errorf("%s: a difference the engine does not emulate needs a note on what would close it", k.ID)
		}
		seen[k.ID] = true
		switch k.Cause {
		case CauseEngine, CauseScaling, CauseHarness:
		default:
			t.Errorf("%s: cause %q", k.ID, k.Cause)
		}
		for _, p := range k.Match {
			for _, re := range []string{p.Field, p.Engine, p.Server} {
				if _, err := regexp.Compile(re); err != nil {
					t.Errorf("%s: %v", k.ID, err)
				}
			}
			if !k.Emulated && (matchAll[p.Field] || matchAll[p.Engine] || matchAll[p.Server]) {
				t.Errorf("%s: pattern for %q: a live entry names the field, the engine's value and the server's value", k.ID, p.Field)
			}
		}
	}
}

// TestExplain checks, entry by entry, that a live entry explains the
// difference it describes and not its neighbours: the other side ahead,
// another value, another scenario or kind.
func TestExplain(t *testing.T) {
	row := func(sc string, k PlanKind) Row { return Row{Scenario: &sim.Scenario{Name: sc}, Kind: k} }
	const polls11 = "11 attempts: timeout:START_TO_CLOSE, " + nr + nr + nr + nr + nr + nr + nr + nr + nr + "ok"
	tests := []struct {
		name string
		row  Row
		diff Diff
		want string     // the entry's id, "" for none
		on   sim.Engine // "" is engine 1
	}{
		{"older heartbeat details", row("parallel-activities", WorkerShutdown),
			Diff{"activity Process#4 attempt 2 heartbeat", "3", "2"}, "heartbeat-throttling", ""},
		{"no heartbeat details reached the server", row("parallel-activities", WorkerShutdown),
			Diff{"activity Process#4 attempt 2 heartbeat", "1", ""}, "heartbeat-throttling", ""},
		{"newer heartbeat details are not throttling", row("parallel-activities", WorkerShutdown),
			Diff{"activity Process#4 attempt 2 heartbeat", "2", "3"}, "", ""},
		{"cleanup during a cancelled activity", row("cancellation", Cancellation),
			Diff{"cancel overlaps", "Cleanup scheduled while LongWork ran", ""}, "wait-for-cancellation", ""},
		{"the server overlapping is not the engine's limit", row("cancellation", Cancellation),
			Diff{"cancel overlaps", "", "Cleanup scheduled while LongWork ran"}, "", ""},
		{"a local retry's timer", row("local-activity", ActivityError), Diff{"timers fired", "1", "0"}, "local-retry-timer", ""},
		{"a timer the server fired more", row("local-activity", ActivityError), Diff{"timers fired", "1", "2"}, "", ""},
		{"fewer polls", row("polling-infrequent", HeartbeatLoss),
			Diff{"calls ExecuteActivity:CheckReady", "11", "9"}, "polls-after-latency", ""},
		{"more polls on the server", row("polling-infrequent", HeartbeatLoss),
			Diff{"calls ExecuteActivity:CheckReady", "9", "11"}, "", ""},
		{"polls elsewhere", row("saga", NoFaults), Diff{"calls ExecuteActivity:CheckReady", "11", "9"}, "", ""},
		{"fewer failed polls", row("polling-infrequent", StartToCloseHang),
			Diff{"activity CheckReady#1 attempts", polls11, "3 attempts: timeout:START_TO_CLOSE (inferred), " + nr + "ok"}, "polls-after-latency", ""},
		{"fewer polls, but a timeout lost", row("polling-infrequent", StartToCloseHang),
			Diff{"activity CheckReady#1 attempts", polls11, "3 attempts: " + nr + nr + "ok"}, "", ""},
		{"fewer polls, ending in a failure", row("polling-infrequent", StartToCloseHang),
			Diff{"activity CheckReady#1 attempts", polls11, "2 attempts: timeout:START_TO_CLOSE (inferred), ApplicationError:NotReady"}, "", ""},
		{"fewer polls, another error", row("polling-infrequent", StartToCloseHang),
			Diff{"activity CheckReady#1 attempts", polls11, "3 attempts: timeout:START_TO_CLOSE (inferred), ApplicationError:Down, ok"}, "", ""},
		{"the update the cancellation finished", row("entity", Cancellation),
			Diff{"properties broken", "outcome, updates-finish-before-run-ends", "outcome"}, "update-unfinished-at-cancel", ""},
		{"another property broken", row("entity", Cancellation),
			Diff{"properties broken", "outcome, updates-finish-before-run-ends", "terminates"}, "", ""},
		{"a local step run again after a shutdown", row("local-activity", WorkerShutdown),
			Diff{"calls ExecuteWorkflow:LocalChainWorkflow", "1", "2"}, "shutdown-local-activities", ""},
		{"a local step missing after a shutdown", row("local-activity", WorkerShutdown),
			Diff{"calls ExecuteActivity:Price", "2", "1"}, "", ""},
		{"a local step run again, no shutdown", row("local-activity", ActivityError),
			Diff{"calls ExecuteWorkflow:LocalChainWorkflow", "1", "2"}, "", ""},
		{"an outcome is never explained", row("saga", WorkerShutdown), Diff{"outcome", "completed", "failed"}, "", ""},
		// Engine 2 runs the SDK's own worker: what the test environment
		// causes does not explain its differences; time scaling does.
		{"heartbeat throttling on engine 2", row("parallel-activities", WorkerShutdown),
			Diff{"activity Process#4 attempt 2 heartbeat", "3", "2"}, "heartbeat-throttle-scaled", sim.EngineServer},
		{"the server ahead in heartbeats on engine 2", row("parallel-activities", WorkerShutdown),
			Diff{"activity Process#4 attempt 2 heartbeat", "2", "3"}, "", sim.EngineServer},
		{"a cleanup during a cancelled activity on engine 2", row("cancellation", Cancellation),
			Diff{"cancel overlaps", "Cleanup scheduled while LongWork ran", ""}, "", sim.EngineServer},
		{"a local step run again on engine 2", row("local-activity", WorkerShutdown),
			Diff{"calls ExecuteWorkflow:LocalChainWorkflow", "1", "2"}, "", sim.EngineServer},
		{"fewer polls on engine 2", row("polling-infrequent", HeartbeatLoss),
			Diff{"calls ExecuteActivity:CheckReady", "11", "9"}, "polls-after-latency", sim.EngineServer},
	}
	for _, tt := range tests {
		on := cmp.Or(tt.on, sim.EngineTestEnv)
		if got := knownID(explain(on, tt.row, tt.diff)); got != orUnexplained(tt.want) {
			t.Errorf("%s: explained by %q, want %q", tt.name, got, orUnexplained(tt.want))
		}
	}
}

const nr = "ApplicationError:NotReady, "

func orUnexplained(id string) string {
	if id == "" {
		return "unexplained"
	}
	return id
}

// TestEmulatedEntriesExplainNothing: a difference an emulated entry's
// pattern describes is unexplained, and emulatedMatch names the entry.
func TestEmulatedEntriesExplainNothing(t *testing.T) {
	row := Row{Scenario: &sim.Scenario{Name: "saga"}, Kind: WorkerShutdown}
	d := Diff{"activity Ship#1 attempt 1 result", "timeout:START_TO_CLOSE", "ApplicationError"}
	if k := explain(sim.EngineTestEnv, row, d); k != nil {
		t.Errorf("%s explained by %s", d, k.ID)
	}
	if k := emulatedMatch(sim.EngineTestEnv, row, d); k == nil || k.ID != "shutdown-reports-failure" {
		t.Errorf("emulatedMatch(%s) = %v, want shutdown-reports-failure", d, k)
	}
	calls := Diff{"calls ExecuteActivity:Normalize", "1", "2"}
	if k := explain(sim.EngineTestEnv, Row{Scenario: &sim.Scenario{Name: "local-activity"}, Kind: ActivityError}, calls); k != nil {
		t.Errorf("%s explained by %s", calls, k.ID)
	}
}
