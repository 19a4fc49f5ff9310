package server

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// withServer is inBubble with server options; it returns the stopped server.
func withServer(t *testing.T, o *Options, reg func(workerRegistry), body func(t *testing.T, c client.Client)) *Server {
	t.Helper()
	var srv *Server
	synctest.Test(t, func(t *testing.T) {
		srv = New(o)
		c, err := dial(srv)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		w := newTestWorker(c)
		reg(w)
		if err := w.Start(); err != nil {
			t.Fatalf("worker start: %v", err)
		}
		body(t, c)
		w.Stop()
		c.Close()
		srv.Stop()
	})
	return srv
}

// TimeoutWorkflow runs hangs under options that make the server time it
// out with the timeout named by kind.
func TimeoutWorkflow(ctx workflow.Context, kind string) error {
	o := workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 2}}
	switch kind {
	case "heartbeat":
		o.HeartbeatTimeout = 5 * time.Second
	case "schedule-to-start": // nobody polls the queue
		o.TaskQueue, o.ScheduleToStartTimeout = "nobody", 10*time.Second
	default: // schedule-to-close: attempts time out (10s, 21s), the third is cut off at 25s
		o.StartToCloseTimeout, o.ScheduleToCloseTimeout, o.RetryPolicy = 10*time.Second, 25*time.Second, nil
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), hangs).Get(ctx, nil)
}

// TestActivityTimeouts: the server enforces the heartbeat,
// schedule-to-start and schedule-to-close timeouts on the virtual clock,
// retries timed-out attempts by the retry policy, and lists each attempt
// it timed out, a running one cut off by schedule-to-close included.
func TestActivityTimeouts(t *testing.T) {
	hb, s2s, s2c := enumspb.TIMEOUT_TYPE_HEARTBEAT, enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START, enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
	stc := enumspb.TIMEOUT_TYPE_START_TO_CLOSE
	for _, tc := range []struct {
		kind     string
		final    enumspb.TimeoutType
		attempts []enumspb.TimeoutType // what AttemptTimeouts lists
		at       []time.Duration       // when, after the start
	}{
		{"heartbeat", hb, []enumspb.TimeoutType{hb, hb}, []time.Duration{5 * time.Second, 11 * time.Second}},
		{"schedule-to-start", s2s, nil, nil},
		{"schedule-to-close", s2c, []enumspb.TimeoutType{stc, stc, s2c}, []time.Duration{10 * time.Second, 21 * time.Second, 25 * time.Second}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			var start time.Time
			srv := withServer(t, &Options{IDSeed: 7}, func(w workerRegistry) {
				w.RegisterWorkflow(TimeoutWorkflow)
				w.RegisterActivity(hangs)
			}, func(t *testing.T, c client.Client) {
				start = time.Now()
				err := execute(context.Background(), c, "timeout", TimeoutWorkflow, nil, tc.kind)
				var te *temporal.TimeoutError
				if !errors.As(err, &te) || te.TimeoutType() != tc.final {
					t.Fatalf("workflow error %v, want a %v timeout", err, tc.final)
				}
			})
			e := findEvent(t, srv.Histories()[0], enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT)
			if got := e.GetActivityTaskTimedOutEventAttributes().GetFailure().GetTimeoutFailureInfo().GetTimeoutType(); got != tc.final {
				t.Errorf("ActivityTaskTimedOut has %v, want %v", got, tc.final)
			}
			tos := srv.AttemptTimeouts()
			if len(tos) != len(tc.attempts) {
				t.Fatalf("AttemptTimeouts lists %d attempts, want %d: %v", len(tos), len(tc.attempts), tos)
			}
			for i, to := range tos {
				typ := to.Failure.GetTimeoutFailureInfo().GetTimeoutType()
				// Times are compared to the second: round trips through the
				// worker's polls, which the SDK spaces 1ms apart, add a few ms.
				if at := to.At.Sub(start).Truncate(time.Second); typ != tc.attempts[i] || at != tc.at[i] || int(to.Attempt) != i+1 {
					t.Errorf("timeout %d: attempt %d, %v at %s; want attempt %d, %v at %s", i, to.Attempt, typ, at, i+1, tc.attempts[i], tc.at[i])
				}
			}
		})
	}
}

// ParentOfTwo starts two children and runs an activity.
func ParentOfTwo(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	if err := workflow.ExecuteActivity(ctx, quick).Get(ctx, nil); err != nil {
		return err
	}
	a, b := workflow.ExecuteChildWorkflow(ctx, ChildOfTwo), workflow.ExecuteChildWorkflow(ctx, ChildOfTwo)
	if err := a.Get(ctx, nil); err != nil {
		return err
	}
	return b.Get(ctx, nil)
}

// ChildOfTwo runs one activity.
func ChildOfTwo(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, quick).Get(ctx, nil)
}

func quick(context.Context) error { return nil }

// TestOnScheduled: the server reports every activity scheduled and every
// child run started, in the same order on every run.
func TestOnScheduled(t *testing.T) {
	run := func() []Scheduled {
		var got []Scheduled
		withServer(t, &Options{IDSeed: 7, OnScheduled: func(s Scheduled) { got = append(got, s) }}, func(w workerRegistry) {
			w.RegisterWorkflow(ParentOfTwo)
			w.RegisterWorkflow(ChildOfTwo)
			w.RegisterActivity(quick)
		}, func(t *testing.T, c client.Client) {
			if err := execute(context.Background(), c, "parent", ParentOfTwo, nil); err != nil {
				t.Fatal(err)
			}
		})
		return got
	}
	first := run()
	kinds := ""
	for _, s := range first {
		if s.Child {
			kinds += "c"
			if s.Type != "ChildOfTwo" || s.RunID == "" {
				t.Errorf("child reported as %+v", s)
			}
			continue
		}
		kinds += "a"
		if s.Type != "quick" || s.ID == "" || s.RunID == "" {
			t.Errorf("activity reported as %+v", s)
		}
	}
	if kinds != "accaa" {
		t.Fatalf("reported %q (a: activity, c: child), want accaa", kinds)
	}
	for i := range 3 {
		again := run()
		for j := range first {
			if again[j] != first[j] {
				t.Fatalf("run %d reports %+v at %d, the first run %+v", i+2, again[j], j, first[j])
			}
		}
	}
}
