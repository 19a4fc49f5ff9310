package server

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"
)

// FanWorkflow runs n greet activities in parallel; eager says whether the
// worker may ask to run them eagerly. With leave, it returns without
// waiting for them.
func FanWorkflow(ctx workflow.Context, n int, eager, leave bool) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, DisableEagerExecution: !eager})
	var fs []workflow.Future
	for range n {
		fs = append(fs, workflow.ExecuteActivity(ctx, greet, "x"))
	}
	if leave {
		return 0, nil
	}
	for _, f := range fs {
		if err := f.Get(ctx, nil); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// fanRun runs FanWorkflow once and returns its history and the server's
// counters.
func fanRun(t *testing.T, n int, eager, leave bool) (RunHistory, Stats) {
	var h RunHistory
	var st Stats
	synctest.Test(t, func(t *testing.T) {
		srv := New(&Options{IDSeed: 3})
		c, err := dial(srv)
		if err != nil {
			t.Fatal(err)
		}
		w := newTestWorker(c)
		w.RegisterWorkflow(FanWorkflow)
		w.RegisterActivity(greet)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		var out int
		if err := execute(context.Background(), c, "fan", FanWorkflow, &out, n, eager, leave); err != nil {
			t.Fatalf("workflow: %v", err)
		}
		w.Stop()
		c.Close()
		srv.Stop()
		h, st = srv.Histories()[0], srv.Stats()
	})
	return h, st
}

// TestEagerActivitiesSkipThePoll: activities the worker asks to run
// eagerly come back in the workflow task's response, and the history is
// the one the task queue gives.
func TestEagerActivitiesSkipThePoll(t *testing.T) {
	eagerH, eagerSt := fanRun(t, 2, true, false)
	queueH, queueSt := fanRun(t, 2, false, false)
	if eagerSt.EagerActivityTasks != 2 || queueSt.EagerActivityTasks != 0 {
		t.Errorf("eager activity tasks: %d asked eagerly, %d not asked; want 2 and 0", eagerSt.EagerActivityTasks, queueSt.EagerActivityTasks)
	}
	if a, b := eventTypes(eagerH), eventTypes(queueH); !slices.Equal(a, b) {
		t.Errorf("eager history differs from the queued one:\neager %v\nqueue %v", a, b)
	}
	if n := countEvents(eagerH, enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED); n != 2 {
		t.Errorf("%d activities completed, want 2", n)
	}
}

// TestEagerActivityOfAClosingTaskIsNotStarted: a task that schedules an
// activity and completes the workflow gets no activity back.
func TestEagerActivityOfAClosingTaskIsNotStarted(t *testing.T) {
	h, st := fanRun(t, 1, true, true)
	if st.EagerActivityTasks != 0 {
		t.Errorf("%d eager activity tasks started for a closed run, want 0", st.EagerActivityTasks)
	}
	if n := countEvents(h, enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED); n != 0 {
		t.Errorf("%d ActivityTaskStarted after the run closed, want 0", n)
	}
}
