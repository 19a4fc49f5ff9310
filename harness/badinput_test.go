package harness_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// TestFindBadInput: a scenario that cannot run gives an error that says
// what to fix, never a property failure, a hang or a crash.
func TestFindBadInput(t *testing.T) {
	withSetup := func(setup func(w *sim.World) sim.Case) *sim.Scenario {
		sc := shopScenario("shop")
		sc.Setup = setup
		return sc
	}
	tests := []struct {
		name string
		sc   *sim.Scenario
		env  map[string]string
		want string
	}{
		{"nil scenario", nil, nil, "the scenario has no Setup"},
		{"no Setup", withSetup(nil), nil, "the scenario has no Setup"},
		{"Setup registers nothing", withSetup(func(w *sim.World) sim.Case {
			return sim.Case{Workflow: shopWorkflow, Args: []any{1}}
		}), nil, "scenario shop: no activity is registered for taskqueue 'temporalsim'"},
		{"Setup registers the wrong activities", withSetup(func(w *sim.World) sim.Case {
			w.RegisterActivity(func(ctx context.Context) error { return nil })
			return sim.Case{Workflow: shopWorkflow, Args: []any{1}}
		}), nil, "unable to find activityType=Reserve"},
		{"workflow without a context", withSetup(func(w *sim.World) sim.Case {
			return sim.Case{Workflow: func(n int) error { return nil }, Args: []any{1}}
		}), nil, "scenario shop: the workflow Setup returned, a func(int) error, must take a workflow.Context as its first parameter"},
		{"Setup panics", withSetup(func(w *sim.World) sim.Case {
			w.RegisterWorkflow(shopWorkflow)
			w.RegisterWorkflow(shopWorkflow)
			return sim.Case{Workflow: shopWorkflow}
		}), nil, "scenario shop: Setup panicked: workflow name \"shopWorkflow\" is already registered"},
		{"no workflow", withSetup(func(w *sim.World) sim.Case { return sim.Case{} }), nil, "Setup returned no workflow"},
		{"seed not a number", shopScenario("shop"), map[string]string{"SIM_SEED": "abc"}, `SIM_SEED="abc": not a seed`},
		{"checks not a number", shopScenario("shop"), map[string]string{"SIM_CHECKS": "many"}, `SIM_CHECKS="many"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			f, err := harness.Find(t, tt.sc, harness.PlanDir(""), harness.Checks(3))
			if f != nil || err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Find: failure %v, error %v; want an error containing %q", f, err, tt.want)
			}
		})
	}
}

// TestPropertyPanics: sim turns a panicking property into a violation;
// the report names the property.
func TestPropertyPanics(t *testing.T) {
	boom := harness.Property("boom", func(r *sim.Result) error {
		panic(fmt.Sprintf("index %d out of range", len(r.Activities))) // the property's own bug
	})
	f, err := harness.Find(t, shopScenario("shop", boom), harness.PlanDir(""), harness.SearchSeed(1))
	if err != nil || f == nil {
		t.Fatalf("Find: %v, %v; want a failure", f, err)
	}
	v := f.Result.Violations[0]
	if v.Property != "boom" || !strings.Contains(v.Message, "property panicked: index 4 out of range") {
		t.Errorf("violation %v; want boom panicking", v)
	}
	if len(f.Plan.Faults) != 0 {
		t.Errorf("shrunk to %d faults; the property fails under none", len(f.Plan.Faults))
	}
	if r := f.Report(); !strings.Contains(r, `property "boom" failed`) || !strings.Contains(r, "property panicked: index 4 out of range") {
		t.Errorf("report does not name the property and its panic:\n%s", r)
	}
}

// flakyActs reads a counter shared across runs, so two runs of the same
// seed and plan differ: what CheckDeterminism is for.
type flakyActs struct {
	clk  clock.Clock
	runs *atomic.Int64
}

func (a *flakyActs) Work(ctx context.Context) error {
	<-a.clk.After(time.Duration(a.runs.Add(1)%2+1) * time.Second)
	return nil
}

func flakyWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, "Work").Get(ctx, nil)
}

func flaky() *sim.Scenario {
	runs := new(atomic.Int64)
	return &sim.Scenario{
		Name:    "flaky",
		Profile: sim.Profile{Kinds: []sim.Kind{sim.Latency}, Activities: []string{"Work"}},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(flakyWorkflow)
			w.RegisterActivity(&flakyActs{clk: w.Clock(), runs: runs})
			return sim.Case{Workflow: flakyWorkflow}
		},
		Properties: harness.Safety(),
	}
}

func TestCheckDeterminism(t *testing.T) {
	t.Chdir(t.TempDir())
	if f, err := harness.Find(t, flaky(), harness.Checks(5), harness.SearchSeed(1)); f != nil || err != nil {
		t.Fatalf("without the determinism check: %v, %v; the properties hold", f, err)
	}
	f, err := harness.Find(t, flaky(), harness.Checks(5), harness.SearchSeed(1), harness.CheckDeterminism(true))
	if err != nil || f == nil || f.Divergence == nil {
		t.Fatalf("with the determinism check: %v, %v; want a divergence", f, err)
	}
	r := f.Report()
	for _, want := range []string{"scenario flaky is not deterministic", "run 1:", "run 2:", "act.end", "reproduce:"} {
		if !strings.Contains(r, want) {
			t.Errorf("report lacks %q:\n%s", want, r)
		}
	}
	if f.PlanFile == "" {
		t.Errorf("the diverging plan was not saved")
	}
}
