package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/temporalsim/temporalsim/sim/server"
)

// Replay during the run on engine 2. The fault kinds that make the real
// worker replay a workflow are carried out by the server, as a Temporal
// server would bring them about (sim/server/task_faults.go):
//
//   - cache-eviction at T: every open run loses its stickiness, as on
//     ResetStickyTaskQueue, so its next workflow task goes to the normal
//     queue with the whole history and the same worker rebuilds the run
//     from event 1. The server's reset is chosen over the SDK's
//     worker.PurgeStickyWorkflowCache, which empties the cache of every
//     worker in the process: runs of a parallel swarm share the process,
//     and one run's fault must not reach another's worker.
//   - workflow-task-failure at T: the first workflow task completion the
//     server gets after T is rejected (WorkflowTaskFailed, InvalidArgument
//     to the worker), whenever its task started;
//   - workflow-task-timeout at T: its completion is dropped (NotFound to
//     the worker) and the task's start-to-close timeout fires on the
//     virtual clock (WorkflowTaskTimedOut).
//
// Either way the worker drops the run from its cache and the server
// schedules attempt 2 on the normal queue with the whole history, as the
// Temporal server retries a workflow task. A fault fires when it reaches a
// run: an eviction with a run open, a task fault on the completion it hits.

// replayFault asks the server for f at f's time.
func (r *engine2Run) replayFault(f Fault) {
	key := fmt.Sprintf("fault/%09d", f.ID)
	if f.Kind == CacheEviction {
		r.srv.EvictStickyCache(key, func(at time.Time, runs int) {
			if runs == 0 {
				return
			}
			r.w.fire(f.ID)
			r.timed.add(at, f, Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind), Detail: fmt.Sprintf("runs=%d", runs)})
		})
		return
	}
	kind := server.FailTask
	if f.Kind == WorkflowTaskTimeout {
		kind = server.TimeOutTask
	}
	r.srv.FaultNextTask(key, kind, func(at time.Time, wf string) {
		r.w.fire(f.ID)
		r.timed.add(at, f, Event{Kind: "fault", WF: wf, Fault: f.ID, Name: string(f.Kind)})
	})
}

// maxTaskAttempts bounds a workflow task that keeps failing for a reason
// other than nondeterminism (which stops the run at once, engine2_nondet.go):
// workflow code that panics whenever it runs again fails its task on every
// retry, and a server retries it forever, every workflow task timeout, so
// a run would spin until the virtual budget (a year by default), for
// hours of wall time. When a task of any run is scheduled for this
// attempt, the driver stops the run as stuck, as the budget does, and the
// trace says why. Correct code never gets near it: each replay fault fails
// one attempt.
const maxTaskAttempts = 20

// taskLoop is the workflow task that reached maxTaskAttempts.
type taskLoop struct {
	wf      string
	attempt int32
	at      time.Time
}

func (l *taskLoop) String() string {
	return fmt.Sprintf("the workflow task of %s failed %d times in a row (attempt %d scheduled): the run cannot progress, so the engine stopped it", l.wf, l.attempt-1, l.attempt)
}

// taskRetry is the server's OnTaskRetry: at maxTaskAttempts it ends the
// run as the budget does, once.
func (r *engine2Run) taskRetry(at time.Time, wf string, attempt int32) {
	if attempt < maxTaskAttempts || !r.looping.CompareAndSwap(nil, &taskLoop{wf: wf, attempt: attempt, at: at}) {
		return
	}
	l := r.looping.Load()
	r.stops.Add(1) // stopWorkers waits for it
	go func() {
		defer r.stops.Done()
		r.overrun.Store(true)
		_ = r.c.TerminateWorkflow(context.Background(), r.sc.Name, "", l.String())
	}()
}
