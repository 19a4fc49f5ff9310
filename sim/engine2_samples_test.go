package sim

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Patterns from Temporal's public samples that engine 1 cannot run (its
// test environment deadlocks on a child that continues as new, and
// resolves a cancelled activity at once, WaitForCancellation or not), run
// through sim.Run on engine 2.

func runEngine2(t *testing.T, sc *Scenario) *Result {
	t.Helper()
	r, err := Run(t, sc, 1, Plan{}, &Options{Engine: EngineServer})
	require.NoError(t, err)
	require.Empty(t, r.Violations)
	return r
}

// TestEngine2ChildContinuesAsNew: the parent reads the result of a child
// that continued as new four times; the child's last run answers.
func TestEngine2ChildContinuesAsNew(t *testing.T) {
	var runs atomic.Int32
	sc := &Scenario{Name: "e2-child-can", Setup: func(w *World) Case {
		child := func(ctx workflow.Context, n int) (int, error) {
			if !workflow.IsReplaying(ctx) {
				runs.Add(1)
			}
			if n < 4 {
				return 0, workflow.NewContinueAsNewError(ctx, "counter", n+1)
			}
			return 100 + n, nil
		}
		parent := func(ctx workflow.Context) (int, error) {
			var out int
			err := workflow.ExecuteChildWorkflow(ctx, "counter", 0).Get(ctx, &out)
			return out, err
		}
		w.RegisterWorkflowWithOptions(child, workflow.RegisterOptions{Name: "counter"})
		w.RegisterWorkflowWithOptions(parent, workflow.RegisterOptions{Name: "parent"})
		return Case{Workflow: "parent"}
	}}
	r := runEngine2(t, sc)
	require.Equal(t, Completed, r.Outcome, "%v", r.Err)
	require.Equal(t, "104", r.Output)
	require.Equal(t, int32(5), runs.Load(), "the child's first run and four continued runs")
	require.Len(t, r.histories, 6, "one history per run: the parent and five child runs")
}

// TestEngine2HeartbeatWithoutDetails: an activity that heartbeats with no
// details stays alive past its heartbeat timeout, and its retry sees no
// details.
func TestEngine2HeartbeatWithoutDetails(t *testing.T) {
	var sawDetails atomic.Bool
	sc := &Scenario{Name: "e2-bare-heartbeat", Setup: func(w *World) Case {
		act := func(ctx context.Context) (string, error) {
			if activity.HasHeartbeatDetails(ctx) {
				sawDetails.Store(true)
			}
			for range 5 {
				activity.RecordHeartbeat(ctx)
				if err := sleepCtx(ctx, 2*time.Second); err != nil {
					return "", err
				}
			}
			if activity.GetInfo(ctx).Attempt == 1 {
				return "", errors.New("fails once after heartbeating")
			}
			return "beat", nil
		}
		wf := func(ctx workflow.Context) (string, error) {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute,
				HeartbeatTimeout: 3 * time.Second, RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second}})
			var out string
			err := workflow.ExecuteActivity(ctx, "beats").Get(ctx, &out)
			return out, err
		}
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "beatWF"})
		w.RegisterActivityWithOptions(act, activityOpts("beats"))
		return Case{Workflow: "beatWF"}
	}}
	r := runEngine2(t, sc)
	require.Equal(t, Completed, r.Outcome, "%v", r.Err)
	require.Equal(t, `"beat"`, r.Output)
	require.False(t, sawDetails.Load(), "a heartbeat without details leaves none for the retry")
	require.Len(t, r.Activities, 1)
	require.Len(t, r.Activities[0].Attempts, 2)
	require.Equal(t, "ok", r.Activities[0].Attempts[1].Result)
	require.Equal(t, 10, countKind(r.Events, "act.heartbeat"))
}

// TestEngine2WaitForCancellation: a workflow that cancels an activity
// with WaitForCancellation: true waits until the activity acknowledged it
// (its next heartbeat brought the cancellation, then it cleaned up for
// two seconds) before it goes on.
func TestEngine2WaitForCancellation(t *testing.T) {
	var cleaned atomic.Bool
	sc := &Scenario{Name: "e2-wait-cancel", Setup: func(w *World) Case {
		act := func(ctx context.Context) error {
			for {
				activity.RecordHeartbeat(ctx, "working")
				if err := sleepCtx(ctx, time.Second); err != nil {
					// Cleanup on the World's clock, not the cancelled context.
					w.Clock().Sleep(2 * time.Second)
					cleaned.Store(true)
					return err
				}
			}
		}
		wf := func(ctx workflow.Context) (time.Duration, error) {
			start := workflow.Now(ctx)
			actx, cancel := workflow.WithCancel(ctx)
			actx = workflow.WithActivityOptions(actx, workflow.ActivityOptions{StartToCloseTimeout: time.Hour,
				HeartbeatTimeout: 5 * time.Second, WaitForCancellation: true})
			f := workflow.ExecuteActivity(actx, "worker")
			if err := workflow.Sleep(ctx, 3*time.Second); err != nil {
				return 0, err
			}
			cancel()
			var ce *temporal.CanceledError
			if err := f.Get(ctx, nil); !errors.As(err, &ce) {
				return 0, errors.New("the activity did not end cancelled")
			}
			return workflow.Now(ctx).Sub(start), nil
		}
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "cancelWF"})
		w.RegisterActivityWithOptions(act, activityOpts("worker"))
		return Case{Workflow: "cancelWF"}
	}}
	r := runEngine2(t, sc)
	require.Equal(t, Completed, r.Outcome, "%v", r.Err)
	require.True(t, cleaned.Load())
	var waited time.Duration
	require.NoError(t, json.Unmarshal([]byte(r.Output), &waited))
	// Cancelled at 3s, seen by the heartbeat after it (4s), cleaned up 2s.
	require.GreaterOrEqual(t, waited, 6*time.Second, "the workflow went on before the activity acknowledged the cancellation")
	require.Len(t, r.Activities, 1)
	require.True(t, r.Activities[0].CancelRequested)
}

func countKind(evs []Event, kind string) int {
	n := 0
	for _, e := range evs {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// sleepCtx waits d of bubble time, or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
