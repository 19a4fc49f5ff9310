package sim

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// flakyScenario runs one activity that fails fails times, then succeeds,
// with the checks given.
func flakyScenario(fails int, props ...Property) *Scenario {
	return &Scenario{
		Name:       "e2-flaky",
		Properties: props,
		Setup: func(w *World) Case {
			calls := 0
			act := func(ctx context.Context) (string, error) {
				if calls++; calls <= fails {
					return "", temporal.NewApplicationError("not yet", "Flaky")
				}
				return "done", nil
			}
			wf := func(ctx workflow.Context) (string, error) {
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
					RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5}})
				var out string
				err := workflow.ExecuteActivity(ctx, "flaky").Get(ctx, &out)
				return out, err
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "flakyWF"})
			w.RegisterActivityWithOptions(act, activityOpts("flaky"))
			return Case{Workflow: "flakyWF"}
		},
	}
}

func TestEngine2RefusesKindsItLacks(t *testing.T) {
	lackKind(t, WorkerCrash)
	for _, k := range Kinds() {
		if engine2Kinds[k] {
			continue
		}
		plan := Plan{Faults: []Fault{{ID: 1, Kind: k}}}
		_, err := runOnServer(t, flakyScenario(0), 1, plan, Options{})
		require.ErrorIs(t, err, errEngine2Kind)
		require.Contains(t, err.Error(), "engine 2 does not run this fault kind yet: "+string(k))
	}
}

// TestEngine2RecordsAttempts: the records hold every attempt the worker
// ran, with the server's retry policy, and a failing property is reported.
func TestEngine2RecordsAttempts(t *testing.T) {
	broken := Property{Name: "always-broken", Check: func(*Result) error { return errors.New("broken on purpose") }}
	r, err := runOnServer(t, flakyScenario(2, broken), 1, Plan{}, Options{})
	require.NoError(t, err)
	require.Equal(t, Completed, r.Outcome, dump(r))
	require.Equal(t, `"done"`, r.Output)
	require.Len(t, r.Activities, 1)
	a := r.Activities[0]
	require.Equal(t, "e2-flaky/a0001", a.Key)
	require.Equal(t, 5, a.Policy.MaximumAttempts)
	require.Equal(t, 100*time.Second, a.Policy.MaximumInterval)
	require.Len(t, a.Attempts, 3)
	results := fmt.Sprint(a.Attempts[0].Result, " ", a.Attempts[1].Result, " ", a.Attempts[2].Result)
	require.Equal(t, "ApplicationError:Flaky ApplicationError:Flaky ok", results)
	require.True(t, a.Attempts[0].Retryable)
	require.GreaterOrEqual(t, a.Attempts[1].Start-a.Attempts[0].End, time.Second)
	require.GreaterOrEqual(t, a.Attempts[2].Start-a.Attempts[1].End, 2*time.Second)
	require.Equal(t, []Violation{{Property: "always-broken", Message: "broken on purpose"}}, r.Violations)
	require.Len(t, Histories(r), 1)
	kinds := map[string]int{}
	for _, e := range r.Events {
		kinds[e.Kind]++
	}
	require.Equal(t, map[string]int{"run.start": 1, "wf.start": 1, "act.schedule": 1, "act.start": 3, "act.end": 3, "act.backoff": 2, "wf.end": 1}, kinds)
}

// oneWorkflow is a scenario that runs wf, registered as "wf".
func oneWorkflow(name string, budget time.Duration, wf any) *Scenario {
	return &Scenario{Name: name, Budget: budget, Setup: func(w *World) Case {
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "wf"})
		return Case{Workflow: "wf", Args: []any{3}}
	}}
}

