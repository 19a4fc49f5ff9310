package server

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// defaultWorkflowTaskTimeout is the server's default start-to-close
// timeout of a workflow task.
const defaultWorkflowTaskTimeout = 10 * time.Second

// workflowTask is the one workflow task a run may have: scheduled, then
// started by a poll, then completed, failed or timed out.
type workflowTask struct {
	ex        *execution
	schedID   int64
	startedID int64
	attempt   int32
	scheduled time.Time
	onSticky  bool
	timeout   *timer // start-to-close, or the sticky queue's schedule-to-start
}

// wftEntry is the task's place in one queue; moving the task to another
// queue makes the old entry invalid.
type wftEntry struct {
	wt     *workflowTask
	sticky bool
}

func (e *wftEntry) valid() bool {
	wt := e.wt
	return wt.ex.open() && wt.ex.wft == wt && wt.startedID == 0 && wt.onSticky == e.sticky
}

func (e *wftEntry) start(poll *call) { e.wt.start(poll) }

func (ex *execution) scheduleWorkflowTask(attempt int32) {
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
	e.Attributes = &historypb.HistoryEvent_WorkflowTaskScheduledEventAttributes{WorkflowTaskScheduledEventAttributes: &historypb.WorkflowTaskScheduledEventAttributes{
		TaskQueue:           &taskqueuepb.TaskQueue{Name: ex.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		StartToCloseTimeout: durationpb.New(ex.wftTimeout),
		Attempt:             attempt,
	}}
	wt := &workflowTask{ex: ex, schedID: ex.write(e), attempt: attempt, scheduled: ex.s.now}
	ex.wft = wt
	ex.wftNeeded = false
	wt.enqueue()
	if attempt > 1 && ex.s.onRetry != nil {
		ex.s.onRetry(ex.s.now, ex.wfID, attempt)
	}
}

// enqueue puts the task on the run's sticky queue if it has one (with the
// sticky schedule-to-start timeout), else on its normal queue.
func (wt *workflowTask) enqueue() {
	ex, s := wt.ex, wt.ex.s
	if ex.sticky != "" && !s.stickyAlive(ex.sticky) {
		ex.sticky = ""
	}
	wt.onSticky = ex.sticky != ""
	if !wt.onSticky {
		s.queue(workflowQueue, ex.taskQueue, false).push(&wftEntry{wt: wt})
		return
	}
	if ex.stickyWait > 0 {
		wt.timeout = s.after(ex.stickyWait, wt.stickyTimedOut)
	}
	s.queue(workflowQueue, ex.sticky, true).push(&wftEntry{wt: wt, sticky: true})
}

// unstick moves a scheduled task from the sticky queue to the normal one.
func (ex *execution) unstick() {
	ex.sticky = ""
	if wt := ex.wft; wt != nil && wt.startedID == 0 && wt.onSticky {
		wt.timeout.cancel()
		wt.enqueue()
	}
}

func (wt *workflowTask) cancelTimers() { wt.timeout.cancel() }

func (wt *workflowTask) start(poll *call) {
	ex, s := wt.ex, wt.ex.s
	req := poll.req.(*workflowservice.PollWorkflowTaskQueueRequest)
	wt.timeout.cancel()
	if wt.onSticky {
		s.stickySeen(ex.sticky)
	}
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED)
	e.Attributes = &historypb.HistoryEvent_WorkflowTaskStartedEventAttributes{WorkflowTaskStartedEventAttributes: &historypb.WorkflowTaskStartedEventAttributes{
		ScheduledEventId: wt.schedID,
		Identity:         req.GetIdentity(),
		RequestId:        s.newID(),
	}}
	wt.startedID = ex.write(e)
	wt.timeout = s.after(ex.wftTimeout, wt.timedOut)
	events := ex.events
	if wt.onSticky && ex.lastStarted > 0 {
		events = ex.events[ex.lastStarted:]
		s.stats.PartialHistoryTasks++
	} else {
		s.stats.FullHistoryTasks++
	}
	poll.answer(&workflowservice.PollWorkflowTaskQueueResponse{
		TaskToken:                  token{'w', ex.runID, wt.schedID, wt.attempt}.bytes(),
		WorkflowExecution:          ex.execution(),
		WorkflowType:               ex.started.WorkflowType,
		PreviousStartedEventId:     ex.lastStarted,
		StartedEventId:             wt.startedID,
		Attempt:                    wt.attempt,
		History:                    &historypb.History{Events: events},
		WorkflowExecutionTaskQueue: &taskqueuepb.TaskQueue{Name: ex.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		ScheduledTime:              timestamppb.New(wt.scheduled),
		StartedTime:                timestamppb.New(s.now),
		Messages:                   s.updateMessages(ex, wt.startedID),
	})
}

// timedOut ends a started task whose worker did not answer in time; the
// next attempt goes to the normal queue with the full history.
func (wt *workflowTask) timedOut() {
	ex := wt.ex
	if ex.wft != wt || !ex.open() {
		return
	}
	ex.endWorkflowTask(enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowTaskTimedOutEventAttributes{WorkflowTaskTimedOutEventAttributes: &historypb.WorkflowTaskTimedOutEventAttributes{
			ScheduledEventId: wt.schedID, StartedEventId: wt.startedID, TimeoutType: enumspb.TIMEOUT_TYPE_START_TO_CLOSE,
		}}
	})
	ex.scheduleWorkflowTask(wt.attempt + 1)
}

// stickyTimedOut moves a task no sticky poller took in time to the normal
// queue, as the server does when a worker has gone.
func (wt *workflowTask) stickyTimedOut() {
	ex := wt.ex
	if ex.wft != wt || wt.startedID != 0 || !ex.open() {
		return
	}
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT)
	e.Attributes = &historypb.HistoryEvent_WorkflowTaskTimedOutEventAttributes{WorkflowTaskTimedOutEventAttributes: &historypb.WorkflowTaskTimedOutEventAttributes{
		ScheduledEventId: wt.schedID, TimeoutType: enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START,
	}}
	ex.write(e)
	ex.wft = nil
	ex.sticky = ""
	ex.scheduleWorkflowTask(wt.attempt)
}

// endWorkflowTask writes the event that ends a started task unsuccessfully,
// then the events buffered while it ran; stickiness is dropped because the
// worker's cached state is no longer trusted.
func (ex *execution) endWorkflowTask(t enumspb.EventType, set func(*historypb.HistoryEvent)) {
	ex.writeWith(t, set)
	ex.wft.cancelTimers()
	ex.wft = nil
	ex.sticky = ""
	ex.evicted = false
	ex.flush()
}

func handlePollWorkflowTaskQueue(s *Server, c *call) {
	req := c.req.(*workflowservice.PollWorkflowTaskQueueRequest)
	if s.shutdown[req.GetWorkerInstanceKey()] && req.GetWorkerInstanceKey() != "" {
		c.answer(nil)
		return
	}
	c.instance = req.GetWorkerInstanceKey()
	tq := req.GetTaskQueue()
	if tq.GetKind() == enumspb.TASK_QUEUE_KIND_STICKY {
		s.stickySeen(tq.GetName())
		s.queue(workflowQueue, tq.GetName(), true).park(c)
		return
	}
	s.queue(workflowQueue, tq.GetName(), false).park(c)
}
