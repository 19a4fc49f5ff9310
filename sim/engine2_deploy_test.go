package sim_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// stepOptions are the order workflows' activity options.
func stepOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute})
}

// orderV1 runs two one-minute steps and returns "v1".
func orderV1(ctx workflow.Context) (string, error) {
	ctx = stepOptions(ctx)
	for _, s := range []string{"a", "b"} {
		if err := workflow.ExecuteActivity(ctx, "Step", s).Get(ctx, nil); err != nil {
			return "", err
		}
	}
	return "v1", nil
}

// orderV2 pauses a second before the steps and returns "v2": a running
// workflow's history has no timer there, so the change is incompatible.
func orderV2(ctx workflow.Context) (string, error) {
	if err := workflow.Sleep(ctx, time.Second); err != nil {
		return "", err
	}
	if _, err := orderV1(ctx); err != nil {
		return "", err
	}
	return "v2", nil
}

// orderV2Guarded is orderV2 behind workflow.GetVersion: runs that started
// on v1 replay without the pause.
func orderV2Guarded(ctx workflow.Context) (string, error) {
	if workflow.GetVersion(ctx, "pause-first", workflow.DefaultVersion, 1) == 1 {
		if err := workflow.Sleep(ctx, time.Second); err != nil {
			return "", err
		}
	}
	if _, err := orderV1(ctx); err != nil {
		return "", err
	}
	return "v2", nil
}

func step(ctx context.Context, name string) (string, error) {
	select {
	case <-time.After(time.Minute):
		return name, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// orderScenario runs orderV1; deploy, when set, is its Deploy.
func orderScenario(deploy func(w *sim.World)) *sim.Scenario {
	return &sim.Scenario{Name: "order", Profile: sim.Profile{Kinds: []sim.Kind{sim.Deploy}},
		Properties: []sim.Property{harness.Nondeterminism()},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflowWithOptions(orderV1, workflow.RegisterOptions{Name: "Order"})
			w.RegisterActivityWithOptions(step, activity.RegisterOptions{Name: "Step"})
			return sim.Case{Workflow: "Order"}
		},
		Deploy: deploy,
	}
}

func deployAs(v any) func(w *sim.World) {
	return func(w *sim.World) { w.RegisterWorkflowWithOptions(v, workflow.RegisterOptions{Name: "Order"}) }
}

func deployAt(at time.Duration) sim.Plan {
	return sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.Deploy, At: at}}}
}

