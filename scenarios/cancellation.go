package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// cancellation: a long activity heartbeats its progress while the workflow
// waits for it. The workflow is cancelled at a drawn time; the activity
// hears of it with its next heartbeat, and the workflow then runs a
// cleanup activity on a disconnected context, because the workflow's own
// context is cancelled and would cancel anything scheduled on it. The
// workflow also cleans up when the job gives up (runs out of time).

// CancellationActivities holds the long job and its cleanup.
type CancellationActivities struct {
	Clock clock.Clock
	Ops   *fakes.NotificationSink // the cleanup reports to the operators here
}

// LongWork does steps of 10s each, heartbeating after every step and
// resuming from the last heartbeat on a retry.
func (a *CancellationActivities) LongWork(ctx context.Context, steps int) error {
	done := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &done)
	}
	for ; done < steps; done++ {
		select {
		case <-a.Clock.After(10 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
		activity.RecordHeartbeat(ctx, done+1)
	}
	return nil
}

// Cleanup releases what LongWork held.
func (a *CancellationActivities) Cleanup(ctx context.Context) error {
	return a.Ops.Send(ctx, "ops", "cleanup", "released")
}

// CancellationWorkflow runs LongWork and, when it was cancelled or gave
// up, Cleanup.
func CancellationWorkflow(ctx workflow.Context, steps int) error {
	ctx = withCancellationOptions(ctx)
	err := workflow.ExecuteActivity(ctx, "LongWork", steps).Get(ctx, nil)
	if err == nil {
		return nil
	}
	// After a cancellation ctx is cancelled too, and an activity scheduled
	// on it would be cancelled before it started. The disconnected context
	// keeps ctx's values and activity options but not its cancellation.
	cleanupCtx, _ := workflow.NewDisconnectedContext(ctx)
	if cerr := workflow.ExecuteActivity(cleanupCtx, "Cleanup").Get(cleanupCtx, nil); cerr != nil {
		return cerr
	}
	return err
}

// cancellationCleanupOnCancelled is CancellationWorkflow with the planted
// bug: the cleanup is scheduled on the workflow's own context, so after a
// cancellation it never runs.
func cancellationCleanupOnCancelled(ctx workflow.Context, steps int) error {
	ctx = withCancellationOptions(ctx)
	err := workflow.ExecuteActivity(ctx, "LongWork", steps).Get(ctx, nil)
	if err == nil {
		return nil
	}
	if cerr := workflow.ExecuteActivity(ctx, "Cleanup").Get(ctx, nil); cerr != nil {
		return cerr
	}
	return err
}

// cancellationReportedAsFailure is CancellationWorkflow with a planted bug:
// it cleans up, then reports the cancellation as a business failure, so
// callers see a failed job where they asked for a cancelled one.
func cancellationReportedAsFailure(ctx workflow.Context, steps int) error {
	ctx = withCancellationOptions(ctx)
	err := workflow.ExecuteActivity(ctx, "LongWork", steps).Get(ctx, nil)
	if err == nil {
		return nil
	}
	cleanupCtx, _ := workflow.NewDisconnectedContext(ctx)
	if cerr := workflow.ExecuteActivity(cleanupCtx, "Cleanup").Get(cleanupCtx, nil); cerr != nil {
		return cerr
	}
	return temporal.NewApplicationError("job stopped: "+err.Error(), "JobStopped")
}

func withCancellationOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		// A plan's activity faults can hit every attempt from some time on,
		// so unlimited retries alone could run forever: the job gets an
		// hour, then gives up.
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second},
		// Wait for LongWork to acknowledge a cancellation, so the cleanup
		// never overlaps it.
		WaitForCancellation: true,
	})
}

// failsOnlyWhenJobGivesUp holds when a failed run failed because LongWork
// ran out of time, not because it was cancelled: a cancellation must end
// the workflow cancelled. A LongWork that times out after the cancel
// request (its worker crashed or stalled, so nothing acknowledged the
// cancel) is the job giving up too: a real server does not retry an
// activity whose cancellation was requested, so the timeout is LongWork's
// final error and the workflow rightly reports it.
func failsOnlyWhenJobGivesUp() sim.Property {
	return harness.Property("fails-only-when-job-gives-up", func(r *sim.Result) error {
		if r.Outcome != sim.Failed {
			return nil
		}
		if strings.HasPrefix(r.ErrType, "ActivityError>TimeoutError") {
			return nil
		}
		// Read the workflow's cancel requests from the trace: the activity
		// records also count the engine's own request when the run closes.
		for _, e := range eventsOf(r, "act.cancel-request") {
			if e.Name == "LongWork" {
				return fmt.Errorf("LongWork was cancelled at %s but the workflow failed (%s) instead of ending cancelled", sim.FormatOffset(e.T), r.ErrType)
			}
		}
		if !strings.HasPrefix(r.ErrType, "ActivityError>") {
			return fmt.Errorf("workflow failed with %s, want LongWork's ActivityError", r.ErrType)
		}
		return nil
	})
}

func cancellationScenario(name, bug string, wf any) *sim.Scenario {
	const steps = 30 // 5 minutes of work
	window := 10 * time.Minute
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "heartbeating long activity, workflow cancelled at a drawn time, cleanup on a disconnected context",
		Profile: sim.Profile{
			// No activity-error: a non-retryable one fails the job at once,
			// which says nothing about cancellation. Faults spare Cleanup:
			// one that hits every attempt would keep it from ever running.
			Kinds:      []sim.Kind{sim.WorkflowCancel, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout, sim.HeartbeatLoss, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"LongWork"},
			Window:     window,
		},
		Properties: append(harness.Safety(),
			harness.CleanupAfterCancel("Cleanup"),
			harness.Outcomes(sim.Canceled, sim.Completed, sim.Failed),
			failsOnlyWhenJobGivesUp(),
			harness.Terminates(window, 2*time.Hour),
		),
		Setup: func(w *sim.World) sim.Case {
			acts := &CancellationActivities{Clock: w.Clock(), Ops: fakes.NewNotificationSink(w.Clock(), nil, nil)}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "CancellationWorkflow"})
			w.RegisterActivity(acts)
			return sim.Case{Workflow: "CancellationWorkflow", Args: []any{steps}}
		},
	}
}

func init() {
	register(cancellationScenario("cancellation", "", CancellationWorkflow))
	register(planted(cancellationScenario("cancellation/bug-cleanup-on-cancelled-context",
		"the cleanup activity is scheduled on the cancelled workflow context, so it is cancelled before it ever runs", cancellationCleanupOnCancelled),
		"cleanup-after-cancel", ""))
	register(planted(cancellationScenario("cancellation/bug-cancel-reported-as-failure",
		"after cleaning up, the workflow returns a new ApplicationError instead of the cancellation, so a cancelled job ends failed", cancellationReportedAsFailure),
		"fails-only-when-job-gives-up", ""))
}