func TestEngine2Outcomes(t *testing.T) {
	failing := func(ctx workflow.Context, n int) error {
		return temporal.NewApplicationError("no", "Boom")
	}
	r, err := runOnServer(t, oneWorkflow("e2-fail", 0, failing), 1, Plan{}, Options{})
	require.NoError(t, err)
	require.Equal(t, Failed, r.Outcome)
	require.Equal(t, "ApplicationError:Boom", r.ErrType)
	require.Equal(t, "ApplicationError:Boom", r.Events[len(r.Events)-1].Result)

	again := func(ctx workflow.Context, n int) error {
		if err := workflow.Sleep(ctx, time.Hour); err != nil {
			return err
		}
		return workflow.NewContinueAsNewError(ctx, "wf", n+1)
	}
	r, err = runOnServer(t, oneWorkflow("e2-can", 0, again), 1, Plan{}, Options{})
	require.NoError(t, err)
	require.Equal(t, ContinuedAsNew, r.Outcome)
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, r.Err, &can)
	var next int
	require.NoError(t, r.World.DataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, 4, next)
	require.Len(t, Histories(r), 2, "the next run is kept, terminated")

	sleeper := func(ctx workflow.Context, n int) error { return workflow.Sleep(ctx, 48*time.Hour) }
	r, err = runOnServer(t, oneWorkflow("e2-stuck", 24*time.Hour, sleeper), 1, Plan{}, Options{})
	require.NoError(t, err)
	require.Equal(t, Stuck, r.Outcome)
	require.Equal(t, 24*time.Hour, r.Elapsed)
	require.Equal(t, "run.stuck", r.Events[len(r.Events)-1].Kind)
}

// TestEngine2LocalActivities: local calls and attempts reach the trace,
// each call before its attempts and after the previous call's, though
// the second call is made at the instant the first one's last attempt
// ends.
func TestEngine2LocalActivities(t *testing.T) {
	sc := &Scenario{Name: "e2-local", Setup: func(w *World) Case {
		calls := 0
		act := func(ctx context.Context) error {
			if calls++; calls == 1 {
				return errors.New("first try fails")
			}
			return nil
		}
		wf := func(ctx workflow.Context) error {
			ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Minute})
			if err := workflow.ExecuteLocalActivity(ctx, "step").Get(ctx, nil); err != nil {
				return err
			}
			return workflow.ExecuteLocalActivity(ctx, "step").Get(ctx, nil)
		}
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "wf"})
		w.RegisterActivityWithOptions(act, activityOpts("step"))
		return Case{Workflow: "wf"}
	}}
	r, err := runOnServer(t, sc, 1, Plan{}, Options{})
	require.NoError(t, err)
	require.Equal(t, Completed, r.Outcome, dump(r))
	var got []string
	for _, e := range r.Events {
		if e.Kind == "la.schedule" || e.Kind == "la.end" {
			got = append(got, fmt.Sprintf("%s %s %d %s", e.Kind, e.Name, e.Attempt, e.Result))
		}
	}
	require.Equal(t, []string{"la.schedule step 0 ", "la.end step 1 ApplicationError", "la.end step 2 ok",
		"la.schedule step 0 ", "la.end step 1 ok"}, got)
}

// lackKind takes k out of engine2Kinds for the test, so that the refusal
// path is tested while engine 2 carries out every kind.
func lackKind(t *testing.T, k Kind) {
	on := engine2Kinds[k]
	delete(engine2Kinds, k)
	t.Cleanup(func() { engine2Kinds[k] = on })
}

func activityOpts(name string) activity.RegisterOptions { return activity.RegisterOptions{Name: name} }

// TestEngine2ReportsHangs: a run busy outside virtual time is reported
// with the goroutine stacks, as on engine 1.
func TestEngine2ReportsHangs(t *testing.T) {
	release := make(chan struct{})
	hung := make(chan string, 1)
	sc := &Scenario{Name: "e2-hang", Setup: func(w *World) Case {
		<-release // blocks on a channel from outside the bubble: not durably blocked
		return Case{}
	}}
	o := Options{WallBudget: 50 * time.Millisecond, OnHang: func(stacks string) {
		hung <- stacks
		close(release)
	}}
	_, err := runOnServer(t, sc, 1, Plan{}, o)
	require.ErrorContains(t, err, "Setup returned no workflow")
	require.Contains(t, <-hung, "TestEngine2ReportsHangs")
}

