package harness

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// InterceptorWorkout is a scenario that makes every probed interceptor
// method happen, under faults: a heartbeating activity that resumes from
// its details and reads its info, logger, metrics handler and the worker
// stop channel; a local activity; a child workflow that is signalled
// twice (SignalExternalWorkflow and SignalChildWorkflow) and runs an
// activity of its own; a second child cancelled through
// RequestCancelExternalWorkflow; a sleep, a timer and a last activity;
// and, from the fault plan,
// signals, queries, updates (some rejected by the validator), workflow
// cancellation and worker shutdown. Add it to the scenarios given to
// VerifyInterceptors when your own do not reach every part of the stack.
func InterceptorWorkout() *sim.Scenario {
	const window = 5 * time.Minute
	return &sim.Scenario{
		Name:        "interceptor-workout",
		Description: "every interceptor method: activities, heartbeats, local activity, child, signals, queries, updates, timers",
		Profile: sim.Profile{
			Kinds: []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout, sim.HeartbeatLoss,
				sim.LocalActivityError, sim.ChildWorkflowFailure, sim.WorkflowCancel, sim.Signal, sim.Update, sim.Query, sim.WorkerShutdown},
			Activities:      []string{"WorkoutBeat"},
			LocalActivities: []string{"WorkoutLocal"},
			Children:        []string{"WorkoutChild"},
			Signals:         []sim.Message{{Name: "poke", Values: []string{"a", "b"}}},
			Updates:         []sim.Message{{Name: "add", Values: []string{"1", "5", "-1"}}},
			Queries:         []sim.Message{{Name: "count"}},
			Window:          window,
			MaxFaults:       6,
		},
		Properties: Safety(),
		Setup: func(w *sim.World) sim.Case {
			acts := &workoutActivities{clk: w.Clock()}
			w.RegisterWorkflowWithOptions(workoutWorkflow, workflow.RegisterOptions{Name: "WorkoutWorkflow"})
			w.RegisterWorkflowWithOptions(workoutChild, workflow.RegisterOptions{Name: "WorkoutChild"})
			w.RegisterWorkflowWithOptions(workoutChild, workflow.RegisterOptions{Name: "WorkoutCancelChild"})
			w.RegisterActivityWithOptions(acts.Beat, activity.RegisterOptions{Name: "WorkoutBeat"})
			w.RegisterActivityWithOptions(acts.Local, activity.RegisterOptions{Name: "WorkoutLocal"})
			w.SetDecoder("add", func(v string) (any, error) { return strconv.Atoi(v) })
			return sim.Case{Workflow: "WorkoutWorkflow", Properties: []sim.Property{
				Outcomes(sim.Completed, sim.Failed, sim.Canceled),
				Terminates(window, 2*time.Hour),
			}}
		},
	}
}

type workoutActivities struct{ clk clock.Clock }

// Beat works for steps ten-second steps, heartbeating after each and
// resuming from the last heartbeat on a retry.
func (a *workoutActivities) Beat(ctx context.Context, steps int) (string, error) {
	start := 0
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &start); err != nil {
			return "", err
		}
	}
	info := activity.GetInfo(ctx)
	activity.GetLogger(ctx).Debug("beat", "from", start)
	activity.GetMetricsHandler(ctx).Counter("workout_beats").Inc(1)
	stop := activity.GetWorkerStopChannel(ctx)
	for i := start; i < steps; i++ {
		select {
		case <-a.clk.After(10 * time.Second):
		case <-stop:
			stop = nil // keep going: the grace period may be long enough
		case <-ctx.Done():
			return "", ctx.Err()
		}
		activity.RecordHeartbeat(ctx, i+1)
	}
	return fmt.Sprintf("%s:%d", info.ActivityType.Name, steps), nil
}

// Local doubles n.
func (a *workoutActivities) Local(_ context.Context, n int) (int, error) { return 2 * n, nil }

func workoutWorkflow(ctx workflow.Context) (int, error) {
	count := 0
	if err := workflow.SetQueryHandler(ctx, "count", func() (int, error) { return count, nil }); err != nil {
		return 0, err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, "add", func(_ workflow.Context, n int) (int, error) {
		count += n
		return count, nil
	}, workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, n int) error {
		if n < 0 {
			return errors.New("add: negative")
		}
		return nil
	}})
	if err != nil {
		return 0, err
	}
	pokes := workflow.GetSignalChannel(ctx, "poke")
	workflow.Go(ctx, func(gctx workflow.Context) {
		var s string
		for pokes.Receive(gctx, &s) {
			count++
		}
	})

	// Every step runs whatever the ones before did, so that a late step
	// meets what an early failure left behind (an open circuit breaker);
	// the first error is the workflow's.
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second, MaximumAttempts: 5},
	})
	keep(workflow.ExecuteActivity(actx, "WorkoutBeat", 3).Get(ctx, nil))
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	var doubled int
	keep(workflow.ExecuteLocalActivity(lctx, "WorkoutLocal", 21).Get(ctx, &doubled))
	keep(workoutRunChild(ctx))
	keep(workoutCancelChild(ctx))
	keep(workflow.Sleep(ctx, time.Minute))
	keep(workflow.NewTimer(ctx, 30*time.Second).Get(ctx, nil))
	keep(workflow.ExecuteActivity(actx, "WorkoutBeat", 1).Get(ctx, nil))
	return count, first
}

// workoutRunChild starts the child, signals it both ways and waits for it.
func workoutRunChild(ctx workflow.Context) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "interceptor-workout-child"})
	child := workflow.ExecuteChildWorkflow(cctx, "WorkoutChild")
	var exec workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		return err
	}
	// A child that already failed cannot be signalled; its error comes
	// from child.Get below.
	_ = workflow.SignalExternalWorkflow(ctx, exec.ID, "", "poke", "external").Get(ctx, nil)
	_ = child.SignalChildWorkflow(ctx, "poke", "child").Get(ctx, nil)
	return child.Get(ctx, nil)
}

// workoutCancelChild starts a second child (the same workflow under
// another type name) and cancels it with RequestCancelExternalWorkflow.
func workoutCancelChild(ctx workflow.Context) error {
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "interceptor-workout-child-2"})
	child := workflow.ExecuteChildWorkflow(cctx, "WorkoutCancelChild")
	var exec workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
		return err
	}
	// The test environment cancels only a child that is still running
	// (otherwise it asks a mock and panics): this one waits for pokes,
	// is not a target of child-workflow-failure faults, and the parent's
	// own cancellation would have ended it.
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := workflow.RequestCancelExternalWorkflow(ctx, exec.ID, "").Get(ctx, nil); err != nil {
		return err
	}
	if err := child.Get(ctx, nil); !temporal.IsCanceledError(err) {
		return err
	}
	return nil
}

// workoutChild waits for two pokes (or five minutes), then beats once.
func workoutChild(ctx workflow.Context) error {
	pokes := workflow.GetSignalChannel(ctx, "poke")
	for got := 0; got < 2; got++ {
		var s string
		ok, _ := pokes.ReceiveWithTimeout(ctx, 5*time.Minute, &s)
		if !ok {
			break
		}
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	return workflow.ExecuteActivity(actx, "WorkoutBeat", 1).Get(ctx, nil)
}
