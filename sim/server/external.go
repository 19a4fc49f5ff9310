package server

import (
	commandpb "go.temporal.io/api/command/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

// find returns the run a request names: the given run, or the workflow's
// latest run when runID is empty.
func (s *Server) find(wfID, runID string) *execution {
	if runID == "" {
		return s.current[wfID]
	}
	if ex := s.byRun[runID]; ex != nil && ex.wfID == wfID {
		return ex
	}
	return nil
}

func (ex *execution) signal(name string, input *commonpb.Payloads, header *commonpb.Header, identity string) {
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
	e.Attributes = &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{
		SignalName: name, Input: input, Identity: identity, Header: header,
	}}
	ex.record(nil, e)
}

// requestCancel records a cancel request once; later ones change nothing.
func (ex *execution) requestCancel(reason, identity string, by *commonpb.WorkflowExecution, byEvent int64) {
	if ex.cancelRequested {
		return
	}
	ex.cancelRequested = true
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
	e.Attributes = &historypb.HistoryEvent_WorkflowExecutionCancelRequestedEventAttributes{WorkflowExecutionCancelRequestedEventAttributes: &historypb.WorkflowExecutionCancelRequestedEventAttributes{
		Cause: reason, Identity: identity, ExternalWorkflowExecution: by, ExternalInitiatedEventId: byEvent,
	}}
	ex.record(nil, e)
}

func (ex *execution) terminate(reason string, details *commonpb.Payloads, identity string) {
	ex.flushForClose()
	ex.writeWith(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowExecutionTerminatedEventAttributes{WorkflowExecutionTerminatedEventAttributes: &historypb.WorkflowExecutionTerminatedEventAttributes{
			Reason: reason, Details: details, Identity: identity,
		}}
	})
	ex.close(enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED)
}

func (ex *execution) signalExternal(a *commandpb.SignalExternalWorkflowExecutionCommandAttributes, done int64) func() {
	s := ex.s
	target := a.GetExecution()
	id := ex.writeWith(enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_SignalExternalWorkflowExecutionInitiatedEventAttributes{SignalExternalWorkflowExecutionInitiatedEventAttributes: &historypb.SignalExternalWorkflowExecutionInitiatedEventAttributes{
			WorkflowTaskCompletedEventId: done, Namespace: s.ns, WorkflowExecution: target, SignalName: a.GetSignalName(),
			Input: a.GetInput(), ChildWorkflowOnly: a.GetChildWorkflowOnly(), Header: a.GetHeader(),
		}}
	})
	return func() {
		t := s.find(target.GetWorkflowId(), target.GetRunId())
		e := ex.newEvent(enumspb.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED)
		if t == nil || !t.open() {
			e.EventType = enumspb.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED
			e.Attributes = &historypb.HistoryEvent_SignalExternalWorkflowExecutionFailedEventAttributes{SignalExternalWorkflowExecutionFailedEventAttributes: &historypb.SignalExternalWorkflowExecutionFailedEventAttributes{
				Cause: enumspb.SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND, WorkflowTaskCompletedEventId: done,
				Namespace: s.ns, WorkflowExecution: target, InitiatedEventId: id,
			}}
		} else {
			t.signal(a.GetSignalName(), a.GetInput(), a.GetHeader(), "")
			e.Attributes = &historypb.HistoryEvent_ExternalWorkflowExecutionSignaledEventAttributes{ExternalWorkflowExecutionSignaledEventAttributes: &historypb.ExternalWorkflowExecutionSignaledEventAttributes{
				InitiatedEventId: id, Namespace: s.ns, WorkflowExecution: target,
			}}
		}
		if ex.open() {
			ex.record(nil, e)
		}
	}
}

func (ex *execution) cancelExternal(a *commandpb.RequestCancelExternalWorkflowExecutionCommandAttributes, done int64) func() {
	s := ex.s
	target := &commonpb.WorkflowExecution{WorkflowId: a.GetWorkflowId(), RunId: a.GetRunId()}
	id := ex.writeWith(enumspb.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_RequestCancelExternalWorkflowExecutionInitiatedEventAttributes{RequestCancelExternalWorkflowExecutionInitiatedEventAttributes: &historypb.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes{
			WorkflowTaskCompletedEventId: done, Namespace: s.ns, WorkflowExecution: target,
			ChildWorkflowOnly: a.GetChildWorkflowOnly(), Reason: a.GetReason(),
		}}
	})
	return func() {
		t := s.find(target.GetWorkflowId(), target.GetRunId())
		e := ex.newEvent(enumspb.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED)
		if t == nil || !t.open() {
			e.EventType = enumspb.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED
			e.Attributes = &historypb.HistoryEvent_RequestCancelExternalWorkflowExecutionFailedEventAttributes{RequestCancelExternalWorkflowExecutionFailedEventAttributes: &historypb.RequestCancelExternalWorkflowExecutionFailedEventAttributes{
				Cause: enumspb.CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED_CAUSE_EXTERNAL_WORKFLOW_EXECUTION_NOT_FOUND, WorkflowTaskCompletedEventId: done,
				Namespace: s.ns, WorkflowExecution: target, InitiatedEventId: id,
			}}
		} else {
			t.requestCancel(a.GetReason(), "", ex.execution(), id)
			e.Attributes = &historypb.HistoryEvent_ExternalWorkflowExecutionCancelRequestedEventAttributes{ExternalWorkflowExecutionCancelRequestedEventAttributes: &historypb.ExternalWorkflowExecutionCancelRequestedEventAttributes{
				InitiatedEventId: id, Namespace: s.ns, WorkflowExecution: target,
			}}
		}
		if ex.open() {
			ex.record(nil, e)
		}
	}
}
