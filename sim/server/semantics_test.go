package server

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	sdkactivity "go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// flaky fails its first three attempts.
func flaky(ctx context.Context) (int32, error) {
	if n := sdkactivity.GetInfo(ctx).Attempt; n < 4 {
		return 0, fmt.Errorf("attempt %d fails", n)
	}
	return sdkactivity.GetInfo(ctx).Attempt, nil
}

// RetryWorkflow runs flaky under the server's default retry policy.
func RetryWorkflow(ctx workflow.Context) (int32, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var n int32
	err := workflow.ExecuteActivity(ctx, flaky).Get(ctx, &n)
	return n, err
}

func TestRetriesBackOffInVirtualTime(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(RetryWorkflow)
		w.RegisterActivity(flaky)
	}, func(t *testing.T, c client.Client) {
		start := time.Now()
		var n int32
		if err := execute(context.Background(), c, "retry", RetryWorkflow, &n); err != nil {
			t.Fatalf("workflow: %v", err)
		}
		if n != 4 {
			t.Errorf("succeeded on attempt %d, want 4", n)
		}
		// Backoffs 1s, 2s, 4s (initial 1s, coefficient 2).
		if got := time.Since(start); got < 7*time.Second || got > 8*time.Second {
			t.Errorf("virtual time %v, want 7s of backoff", got)
		}
	})
	started := findEvent(t, hist[0], enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED)
	a := started.GetActivityTaskStartedEventAttributes()
	if a.GetAttempt() != 4 || a.GetLastFailure().GetMessage() != "attempt 3 fails" {
		t.Errorf("ActivityTaskStarted attempt %d last failure %q, want 4 and the third attempt's failure", a.GetAttempt(), a.GetLastFailure().GetMessage())
	}
	if n := countEvents(hist[0], enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED); n != 1 {
		t.Errorf("%d ActivityTaskStarted events, want 1 (written when the last attempt ends)", n)
	}
}

// silentFirst never heartbeats on its first attempt and returns at once on
// the next.
func silentFirst(ctx context.Context) (int32, error) {
	if sdkactivity.GetInfo(ctx).Attempt == 1 {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	return sdkactivity.GetInfo(ctx).Attempt, nil
}

// HeartbeatTimeoutWorkflow runs silentFirst with a heartbeat timeout.
func HeartbeatTimeoutWorkflow(ctx workflow.Context) (int32, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Hour, HeartbeatTimeout: 5 * time.Second})
	var n int32
	err := workflow.ExecuteActivity(ctx, silentFirst).Get(ctx, &n)
	return n, err
}

func TestHeartbeatTimeoutIsRetried(t *testing.T) {
	inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(HeartbeatTimeoutWorkflow)
		w.RegisterActivity(silentFirst)
	}, func(t *testing.T, c client.Client) {
		start := time.Now()
		var n int32
		if err := execute(context.Background(), c, "hb-timeout", HeartbeatTimeoutWorkflow, &n); err != nil {
			t.Fatalf("workflow: %v", err)
		}
		if n != 2 {
			t.Errorf("succeeded on attempt %d, want 2", n)
		}
		// 5s heartbeat timeout, then 1s backoff.
		if got := time.Since(start); got < 6*time.Second || got > 7*time.Second {
			t.Errorf("virtual time %v, want 6s", got)
		}
	})
}

// beatsBare heartbeats with no details for a while, then returns.
func beatsBare(ctx context.Context) (string, error) {
	for range 5 {
		sdkactivity.RecordHeartbeat(ctx)
		time.Sleep(2 * time.Second)
	}
	return "done", nil
}

// BareHeartbeatWorkflow runs beatsBare with a heartbeat timeout it meets.
func BareHeartbeatWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Hour, HeartbeatTimeout: 5 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
	var s string
	err := workflow.ExecuteActivity(ctx, beatsBare).Get(ctx, &s)
	return s, err
}

func TestHeartbeatWithNoDetails(t *testing.T) {
	inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(BareHeartbeatWorkflow)
		w.RegisterActivity(beatsBare)
	}, func(t *testing.T, c client.Client) {
		var s string
		if err := execute(context.Background(), c, "bare-hb", BareHeartbeatWorkflow, &s); err != nil || s != "done" {
			t.Fatalf("workflow: %q, %v; want done", s, err)
		}
	})
}

// waitsForCancel heartbeats until its context is cancelled.
func waitsForCancel(ctx context.Context) error {
	for {
		sdkactivity.RecordHeartbeat(ctx, "alive")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// CancelAckWorkflow cancels an activity started with WaitForCancellation
// and waits for the worker to acknowledge it.
func CancelAckWorkflow(ctx workflow.Context) (string, error) {
	actx, cancel := workflow.WithCancel(ctx)
	actx = workflow.WithActivityOptions(actx, workflow.ActivityOptions{StartToCloseTimeout: time.Hour, HeartbeatTimeout: 5 * time.Second, WaitForCancellation: true})
	f := workflow.ExecuteActivity(actx, waitsForCancel)
	if err := workflow.Sleep(ctx, 10*time.Second); err != nil {
		return "", err
	}
	cancel()
	err := f.Get(ctx, nil)
	var ce *temporal.CanceledError
	if !errors.As(err, &ce) {
		return "", fmt.Errorf("activity ended with %v, want a cancellation", err)
	}
	return "acknowledged", nil
}

func TestWaitForCancellationIsAcknowledged(t *testing.T) {
	hist := inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(CancelAckWorkflow)
		w.RegisterActivity(waitsForCancel)
	}, func(t *testing.T, c client.Client) {
		var s string
		if err := execute(context.Background(), c, "cancel-ack", CancelAckWorkflow, &s); err != nil || s != "acknowledged" {
			t.Fatalf("workflow: %q, %v", s, err)
		}
	})
	if n := countEvents(hist[0], enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED); n != 1 {
		t.Errorf("%d ActivityTaskCanceled events, want 1", n)
	}
}

func findEvent(t *testing.T, h RunHistory, typ enumspb.EventType) *historyEvent {
	t.Helper()
	for _, e := range h.Events {
		if e.GetEventType() == typ {
			return e
		}
	}
	t.Fatalf("no %v in %v", typ, eventTypes(h))
	return nil
}

func countEvents(h RunHistory, typ enumspb.EventType) int {
	n := 0
	for _, e := range h.Events {
		if e.GetEventType() == typ {
			n++
		}
	}
	return n
}
