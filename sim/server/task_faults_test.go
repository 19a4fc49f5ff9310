package server

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// replayedStarts counts the times ReplayCountingWorkflow's code began in
// replay: each is a workflow task that rebuilt the run from event 1.
var replayedStarts atomic.Int32

// ReplayCountingWorkflow is TwoStepWorkflow that counts its replayed
// starts.
func ReplayCountingWorkflow(ctx workflow.Context, name string) (string, error) {
	if workflow.IsReplaying(ctx) {
		replayedStarts.Add(1)
	}
	return TwoStepWorkflow(ctx, name)
}

// taskFaultRun runs ReplayCountingWorkflow once; at 30 minutes, during its
// hour-long timer, it calls fault on the server. It returns the history,
// the server's stats and the count of replayed starts.
func taskFaultRun(t *testing.T, fault func(srv *Server)) (RunHistory, Stats, int32) {
	t.Helper()
	var (
		hist []RunHistory
		st   Stats
	)
	replayedStarts.Store(0)
	synctest.Test(t, func(t *testing.T) {
		srv := New(&Options{IDSeed: 3})
		c, err := dial(srv)
		if err != nil {
			t.Fatal(err)
		}
		w := newTestWorker(c)
		w.RegisterWorkflow(ReplayCountingWorkflow)
		w.RegisterActivity(greet)
		w.RegisterActivity(shout)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "faulted", TaskQueue: testQueue}, ReplayCountingWorkflow, "f")
		if err != nil {
			t.Fatal(err)
		}
		if fault != nil {
			time.Sleep(30 * time.Minute)
			fault(srv)
		}
		var out string
		if err := run.Get(ctx, &out); err != nil || out != "hello f!" {
			t.Fatalf("result %q, %v", out, err)
		}
		w.Stop()
		c.Close()
		srv.Stop()
		hist, st = srv.Histories(), srv.Stats()
	})
	if len(hist) != 1 {
		t.Fatalf("%d histories, want 1", len(hist))
	}
	replays := replayedStarts.Load() // before the replayer below adds its own
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflow(ReplayCountingWorkflow)
	if err := r.ReplayWorkflowHistory(quiet, &historyT{Events: hist[0].Events}); err != nil {
		t.Errorf("the history does not replay: %v", err)
	}
	return hist[0], st, replays
}

// TestEvictStickyCacheReplaysTheRun: without the fault the worker gets one
// whole history (its first task) and never replays; after EvictStickyCache
// its next task, on the same worker, carries the whole history and the
// workflow's code starts again in replay.
func TestEvictStickyCacheReplaysTheRun(t *testing.T) {
	_, st, replays := taskFaultRun(t, nil)
	if st.FullHistoryTasks != 1 || replays != 0 {
		t.Fatalf("no fault: %d full-history tasks, %d replayed starts; want 1 and 0", st.FullHistoryTasks, replays)
	}
	var evicted int
	h, st, replays := taskFaultRun(t, func(srv *Server) {
		srv.EvictStickyCache("f1", func(_ time.Time, n int) { evicted = n })
	})
	if evicted != 1 || st.FullHistoryTasks != 2 || replays != 1 {
		t.Errorf("evicted %d runs; %d full-history tasks, %d replayed starts; want 1, 2 and 1", evicted, st.FullHistoryTasks, replays)
	}
	if slices.Contains(eventTypes(h), enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
		t.Errorf("an eviction failed a workflow task: %v", eventTypes(h))
	}
}

// TestFaultNextTaskFailsOrTimesOut: the first completion after the fault
// is rejected (WorkflowTaskFailed) or dropped (WorkflowTaskTimedOut 10s
// after the task started); attempt 2 carries the whole history, the
// worker replays, and the history replays.
func TestFaultNextTaskFailsOrTimesOut(t *testing.T) {
	for _, tc := range []struct {
		kind TaskFault
		end  enumspb.EventType
	}{{FailTask, enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED}, {TimeOutTask, enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT}} {
		var landed string
		h, st, replays := taskFaultRun(t, func(srv *Server) {
			srv.FaultNextTask("f1", tc.kind, func(_ time.Time, id string) { landed = id })
		})
		if landed != "faulted" || st.FullHistoryTasks != 2 || replays != 1 {
			t.Errorf("%v: landed on %q; %d full-history tasks, %d replayed starts; want faulted, 2 and 1", tc.end, landed, st.FullHistoryTasks, replays)
		}
		i := slices.Index(eventTypes(h), tc.end)
		if i < 0 || i+1 >= len(h.Events) {
			t.Fatalf("%v not in the history: %v", tc.end, eventTypes(h))
		}
		ended, next := h.Events[i], h.Events[i+1]
		if got := next.GetWorkflowTaskScheduledEventAttributes().GetAttempt(); got != 2 {
			t.Errorf("%v is followed by %v attempt %d, want a WorkflowTaskScheduled of attempt 2", tc.end, next.GetEventType(), got)
		}
		if tc.kind == TimeOutTask {
			started := h.Events[i-1]
			if d := ended.GetEventTime().AsTime().Sub(started.GetEventTime().AsTime()); d != defaultWorkflowTaskTimeout {
				t.Errorf("the task timed out %s after it started, want %s", d, defaultWorkflowTaskTimeout)
			}
		}
	}
}
