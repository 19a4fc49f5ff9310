package server

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"google.golang.org/protobuf/types/known/emptypb"
)

// Faults a driver asks for on workflow tasks, so that the worker replays
// during the run: a sticky cache that drops its runs, and a workflow task
// that fails or times out and is retried. Each is a pseudo-call that goes
// through the loop like any RPC, ordered by the key the driver gives.

const (
	evictNote     = "~evict"
	taskFaultNote = "~taskfault"
)

// TaskFault is what happens to the completion of a workflow task.
type TaskFault int

const (
	// FailTask rejects the completion as the Temporal server rejects one
	// it cannot accept: WorkflowTaskFailed in history, InvalidArgument to
	// the worker (which drops the run from its cache), and the next
	// attempt scheduled on the normal queue with the whole history.
	FailTask TaskFault = iota + 1
	// TimeOutTask drops the completion, as when it reaches the server after
	// the task timed out: the worker is answered NotFound ("workflow task
	// not found"), and the task's start-to-close timeout then fires on the
	// virtual clock (WorkflowTaskTimedOut) and the next attempt goes to the
	// normal queue with the whole history.
	TimeOutTask
)

// pendingTaskFault is a TaskFault waiting for the next completion of a
// workflow task.
type pendingTaskFault struct {
	kind   TaskFault
	landed func(at time.Time, workflowID string)
}

// EvictStickyCache drops every open run from its worker's sticky cache, as
// the server does on ResetStickyTaskQueue: a task waiting on a sticky
// queue moves to the normal queue, and the next workflow task of each run
// carries the whole history, so the worker rebuilds the run from event 1.
// A task the worker is running keeps its result, but the stickiness its
// completion asks for is not granted. done, if set, is called on the
// loop with the step's time and how many runs were open; it must not
// block or call the server. key orders the call among others of its step.
func (s *Server) EvictStickyCache(key string, done func(at time.Time, runs int)) {
	s.enqueue(&call{name: evictNote, req: &emptypb.Empty{}, key: "~~" + key, done: make(chan struct{}),
		note: func(s *Server) {
			n := 0
			for _, ex := range s.runs {
				if !ex.open() {
					continue
				}
				n++
				if ex.wft != nil && ex.wft.startedID != 0 {
					ex.evicted = true
				}
				ex.unstick()
			}
			if done != nil {
				done(s.now, n)
			}
		}})
}

// FaultNextTask arms a TaskFault for the first RespondWorkflowTaskCompleted
// (of a started task of any run) that the server applies after this call:
// a completion that arrives in the same step is applied before it, since
// the driver's pseudo-calls sort last. landed, if set, is called on the
// loop when it hits one, with the step's time and the run's workflow id;
// it must not block or call the server. Faults armed earlier hit earlier
// completions.
func (s *Server) FaultNextTask(key string, kind TaskFault, landed func(at time.Time, workflowID string)) {
	s.enqueue(&call{name: taskFaultNote, req: &emptypb.Empty{}, key: "~~" + key, done: make(chan struct{}),
		note: func(s *Server) {
			s.taskFaults = append(s.taskFaults, pendingTaskFault{kind: kind, landed: landed})
		}})
}

func handleNote(s *Server, c *call) {
	c.note(s)
	c.answer(nil)
}

// takeTaskFault removes and returns the first armed fault, if any.
func (s *Server) takeTaskFault() (pendingTaskFault, bool) {
	if len(s.taskFaults) == 0 {
		return pendingTaskFault{}, false
	}
	f := s.taskFaults[0]
	s.taskFaults = s.taskFaults[1:]
	return f, true
}

// faultCompletion carries out f on the completion c of wt.
func (s *Server) faultCompletion(f pendingTaskFault, ex *execution, wt *workflowTask, c *call, identity string) {
	if f.landed != nil {
		f.landed(s.now, ex.wfID)
	}
	if f.kind == TimeOutTask {
		// The task stays started; its start-to-close timer (armed when it
		// started) times it out.
		c.fail(notFound("workflow task not found"))
		return
	}
	const msg = "temporalsim: the server rejected this workflow task's completion (workflow-task-failure fault)"
	ex.endWorkflowTask(enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowTaskFailedEventAttributes{WorkflowTaskFailedEventAttributes: &historypb.WorkflowTaskFailedEventAttributes{
			ScheduledEventId: wt.schedID, StartedEventId: wt.startedID,
			Cause:   enumspb.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED,
			Failure: &failurepb.Failure{Message: msg, Source: "temporalsim"}, Identity: identity,
		}}
	})
	ex.scheduleWorkflowTask(wt.attempt + 1)
	c.fail(serviceerror.ToStatus(serviceerror.NewInvalidArgument(msg)).Err())
}
