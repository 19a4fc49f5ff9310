package harness_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

func TestPlanFileRoundTrip(t *testing.T) {
	pf := harness.PlanFile{
		Scenario: "saga/bug-skip-compensation",
		Seed:     18446744073709551615,
		Plan:     mustParsePlan("f1 activity-error target=Charge value=\"card declined\" nonretryable\nf2 worker-shutdown at=1m30s dur=10s"),
		Notes:    []string{"violated: compensations-complete: Refund never ran", "two\nlines"},
	}
	path := filepath.Join(t.TempDir(), "deep", "dir", "x.plan")
	if err := harness.WritePlanFile(path, pf); err != nil {
		t.Fatal(err)
	}
	got, err := harness.ReadPlanFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pf.Notes = []string{pf.Notes[0], "two", "lines"}
	if !reflect.DeepEqual(got, pf) {
		t.Errorf("read back\n%+v\nwant\n%+v", got, pf)
	}
	// The file is a plan simrun run -plan reads as it is.
	data, _ := os.ReadFile(path)
	if p, err := sim.ParsePlan(string(data)); err != nil || p.String() != pf.Plan.String() {
		t.Errorf("sim.ParsePlan of the file: %v, %v", p, err)
	}
	// Nothing but the plan is left in the directory (no temporary file).
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("directory holds %d entries, want just the plan", len(entries))
	}
}

func TestPlanFileErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"no seed", "# scenario: shop\nf1 workflow-cancel\n", `want "# scenario: NAME" and "# seed: N" lines`},
		{"no scenario", "# seed: 3\nf1 workflow-cancel\n", `want "# scenario: NAME"`},
		{"seed not a number", "# scenario: shop\n# seed: x1\n", `seed "x1": not a seed`},
		{"bad fault line", "# scenario: shop\n# seed: 1\nf1 workflow-cancel\nf2 latency target=A dur=soon\n", "plan line 4: f2: dur=soon: not a duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.plan")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := harness.ReadPlanFile(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("ReadPlanFile: %v; want an error naming the file and containing %q", err, tt.want)
			}
		})
	}
}

// TestSavedPlansReplayedFirst: a failure is saved, and the next Check
// replays it before searching; a saved plan that passes, or belongs to
// another scenario, is passed over.
func TestSavedPlansReplayedFirst(t *testing.T) {
	t.Chdir(t.TempDir())
	sc := shopScenario("shop", harness.Outcomes(sim.Completed))
	first, err := harness.Find(t, sc, harness.SearchSeed(1))
	if err != nil || first == nil {
		t.Fatalf("Find: %v, %v; want a failure", first, err)
	}
	want := filepath.Join("testdata", "temporalsim", "TestSavedPlansReplayedFirst", "shop-"+strconv.FormatUint(uint64(first.Seed), 10)+".plan")
	if first.PlanFile != want {
		t.Fatalf("saved in %q, want %q", first.PlanFile, want)
	}
	dir := filepath.Dir(want)
	write := func(name, scenario string, plan string) {
		err := harness.WritePlanFile(filepath.Join(dir, name), harness.PlanFile{Scenario: scenario, Seed: 5, Plan: mustParsePlan(plan)})
		if err != nil {
			t.Fatal(err)
		}
	}
	write("a-passes.plan", "shop", "f1 latency target=Charge dur=1s")              // sorts first, passes
	write("b-other.plan", "other", "f1 activity-error target=Charge nonretryable") // not this scenario

	again, err := harness.Find(t, sc, harness.SearchSeed(99))
	if err != nil || again == nil {
		t.Fatalf("second Find: %v, %v", again, err)
	}
	if again.Source != harness.SourceSaved || again.PlanFile != want || again.Plans != 2 {
		t.Errorf("second Find: source %s, file %s, %d plans; want the saved plan %s, replayed second", again.Source, again.PlanFile, again.Plans, want)
	}
	if again.Result.TraceSHA256() != first.Result.TraceSHA256() {
		t.Errorf("the replay's trace differs from the original failure's")
	}
	if !strings.Contains(again.Report(), "# replays the saved plan") {
		t.Errorf("report of a saved plan does not say how to replay it:\n%s", again.Report())
	}
}

func TestSavingOff(t *testing.T) {
	t.Chdir(t.TempDir())
	f, err := harness.Find(t, shopScenario("shop", harness.Outcomes(sim.Completed)), harness.PlanDir(""), harness.SearchSeed(1))
	if err != nil || f == nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	// Neither a plan file nor rapid's fail file is left behind.
	if _, err := os.Stat("testdata"); f.PlanFile != "" || !os.IsNotExist(err) {
		t.Errorf("PlanDir(\"\") left files: plan file %q, testdata: %v", f.PlanFile, err)
	}
}
