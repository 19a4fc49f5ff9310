package conformance

import (
	"slices"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// baselineRows builds every catalogue scenario's rows from its fault-free
// engine run.
func baselineRows(t *testing.T) map[string][]Row {
	rn := &Runner{}
	out := map[string][]Row{}
	for _, sc := range scenarios.Correct() {
		rows, base, err := rn.Rows(t, sc)
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if got := base.World.Origin().Format("20060102"); got != engineDate {
			t.Fatalf("%s: the engine's time starts on %s; engineDate says %s", sc.Name, got, engineDate)
		}
		out[sc.Name] = rows
	}
	return out
}

func TestRowsFitTheirScenarios(t *testing.T) {
	for name, rows := range baselineRows(t) {
		if len(rows) != len(PlanKinds()) {
			t.Errorf("%s: %d rows, want one per plan kind (%d)", name, len(rows), len(PlanKinds()))
		}
		for i, r := range rows {
			if r.Kind != PlanKinds()[i] {
				t.Errorf("%s: row %d is %s, want %s", name, i, r.Kind, PlanKinds()[i])
			}
			if r.NotApplicable != "" {
				if len(r.Plan.Faults) > 0 {
					t.Errorf("%s: not applicable (%s) but has a plan", r.Name(), r.NotApplicable)
				}
				continue
			}
			if err := r.Scenario.Profile.Check(r.Plan); err != nil {
				t.Errorf("%s: plan does not fit the profile: %v", r.Name(), err)
			}
			orig, err := scenarios.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			if outside := orig.Profile.Check(r.Plan) != nil; outside != r.OutsideProfile {
				t.Errorf("%s: OutsideProfile %v, but the scenario's own profile says %v", r.Name(), r.OutsideProfile, orig.Profile.Check(r.Plan))
			}
			if r.OutsideProfile && !slices.Contains(RequiredKinds(), r.Kind) {
				t.Errorf("%s: only required kinds run outside the profile", r.Name())
			}
			if r.Scale < 1 || r.Why == "" {
				t.Errorf("%s: scale %v, why %q", r.Name(), r.Scale, r.Why)
			}
			if (r.Kind == NoFaults) != (len(r.Plan.Faults) == 0) {
				t.Errorf("%s: %d faults", r.Name(), len(r.Plan.Faults))
			}
		}
	}
}

// TestRowsRepeat proves the plans depend on nothing but the scenario and
// its seeded engine run.
func TestRowsRepeat(t *testing.T) {
	a, b := baselineRows(t), baselineRows(t)
	for name, rows := range a {
		for i := range rows {
			if x, y := rows[i].Plan.String(), b[name][i].Plan.String(); x != y || rows[i].Scale != b[name][i].Scale {
				t.Errorf("%s: %s and %s (scales %v, %v)", rows[i].Name(), x, y, rows[i].Scale, b[name][i].Scale)
			}
		}
	}
}

func TestRowsPickWhatTheScenarioHas(t *testing.T) {
	rows := baselineRows(t)
	row := func(sc string, k PlanKind) Row {
		i := slices.Index(PlanKinds(), k)
		return rows[sc][i]
	}
	faultsOf := func(r Row) string { return strings.TrimSpace(strings.TrimPrefix(r.Plan.String(), sim.PlanHeader)) }
	tests := []struct {
		name, scenario string
		kind           PlanKind
		want           string // the plan, or "n/a"
	}{
		{"an activity error outside the profile still runs", "cancellation", ActivityError, "f1 activity-error target=LongWork call=1 attempt=1"},
		{"a scenario without heartbeats loses them anyway", "saga", HeartbeatLoss, "f1 heartbeat-loss target=Reserve call=1 attempt=1"},
		{"a local-activity chain loses a local activity's heartbeats", "local-activity", HeartbeatLoss, "f1 heartbeat-loss target=Normalize call=1 attempt=1"},
		{"the cancellation lands in a local activity", "local-activity", Cancellation, "f1 workflow-cancel at=1.5s"},
		{"timers alone: the cancellation lands between activities", "concurrent-timers", Cancellation, "f1 workflow-cancel at=3m30s"},
		{"an entity's faults come with its messages", "entity", WorkerShutdown,
			"f1 signal at=5m0s target=deposit value=100\nf2 update at=10m0s target=reserve value=10\nf3 update at=15m0s target=reserve value=0\nf4 query at=20m0s target=balance\nf5 worker-shutdown at=12m30s"},
		{"local activities get local-activity errors", "local-activity", ActivityError, "f1 local-activity-error target=Normalize call=1 attempt=1"},
		{"the first activity scheduled is the target", "saga", ActivityError, "f1 activity-error target=Reserve call=1 attempt=1"},
		{"the last step fails for good, so the saga compensates", "saga", NonRetryable, "f1 activity-error target=Ship call=1 attempt=1 nonretryable"},
		{"a type every child schedules is hit in every call", "schedule", ActivityError, "f1 activity-error target=GenerateReport attempt=1"},
		{"heartbeats are lost between the first two (every call heartbeats 4 times; the first wins)", "parallel-activities", HeartbeatLoss,
			"f1 heartbeat-loss target=Process call=1 attempt=1 dur=11.25s"},
		{"the cancellation lands between two heartbeats (every 10s)", "cancellation", Cancellation, "f1 workflow-cancel at=2m35s"},
		{"the shutdown lands between heartbeats while all four run", "parallel-activities", WorkerShutdown, "f1 worker-shutdown at=18.75s"},
		{"the first child fails", "child-workflow", ChildFailure, "f1 child-workflow-failure target=PaymentChild call=1"},
		{"messages go to the entity", "entity", SignalsAndUpdates,
			"f1 signal at=5m0s target=deposit value=100\nf2 update at=10m0s target=reserve value=10\nf3 update at=15m0s target=reserve value=0\nf4 query at=20m0s target=balance"},
		{"no messages for a scenario without handlers", "saga", SignalsAndUpdates, "n/a"},
	}
	for _, tt := range tests {
		r := row(tt.scenario, tt.kind)
		got := faultsOf(r)
		if r.NotApplicable != "" {
			got = "n/a"
		}
		if got != tt.want {
			t.Errorf("%s: %s is %q, want %q (%s)", tt.name, r.Name(), got, tt.want, r.Why+r.NotApplicable)
		}
	}
}

func TestTimedFaultsLandWhileActivitiesRun(t *testing.T) {
	for _, rows := range baselineRows(t) {
		for _, r := range rows {
			if (r.Kind != Cancellation && r.Kind != WorkerShutdown) || r.NotApplicable != "" {
				continue
			}
			if !strings.Contains(r.Why, "attempt") && !strings.Contains(r.Why, "no activity running") {
				t.Errorf("%s: %s", r.Name(), r.Why)
			}
			if r.Scale > rows[0].Scale {
				t.Errorf("%s: timed row sped up %v, more than the fault-free row's %v", r.Name(), r.Scale, rows[0].Scale)
			}
		}
	}
}

// TestRequiredKindsRunEverywhere is the floor: every catalogue
// scenario runs a plan of each required kind.
func TestRequiredKindsRunEverywhere(t *testing.T) {
	for name, rows := range baselineRows(t) {
		for _, r := range rows {
			if slices.Contains(RequiredKinds(), r.Kind) && r.NotApplicable != "" {
				t.Errorf("%s/%s is not run: %s", name, r.Kind, r.NotApplicable)
			}
		}
	}
}
