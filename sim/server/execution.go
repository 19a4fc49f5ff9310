package server

import (
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// execution is one workflow run: its history and the mutable state the
// server derives from it.
type execution struct {
	s         *Server
	wfID      string
	runID     string
	firstRun  string
	typ       string
	taskQueue string
	started   *historypb.WorkflowExecutionStartedEventAttributes
	startTime time.Time
	closeTime time.Time

	events   []*historypb.HistoryEvent
	buffered []buffered
	status   enumspb.WorkflowExecutionStatus
	waiters  []*call // history long polls for the close event

	wft         *workflowTask
	wftNeeded   bool
	completing  bool        // commands of a completed workflow task are being applied
	eager       []*activity // activities the completing task asked to run eagerly
	wftTimeout  time.Duration
	lastStarted int64 // started event id of the last completed workflow task
	sticky      string
	stickyWait  time.Duration
	// evicted says the sticky cache dropped the run while a task ran: the
	// task's completion gets no stickiness (task_faults.go).
	evicted bool

	activities      map[int64]*activity
	timers          map[string]*userTimer
	children        map[int64]*child
	parent          *childLink
	cancelRequested bool
	runTimer        *timer
	expires         time.Time // end of the execution timeout; zero for none
}

// buffered is an event that arrived while a workflow task was running; it
// gets its id when the task ends. fix, if set, runs after ids are assigned
// (a close event naming the id of a started event buffered with it).
type buffered struct {
	e   *historypb.HistoryEvent
	fix func()
}

func (ex *execution) open() bool {
	return ex.status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
}

func (ex *execution) nextID() int64 { return int64(len(ex.events)) + 1 }

func (ex *execution) newEvent(t enumspb.EventType) *historypb.HistoryEvent {
	return &historypb.HistoryEvent{EventType: t, EventTime: timestamppb.New(ex.s.now)}
}

// write appends e to the history now and returns its id.
func (ex *execution) write(e *historypb.HistoryEvent) int64 {
	e.EventId = ex.nextID()
	ex.events = append(ex.events, e)
	return e.EventId
}

// record adds events that need the workflow's attention: buffered while
// a workflow task runs (the history must show that task's completion
// first), written otherwise; either way a workflow task follows. fix runs
// once the events have ids.
func (ex *execution) record(fix func(), events ...*historypb.HistoryEvent) {
	if ex.wft != nil && ex.wft.startedID != 0 {
		for i, e := range events {
			b := buffered{e: e}
			if i == len(events)-1 {
				b.fix = fix
			}
			ex.buffered = append(ex.buffered, b)
		}
		ex.wftNeeded = true
		return
	}
	for _, e := range events {
		ex.write(e)
	}
	if fix != nil {
		fix()
	}
	ex.needWorkflowTask()
}

// flush writes the buffered events once the running workflow task ended.
func (ex *execution) flush() {
	for _, b := range ex.buffered {
		ex.write(b.e)
		if b.fix != nil {
			b.fix()
		}
	}
	ex.buffered = nil
}

// needWorkflowTask schedules a workflow task unless one is pending; a task
// that is running gets a successor when it completes.
func (ex *execution) needWorkflowTask() {
	if !ex.open() {
		return
	}
	if ex.completing {
		ex.wftNeeded = true
		return
	}
	if ex.wft != nil {
		if ex.wft.startedID != 0 {
			ex.wftNeeded = true
		}
		return
	}
	ex.scheduleWorkflowTask(1)
}

// close ends the run with its close event already written: pending work is
// dropped, waiters answered, children handled by their parent close
// policy, and the parent told.
func (ex *execution) close(status enumspb.WorkflowExecutionStatus) {
	ex.status = status
	ex.closeTime = ex.s.now
	if ex.wft != nil {
		ex.wft.cancelTimers()
		ex.wft = nil
	}
	ex.buffered = nil
	ex.runTimer.cancel()
	for _, id := range sortedKeys(ex.activities) {
		ex.activities[id].drop()
	}
	for _, id := range sortedKeys(ex.timers) {
		ex.timers[id].t.cancel()
	}
	ex.timers = nil
	ex.applyParentClosePolicy()
	ex.s.closeUpdates(ex)
	last := ex.events[len(ex.events)-1]
	for _, w := range ex.waiters {
		w.answer(historyResponse([]*historypb.HistoryEvent{last}))
	}
	ex.waiters = nil
	if ex.parent != nil && status != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
		ex.parent.report(ex, last)
	}
}
