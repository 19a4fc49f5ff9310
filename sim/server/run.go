package server

import (
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// runSpec is what a new run starts from: a client's start request, a
// parent's StartChildWorkflowExecution, or a ContinueAsNew.
type runSpec struct {
	runID                          string // preset by ContinueAsNew, which names it first
	wfID, typ, taskQueue, identity string
	input                          *commonpb.Payloads
	header                         *commonpb.Header
	memo                           *commonpb.Memo
	search                         *commonpb.SearchAttributes
	execTimeout, runTimeout        time.Duration
	taskTimeout                    time.Duration
	parent                         *childLink
	previous                       *execution // the run this one continues
	initiator                      enumspb.ContinueAsNewInitiator
	lastResult                     *commonpb.Payloads
}

// startRun creates a run, writes WorkflowExecutionStarted and schedules the
// first workflow task.
func (s *Server) startRun(sp runSpec) *execution {
	if sp.runTimeout == 0 {
		sp.runTimeout = sp.execTimeout
	}
	// The execution timeout spans a continue-as-new chain: a run gets what
	// is left of it, as the server's expiration time does.
	expires := time.Time{}
	if sp.execTimeout > 0 {
		expires = s.now.Add(sp.execTimeout)
	}
	if p := sp.previous; p != nil {
		expires = p.expires
	}
	runTimer := sp.runTimeout
	if !expires.IsZero() && (runTimer == 0 || s.now.Add(runTimer).After(expires)) {
		runTimer = expires.Sub(s.now)
	}
	if sp.taskTimeout == 0 {
		sp.taskTimeout = defaultWorkflowTaskTimeout
	}
	if sp.runID == "" {
		sp.runID = s.newID()
	}
	ex := &execution{
		s: s, wfID: sp.wfID, runID: sp.runID, typ: sp.typ, taskQueue: sp.taskQueue,
		startTime: s.now, status: enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		wftTimeout: sp.taskTimeout, parent: sp.parent,
		activities: map[int64]*activity{}, timers: map[string]*userTimer{}, children: map[int64]*child{},
	}
	ex.firstRun = ex.runID
	attrs := &historypb.WorkflowExecutionStartedEventAttributes{
		WorkflowType:                    &commonpb.WorkflowType{Name: sp.typ},
		TaskQueue:                       &taskqueuepb.TaskQueue{Name: sp.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		Input:                           sp.input,
		WorkflowExecutionTimeout:        durationpb.New(sp.execTimeout),
		WorkflowRunTimeout:              durationpb.New(sp.runTimeout),
		WorkflowExecutionExpirationTime: expirationTime(expires),
		WorkflowTaskTimeout:             durationpb.New(sp.taskTimeout),
		OriginalExecutionRunId:          ex.runID,
		Identity:                        sp.identity,
		FirstExecutionRunId:             ex.runID,
		Attempt:                         1,
		Memo:                            sp.memo,
		SearchAttributes:                sp.search,
		Header:                          sp.header,
		WorkflowId:                      sp.wfID,
	}
	if p := sp.previous; p != nil {
		ex.firstRun = p.firstRun
		attrs.FirstExecutionRunId = p.firstRun
		attrs.ContinuedExecutionRunId = p.runID
		attrs.Initiator = sp.initiator
		attrs.LastCompletionResult = sp.lastResult
	}
	if l := sp.parent; l != nil {
		attrs.ParentWorkflowNamespace = s.ns
		attrs.ParentWorkflowExecution = l.parent.execution()
		attrs.ParentInitiatedEventId = l.initiated
		l.run = ex
	}
	ex.started = attrs
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
	e.Attributes = &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{WorkflowExecutionStartedEventAttributes: attrs}
	ex.write(e)
	s.runs = append(s.runs, ex)
	s.byRun[ex.runID] = ex
	s.current[ex.wfID] = ex
	ex.expires = expires
	if runTimer > 0 {
		ex.runTimer = s.after(runTimer, ex.runTimedOut)
	}
	ex.scheduleWorkflowTask(1)
	return ex
}

func (ex *execution) execution() *commonpb.WorkflowExecution {
	return &commonpb.WorkflowExecution{WorkflowId: ex.wfID, RunId: ex.runID}
}

// runTimedOut closes a run that outlived its run timeout.
func (ex *execution) runTimedOut() {
	if !ex.open() {
		return
	}
	ex.flushForClose()
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT)
	e.Attributes = &historypb.HistoryEvent_WorkflowExecutionTimedOutEventAttributes{WorkflowExecutionTimedOutEventAttributes: &historypb.WorkflowExecutionTimedOutEventAttributes{
		RetryState: enumspb.RETRY_STATE_TIMEOUT,
	}}
	ex.write(e)
	ex.close(enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT)
}

// flushForClose writes what is buffered before a close the workflow did
// not decide itself (terminate, timeout). As the Temporal server does, a
// workflow task that was started is failed first (cause
// FORCE_CLOSE_COMMAND): without that event the SDK's replayer takes the
// commands the replayed code issues in it for commands the history lacks.
func (ex *execution) flushForClose() {
	if wt := ex.wft; wt != nil && wt.startedID != 0 {
		ex.endWorkflowTask(enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_WorkflowTaskFailedEventAttributes{WorkflowTaskFailedEventAttributes: &historypb.WorkflowTaskFailedEventAttributes{
				ScheduledEventId: wt.schedID, StartedEventId: wt.startedID,
				Cause: enumspb.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND, Identity: "history-service",
			}}
		})
		return
	}
	if ex.wft != nil {
		ex.wft.cancelTimers()
	}
	ex.flush()
}

func expirationTime(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
