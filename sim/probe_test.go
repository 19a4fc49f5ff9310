package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// probeInput configures the probe workflow the fault tests drive.
type probeInput struct {
	N            int           // parallel Work activities
	D            time.Duration // each works D, heartbeating every D/5
	StartToClose time.Duration
	S2C          time.Duration
	HB           time.Duration
	MaxAttempts  int32
	Local        bool          // also run a local activity first
	Child        bool          // also run a child workflow
	Wait         time.Duration // then wait this long for signals and updates
	Linger       time.Duration // when cancelled, stay open this long before returning
}

func workActivity(ctx context.Context, i int, d time.Duration) (string, error) {
	start := 0
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &start)
	}
	for step := start; step < 5; step++ {
		t := time.NewTimer(d / 5)
		select {
		case <-t.C:
		case <-ctx.Done():
			return "", ctx.Err()
		case <-activity.GetWorkerStopChannel(ctx):
			// keep going: the grace period lets the attempt finish if it can
			select {
			case <-t.C:
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		if ctx.Err() != nil { // ready with the timer: the context wins, whichever select picked
			return "", ctx.Err()
		}
		activity.RecordHeartbeat(ctx, step+1)
	}
	return fmt.Sprintf("w%d@%d", i, activity.GetInfo(ctx).Attempt), nil
}

func localStep(ctx context.Context, s string) (string, error) { return s + "!", nil }

func childWorkflow(ctx workflow.Context, s string) (string, error) {
	if err := workflow.Sleep(ctx, time.Minute); err != nil {
		return "", err
	}
	return "child:" + s, nil
}

func probeWorkflow(ctx workflow.Context, in probeInput) (string, error) {
	pings, value := 0, 0
	if err := workflow.SetQueryHandler(ctx, "count", func() (int, error) { return pings, nil }); err != nil {
		return "", err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, "set",
		func(ctx workflow.Context, v int) (int, error) { value = v; return v, nil },
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v int) error {
			if v < 0 {
				return errors.New("negative")
			}
			return nil
		}})
	if err != nil {
		return "", err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, "ping")
		for {
			ch.Receive(ctx, nil)
			pings++
		}
	})
	var parts []string
	if in.Local {
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3}})
		var s string
		if err := workflow.ExecuteLocalActivity(lctx, localStep, "la").Get(ctx, &s); err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: in.StartToClose, ScheduleToCloseTimeout: in.S2C, HeartbeatTimeout: in.HB,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: in.MaxAttempts}})
	var futs []workflow.Future
	for i := 0; i < in.N; i++ {
		futs = append(futs, workflow.ExecuteActivity(actx, "Work", i, in.D))
	}
	for _, f := range futs {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			if in.Linger > 0 && temporal.IsCanceledError(err) {
				dctx, _ := workflow.NewDisconnectedContext(ctx)
				_ = workflow.Sleep(dctx, in.Linger)
			}
			return "", err
		}
		parts = append(parts, s)
	}
	if in.Child {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "child-1"})
		var s string
		if err := workflow.ExecuteChildWorkflow(cctx, childWorkflow, "x").Get(ctx, &s); err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	if in.Wait > 0 {
		if err := workflow.Sleep(ctx, in.Wait); err != nil {
			return "", err
		}
	}
	parts = append(parts, fmt.Sprintf("pings=%d value=%d", pings, value))
	return strings.Join(parts, " "), nil
}

// probeScenario runs the probe workflow with in; every fault kind applies.
func probeScenario(in probeInput) *Scenario {
	return &Scenario{
		Name: "probe",
		Profile: Profile{
			Kinds:           Kinds(),
			Activities:      []string{"Work"},
			LocalActivities: []string{"localStep"},
			Children:        []string{"childWorkflow"},
			Signals:         []Message{{Name: "ping"}},
			Updates:         []Message{{Name: "set", Values: []string{"1", "-1"}}},
			Queries:         []Message{{Name: "count"}},
			Window:          10 * time.Minute,
		},
		Setup: func(w *World) Case {
			w.RegisterWorkflow(probeWorkflow)
			w.RegisterWorkflow(childWorkflow)
			w.RegisterActivityWithOptions(workActivity, activity.RegisterOptions{Name: "Work"})
			w.RegisterActivity(localStep)
			w.SetDecoder("set", func(v string) (any, error) {
				var n int
				_, err := fmt.Sscan(v, &n)
				return n, err
			})
			return Case{Workflow: probeWorkflow, Args: []any{in}}
		},
	}
}