// TestDeployIncompatibleChange: deployed 30s into the first step, a new
// version that adds a timer before the steps fails the new worker's
// replay of the running workflow; the run stops at once with the
// nondeterminism property naming the kind and the event, the same bytes
// every time.
func TestDeployIncompatibleChange(t *testing.T) {
	sc := orderScenario(deployAs(orderV2))
	var sha string
	for i := 0; i < 2; i++ {
		r, err := sim.RunOnServer(t, sc, 1, deployAt(30*time.Second), sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		msg := inRunViolation(t, r, "order", "Order", 30*time.Second)
		f, _ := r.TaskNondeterminism()
		if f.Kind != "command-mismatch" || f.EventID != 5 {
			t.Errorf("failure %s at event %d; want command-mismatch at event 5 (the first step's ActivityTaskScheduled)", f.Kind, f.EventID)
		}
		if i == 0 {
			sha = r.TraceSHA256()
			t.Logf("%s", msg)
		} else if r.TraceSHA256() != sha {
			t.Fatalf("traces differ at the second run")
		}
	}
}

// TestDeployGuardedChange: the same change behind workflow.GetVersion
// passes: the running workflow replays on the new worker, runs the new
// code to its end (it returns "v2") and the replay oracle, which replays
// with the new version, finds nothing.
func TestDeployGuardedChange(t *testing.T) {
	sc := orderScenario(deployAs(orderV2Guarded))
	r, err := sim.RunOnServer(t, sc, 1, deployAt(30*time.Second), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed() || r.Outcome != sim.Completed || r.Output != `"v2"` {
		t.Fatalf("outcome %s output %s violations %v; want completed on the new version, no violation", r.Outcome, r.Output, r.Violations)
	}
	n, failures, err := r.ReplayHistories()
	if err != nil || n != 1 || len(failures) != 0 {
		t.Fatalf("oracle: %d replayed, %v, %v", n, failures, err)
	}
	var stop string
	for _, e := range r.Events {
		if e.Kind == "worker.stop" {
			stop = e.Detail
		}
	}
	if !strings.Contains(stop, "deploy") || len(r.Fired) != 1 {
		t.Errorf("worker.stop %q, fired %v; want the deploy to stop worker 1", stop, r.Fired)
	}
}

// TestDeployAfterTheEnd: a deploy planned after the workflow closed does
// not fire, and the replay oracle replays with the code that ran (an
// incompatible new version would otherwise be a false alarm).
func TestDeployAfterTheEnd(t *testing.T) {
	sc := orderScenario(deployAs(orderV2))
	r, err := sim.RunOnServer(t, sc, 1, deployAt(time.Hour), sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed() || r.Output != `"v1"` || len(r.Fired) != 0 {
		t.Fatalf("output %s fired %v violations %v; want v1 to finish alone", r.Output, r.Fired, r.Violations)
	}
}

// TestDeployMistakes: a Deploy that cannot be what the scenario means is
// reported before the run, in one line; so is a deploy fault for a
// scenario without Deploy, and engine 1 refuses the kind.
func TestDeployMistakes(t *testing.T) {
	for _, c := range []struct {
		name   string
		deploy func(w *sim.World)
		want   string
	}{
		{"nothing", func(*sim.World) {}, "the scenario's Deploy registers nothing"},
		{"new name only", func(w *sim.World) {
			w.RegisterWorkflowWithOptions(orderV2, workflow.RegisterOptions{Name: "Ordr"})
		}, "the scenario's Deploy overrides no workflow or activity Setup registered (it registers Ordr; Setup registers Order, Step)"},
		{"converter", func(w *sim.World) {
			deployAs(orderV2)(w)
			w.SetDataConverter(converter.GetDefaultDataConverter())
		}, "the scenario's Deploy sets the data converter"},
		{"bad workflow", func(w *sim.World) {
			w.RegisterWorkflowWithOptions(42, workflow.RegisterOptions{Name: "Order"})
		}, "the scenario's Deploy: the SDK refuses a workflow registration"},
	} {
		_, err := sim.RunOnServer(t, orderScenario(c.deploy), 1, deployAt(30*time.Second), sim.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v; want one line with %q", c.name, err, c.want)
		}
	}
	_, err := sim.RunOnServer(t, orderScenario(nil), 1, deployAt(30*time.Second), sim.Options{})
	if err == nil || !strings.Contains(err.Error(), "fault f1: deploy needs the scenario's Deploy") {
		t.Errorf("no Deploy: %v", err)
	}
	_, err = sim.Run(t, orderScenario(deployAs(orderV2)), 1, deployAt(30*time.Second), nil)
	if !errors.Is(err, sim.ErrEngineLacksKind) || !strings.Contains(err.Error(), "engine 1 (the SDK test environment) never replays a workflow, so it cannot carry out this fault kind") || !strings.HasSuffix(err.Error(), ": deploy") {
		t.Errorf("engine 1: %v; want ErrEngineLacksKind naming deploy", err)
	}
	if k, ok := sim.EngineTestEnv.Refuses(deployAt(time.Second)); !ok || k != sim.Deploy {
		t.Errorf("Engine.Refuses on engine 1: %q, %v", k, ok)
	}
	p, err := sim.ParsePlan("f1 deploy at=5m\n")
	if err != nil || len(p.Faults) != 1 || p.Faults[0].Kind != sim.Deploy || p.Faults[0].At != 5*time.Minute || !strings.Contains(p.String(), "f1 deploy at=5m0s") {
		t.Errorf("ParsePlan: %v, %v", p, err)
	}
	if _, err := sim.ParsePlan("f1 deploy at=5m dur=1s\n"); err == nil || !strings.Contains(err.Error(), "does not take dur") {
		t.Errorf("deploy with dur: %v", err)
	}
}

// TestDeployRepeats: runs with a deploy give the same trace and histories
// for the same seed, at GOMAXPROCS 8: saga/bug-order-change (stopped by
// its nondeterministic task or, when the deploy lands in its last task,
// caught by the oracle) with a deploy at the middle of its run, seeds 1 to
// 8, and the guarded order workflow, which runs on to its end.
func TestDeployRepeats(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	saga, err := scenarios.Lookup("saga/bug-order-change")
	if err != nil {
		t.Fatal(err)
	}
	twice := func(sc *sim.Scenario, seed sim.Seed, plan sim.Plan) {
		a, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := sim.RunOnServer(t, sc, seed, plan, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if a.TraceSHA256() != b.TraceSHA256() || historySHA(t, a) != historySHA(t, b) || fmt.Sprint(a.Violations) != fmt.Sprint(b.Violations) {
			t.Fatalf("%s seed %d, %v: traces, histories or violations differ (trace event %d)", sc.Name, seed, plan.Faults, sim.FirstDifference(a.Events, b.Events))
		}
	}
	for seed := sim.Seed(1); seed <= 8; seed++ {
		ref, err := sim.Run(t, saga, seed, sim.Plan{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		twice(saga, seed, deployAt((ref.Elapsed / 2).Truncate(time.Millisecond)))
	}
	twice(orderScenario(deployAs(orderV2Guarded)), 1, deployAt(30*time.Second))
}