// TestEngine2RefusesUnknownWorkflow: a workflow name nobody registered is
// refused before the run, not retried until the budget ends.
func TestEngine2RefusesUnknownWorkflow(t *testing.T) {
	sc := oneWorkflow("e2-unknown", 0, func(ctx workflow.Context, n int) error { return nil })
	setup := sc.Setup
	sc.Setup = func(w *World) Case {
		c := setup(w)
		c.Workflow = "nobody"
		return c
	}
	_, err := runOnServer(t, sc, 1, Plan{}, Options{})
	require.ErrorContains(t, err, `workflow type "nobody" is not registered by name`)
}

// TestEngine2RecordsServerTimeouts: an attempt the server timed out on
// heartbeats is recorded with the server's verdict and time, though the
// worker's attempt ran on.
func TestEngine2RecordsServerTimeouts(t *testing.T) {
	sc := &Scenario{Name: "e2-timeout", Setup: func(w *World) Case {
		act := func(ctx context.Context) error {
			if activity.GetInfo(ctx).Attempt == 1 {
				time.Sleep(12 * time.Second) // no heartbeat
			}
			return nil
		}
		wf := func(ctx workflow.Context) error {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, HeartbeatTimeout: 5 * time.Second})
			return workflow.ExecuteActivity(ctx, "slow").Get(ctx, nil)
		}
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "wf"})
		w.RegisterActivityWithOptions(act, activityOpts("slow"))
		return Case{Workflow: "wf"}
	}}
	r, err := runOnServer(t, sc, 1, Plan{}, Options{})
	require.NoError(t, err)
	require.Equal(t, Completed, r.Outcome, dump(r))
	require.Len(t, r.Activities, 1)
	atts := r.Activities[0].Attempts
	require.Len(t, atts, 2)
	require.Equal(t, "timeout:HEARTBEAT", atts[0].Result)
	require.True(t, atts[0].Retryable)
	require.Equal(t, 5*time.Second, atts[0].End-atts[0].Start)
	require.Equal(t, "ok", atts[1].Result)
}

// TestRunChoosesEngine: Options.Engine sends the run to engine 2, and an
// unknown engine is refused by name.
func TestRunChoosesEngine(t *testing.T) {
	r, err := Run(t, flakyScenario(0), 1, Plan{}, &Options{Engine: EngineServer})
	require.NoError(t, err)
	require.NotEmpty(t, r.histories, "engine 2 keeps histories; engine 1 has none")
	r, err = Run(t, flakyScenario(0), 1, Plan{}, &Options{Engine: EngineTestEnv})
	require.NoError(t, err)
	require.Empty(t, r.histories)
	_, err = Run(t, flakyScenario(0), 1, Plan{}, &Options{Engine: "cassandra"})
	require.ErrorContains(t, err, `unknown engine "cassandra" (known: testenv, server)`)
	e, err := ParseEngine("")
	require.NoError(t, err)
	require.Equal(t, EngineTestEnv, e)
}

// TestReportedAs: an attempt the server's cancel request cancelled is
// recorded canceled, as the worker reports it; other cancellations (a
// worker stop) and other errors are kept.
func TestReportedAs(t *testing.T) {
	byServer, cancel := context.WithCancelCause(context.Background())
	cancel(temporal.NewCanceledError())
	require.True(t, temporal.IsCanceledError(reportedAs(byServer, context.Canceled)))
	require.True(t, temporal.IsCanceledError(reportedAs(byServer, fmt.Errorf("stopped: %w", context.Canceled))))
	boom := errors.New("boom")
	require.Equal(t, boom, reportedAs(byServer, boom))
	byStop, stop := context.WithCancelCause(context.Background())
	stop(errors.New("worker stopping"))
	require.Equal(t, context.Canceled, reportedAs(byStop, context.Canceled))
	require.NoError(t, reportedAs(byServer, nil))
}
