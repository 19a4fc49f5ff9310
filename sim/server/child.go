package server

import (
	commandpb "go.temporal.io/api/command/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

// childLink ties a child workflow (all runs of its continue-as-new chain)
// to the parent run that started it.
type childLink struct {
	parent    *execution
	initiated int64
	startedID int64
	policy    enumspb.ParentClosePolicy
	first     *commonpb.WorkflowExecution
	typ       *commonpb.WorkflowType
	run       *execution // the child's latest run
}

type child = childLink

func (ex *execution) initiateChild(a *commandpb.StartChildWorkflowExecutionCommandAttributes, done int64) func() {
	s := ex.s
	id := ex.writeWith(enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_StartChildWorkflowExecutionInitiatedEventAttributes{StartChildWorkflowExecutionInitiatedEventAttributes: &historypb.StartChildWorkflowExecutionInitiatedEventAttributes{
			Namespace: s.ns, WorkflowId: a.GetWorkflowId(), WorkflowType: a.GetWorkflowType(), TaskQueue: a.GetTaskQueue(), Input: a.GetInput(),
			WorkflowExecutionTimeout: a.GetWorkflowExecutionTimeout(), WorkflowRunTimeout: a.GetWorkflowRunTimeout(),
			WorkflowTaskTimeout: a.GetWorkflowTaskTimeout(), ParentClosePolicy: a.GetParentClosePolicy(),
			WorkflowTaskCompletedEventId: done, WorkflowIdReusePolicy: a.GetWorkflowIdReusePolicy(), Header: a.GetHeader(),
			Memo: a.GetMemo(), SearchAttributes: a.GetSearchAttributes(), Priority: a.GetPriority(),
		}}
	})
	return func() {
		if !ex.open() {
			return
		}
		if cur := s.current[a.GetWorkflowId()]; cur != nil && cur.open() {
			e := ex.newEvent(enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED)
			e.Attributes = &historypb.HistoryEvent_StartChildWorkflowExecutionFailedEventAttributes{StartChildWorkflowExecutionFailedEventAttributes: &historypb.StartChildWorkflowExecutionFailedEventAttributes{
				Namespace: s.ns, WorkflowId: a.GetWorkflowId(), WorkflowType: a.GetWorkflowType(),
				Cause:            enumspb.START_CHILD_WORKFLOW_EXECUTION_FAILED_CAUSE_WORKFLOW_ALREADY_EXISTS,
				InitiatedEventId: id, WorkflowTaskCompletedEventId: done,
			}}
			ex.record(nil, e)
			return
		}
		tq := a.GetTaskQueue().GetName()
		if tq == "" {
			tq = ex.taskQueue
		}
		link := &childLink{parent: ex, initiated: id, policy: a.GetParentClosePolicy(), typ: a.GetWorkflowType()}
		ex.children[id] = link
		run := s.startRun(runSpec{
			wfID: a.GetWorkflowId(), typ: a.GetWorkflowType().GetName(), taskQueue: tq, input: a.GetInput(),
			header: a.GetHeader(), memo: a.GetMemo(), search: a.GetSearchAttributes(),
			execTimeout: dur(a.GetWorkflowExecutionTimeout()), runTimeout: dur(a.GetWorkflowRunTimeout()),
			taskTimeout: dur(a.GetWorkflowTaskTimeout()), parent: link,
		})
		link.first = run.execution()
		s.scheduled(Scheduled{Child: true, RunID: run.runID, ID: a.GetWorkflowId(), Type: a.GetWorkflowType().GetName()})
		e := ex.newEvent(enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
		e.Attributes = &historypb.HistoryEvent_ChildWorkflowExecutionStartedEventAttributes{ChildWorkflowExecutionStartedEventAttributes: &historypb.ChildWorkflowExecutionStartedEventAttributes{
			Namespace: s.ns, InitiatedEventId: id, WorkflowExecution: link.first, WorkflowType: link.typ, Header: a.GetHeader(),
		}}
		ex.record(func() { link.startedID = e.EventId }, e)
	}
}

// report tells the parent how its child's chain of runs ended.
func (l *childLink) report(run *execution, last *historypb.HistoryEvent) {
	p := l.parent
	if !p.open() || p.children[l.initiated] != l {
		return
	}
	delete(p.children, l.initiated)
	ns, we, wt, init, st := p.s.ns, run.execution(), l.typ, l.initiated, l.startedID
	e := p.newEvent(enumspb.EVENT_TYPE_UNSPECIFIED)
	switch last.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		e.EventType = enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED
		e.Attributes = &historypb.HistoryEvent_ChildWorkflowExecutionCompletedEventAttributes{ChildWorkflowExecutionCompletedEventAttributes: &historypb.ChildWorkflowExecutionCompletedEventAttributes{
			Result: last.GetWorkflowExecutionCompletedEventAttributes().GetResult(), Namespace: ns, WorkflowExecution: we, WorkflowType: wt, InitiatedEventId: init, StartedEventId: st,
		}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		a := last.GetWorkflowExecutionFailedEventAttributes()
		e.EventType = enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED
		e.Attributes = &historypb.HistoryEvent_ChildWorkflowExecutionFailedEventAttributes{ChildWorkflowExecutionFailedEventAttributes: &historypb.ChildWorkflowExecutionFailedEventAttributes{
			Failure: a.GetFailure(), Namespace: ns, WorkflowExecution: we, WorkflowType: wt, InitiatedEventId: init, StartedEventId: st, RetryState: a.GetRetryState(),
		}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		e.EventType = enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED
		e.Attributes = &historypb.HistoryEvent_ChildWorkflowExecutionCanceledEventAttributes{ChildWorkflowExecutionCanceledEventAttributes: &historypb.ChildWorkflowExecutionCanceledEventAttributes{
			Details: last.GetWorkflowExecutionCanceledEventAttributes().GetDetails(), Namespace: ns, WorkflowExecution: we, WorkflowType: wt, InitiatedEventId: init, StartedEventId: st,
		}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		e.EventType = enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED
		e.Attributes = &historypb.HistoryEvent_ChildWorkflowExecutionTerminatedEventAttributes{ChildWorkflowExecutionTerminatedEventAttributes: &historypb.ChildWorkflowExecutionTerminatedEventAttributes{
			Namespace: ns, WorkflowExecution: we, WorkflowType: wt, InitiatedEventId: init, StartedEventId: st,
		}}
	default: // timed out
		e.EventType = enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT
		e.Attributes = &historypb.HistoryEvent_ChildWorkflowExecutionTimedOutEventAttributes{ChildWorkflowExecutionTimedOutEventAttributes: &historypb.ChildWorkflowExecutionTimedOutEventAttributes{
			Namespace: ns, WorkflowExecution: we, WorkflowType: wt, InitiatedEventId: init, StartedEventId: st, RetryState: enumspb.RETRY_STATE_TIMEOUT,
		}}
	}
	p.record(nil, e)
}

// applyParentClosePolicy acts on the open children of a closing run:
// terminate (the default), request cancel, or abandon.
func (ex *execution) applyParentClosePolicy() {
	for _, id := range sortedKeys(ex.children) {
		l := ex.children[id]
		if l.run == nil || !l.run.open() {
			continue
		}
		switch l.policy {
		case enumspb.PARENT_CLOSE_POLICY_ABANDON:
		case enumspb.PARENT_CLOSE_POLICY_REQUEST_CANCEL:
			l.run.requestCancel("by parent close policy", "", nil, 0)
		default:
			l.run.terminate("by parent close policy", nil, "")
		}
	}
}
