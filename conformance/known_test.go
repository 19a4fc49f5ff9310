package conformance

import (
	"regexp"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

func TestKnownDifferencesAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range KnownDifferences {
		if k.ID == "" || seen[k.ID] || k.EngineDoes == "" || k.ServerDoes == "" || k.Field == "" {
			t.Errorf("entry %q: every entry needs a unique id, a field and both descriptions", k.ID)
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
		for _, re := range []string{k.Field, k.Engine, k.Server} {
			if _, err := regexp.Compile(re); err != nil {
				t.Errorf("%s: %v", k.ID, err)
			}
		}
	}
}

func TestExplain(t *testing.T) {
	row := func(sc string, k PlanKind) Row { return Row{Scenario: &sim.Scenario{Name: sc}, Kind: k} }
	tests := []struct {
		name string
		row  Row
		diff Diff
		want string // the entry's id, "" for none
	}{
		{"a shutdown's lost attempt", row("saga", WorkerShutdown),
			Diff{"activity Ship#1 attempt 1 result", "timeout:START_TO_CLOSE", "ApplicationError"}, "shutdown-reports-failure"},
		{"not without a shutdown", row("saga", ActivityError),
			Diff{"activity Ship#1 attempt 1 result", "timeout:START_TO_CLOSE", "ApplicationError"}, ""},
		{"not for another error", row("saga", WorkerShutdown),
			Diff{"activity Ship#1 attempt 1 result", "timeout:START_TO_CLOSE", "ApplicationError:InjectedFault"}, ""},
		{"older heartbeat details", row("parallel-activities", WorkerShutdown),
			Diff{"activity Process#4 attempt 2 heartbeat", "3", "2"}, "heartbeat-throttling"},
		{"no heartbeat details reached the server", row("parallel-activities", WorkerShutdown),
			Diff{"activity Process#4 attempt 2 heartbeat", "1", ""}, "heartbeat-throttling"},
		{"newer heartbeat details are not throttling", row("parallel-activities", WorkerShutdown),
			Diff{"activity Process#4 attempt 2 heartbeat", "2", "3"}, ""},
		{"cleanup during a cancelled activity", row("cancellation", Cancellation),
			Diff{"cancel overlaps", "Cleanup scheduled while LongWork ran", ""}, "wait-for-cancellation"},
		{"the server overlapping is not the engine's limit", row("cancellation", Cancellation),
			Diff{"cancel overlaps", "", "Cleanup scheduled while LongWork ran"}, ""},
		{"an injected local activity attempt", row("local-activity", ActivityError),
			Diff{"calls ExecuteActivity:Normalize", "1", "2"}, "fault-outside-interceptors"},
		{"fewer attempts are not injection", row("local-activity", ActivityError),
			Diff{"calls ExecuteActivity:Normalize", "2", "1"}, ""},
		{"polls", row("polling-infrequent", NoFaults), Diff{"calls ExecuteActivity:CheckReady", "11", "9"}, "polls-after-latency"},
		{"polls elsewhere", row("saga", NoFaults), Diff{"calls ExecuteActivity:CheckReady", "11", "9"}, ""},
		{"an outcome is never explained", row("saga", WorkerShutdown), Diff{"outcome", "completed", "failed"}, ""},
	}
	for _, tt := range tests {
		got := ""
		if k := explain(tt.row, tt.diff); k != nil {
			got = k.ID
		}
		if got != tt.want {
			t.Errorf("%s: explained by %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTimingLimitsNameRealProperties(t *testing.T) {
	for name, rows := range baselineRows(t) {
		var props []string
		sc := rows[0].Scenario
		for _, p := range sc.Properties {
			props = append(props, p.Name)
		}
		base, err := (&Runner{}).Baseline(t, sc)
		if err != nil {
			t.Fatal(err)
		}
		if ps, ok := base.World.Get(casePropsKey{}).([]sim.Property); ok {
			for _, p := range ps {
				props = append(props, p.Name)
			}
		}
		for _, l := range TimingLimits {
			if l.Scenario != name {
				continue
			}
			found := false
			for _, p := range props {
				found = found || p == l.Property
			}
			if !found {
				t.Errorf("timing limit %s/%s: %s has no such property (%v)", l.Scenario, l.Property, name, props)
			}
		}
	}
}
