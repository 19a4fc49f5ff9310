package harness_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// setFlags sets flags of runflags.go for one test; they are cleared
// after it.
func setFlags(t *testing.T, kv map[string]string) {
	t.Helper()
	t.Cleanup(harness.ResetRunFlags)
	for name, v := range kv {
		if err := flag.Set(name, v); err != nil {
			t.Fatalf("-%s=%s: %v", name, v, err)
		}
	}
}

func writeFile(t *testing.T, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPlanFlag runs the plan -sim.plan names: as it ran, then shrunk,
// and reports the go test line that reruns each.
func TestPlanFlag(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFile(t, "deposit.plan", sim.PlanHeader+"\n# scenario: transfer\n# seed: 7\nf1 activity-error target=Deposit\nf2 latency target=Withdraw dur=3s\n")
	setFlags(t, map[string]string{"sim.plan": "deposit.plan"})
	f, err := harness.Find(t, transfer, harness.PlanDir("saved"))
	if err != nil || f == nil || f.Source != harness.SourcePlan || len(f.Plan.Faults) != 2 || f.PlanFile != "deposit.plan" {
		t.Fatalf("%v, %v; want the plan file's failure as it ran", f, err)
	}
	if got := f.Commands()[0]; !strings.HasSuffix(got, "-run '^TestPlanFlag$' -sim.seed=7 -sim.plan=deposit.plan") {
		t.Errorf("first command %q", got)
	}

	setFlags(t, map[string]string{"sim.shrink": "true"})
	f, err = harness.Find(t, transfer, harness.PlanDir("saved"))
	if err != nil || f == nil || len(f.Plan.Faults) != 1 || !strings.HasPrefix(f.PlanFile, "saved/") {
		t.Fatalf("%v, %v; want the failure shrunk to one fault and saved", f, err)
	}
	if got := f.Commands()[0]; !strings.Contains(got, "-sim.seed=7 -sim.plan=saved/") {
		t.Errorf("first command %q; want the shrunk plan's", got)
	}

	f, err = harness.Find(t, transfer, harness.PlanDir("")) // shrunk, not saved
	if err != nil || f == nil || f.PlanFile != "" {
		t.Fatalf("%v, %v; want the failure shrunk and not saved", f, err)
	}
	if got := f.Commands()[0]; !strings.HasSuffix(got, "-sim.seed=7 -sim.plan=deposit.plan -sim.shrink") {
		t.Errorf("first command %q; want the plan file given, shrunk again", got)
	}
}

// TestRunFlagsBadInput checks each misuse of the flags ends in an error
// that names it.
func TestRunFlagsBadInput(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFile(t, "plain.plan", sim.PlanHeader+"\nf1 activity-error target=Deposit\n")
	writeFile(t, "bad.plan", sim.PlanHeader+"\nf1 explode target=Deposit\n")
	for _, tt := range []struct {
		name  string
		flags map[string]string
		want  string
	}{
		{"plan and swarm", map[string]string{"sim.plan": "plain.plan", "sim.swarm": "5"}, "-sim.plan and -sim.swarm both given"},
		{"plan without seed", map[string]string{"sim.plan": "plain.plan"}, `-sim.plan plain.plan has no "# seed: N" line: give the seed with -sim.seed`},
		{"plan missing", map[string]string{"sim.plan": "nope.plan"}, "-sim.plan: open nope.plan: no such file"},
		{"plan does not parse", map[string]string{"sim.plan": "bad.plan"}, `-sim.plan bad.plan: plan line 2: unknown fault kind "explode"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setFlags(t, tt.flags)
			f, err := harness.Find(t, transfer, harness.PlanDir(""))
			if f != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v, %v; want an error containing %q", f, err, tt.want)
			}
		})
	}
}
