package server

import (
	"fmt"

	commandpb "go.temporal.io/api/command/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func unimplemented(format string, args ...any) error {
	return status.Errorf(codes.Unimplemented, "temporalsim server: "+format, args...)
}

// supportedCommands are the commands apply turns into events.
var supportedCommands = map[enumspb.CommandType]bool{
	enumspb.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:                     true,
	enumspb.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:               true,
	enumspb.COMMAND_TYPE_START_TIMER:                                true,
	enumspb.COMMAND_TYPE_CANCEL_TIMER:                               true,
	enumspb.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:                true,
	enumspb.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:                    true,
	enumspb.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:                  true,
	enumspb.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:         true,
	enumspb.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:             true,
	enumspb.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:         true,
	enumspb.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION: true,
	enumspb.COMMAND_TYPE_RECORD_MARKER:                              true,
	enumspb.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:          true,
	enumspb.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:                 true,
	enumspb.COMMAND_TYPE_PROTOCOL_MESSAGE:                           true,
}

// unsupportedCommand names the first command the server cannot apply.
func unsupportedCommand(cmds []*commandpb.Command) string {
	for _, c := range cmds {
		if !supportedCommands[c.GetCommandType()] {
			return c.GetCommandType().String()
		}
		if a := c.GetContinueAsNewWorkflowExecutionCommandAttributes(); a != nil && (a.GetCronSchedule() != "" || a.GetBackoffStartInterval().AsDuration() > 0) {
			return "ContinueAsNewWorkflowExecution with a cron schedule or start backoff"
		}
		if a := c.GetStartChildWorkflowExecutionCommandAttributes(); a != nil && (a.GetCronSchedule() != "" || a.GetRetryPolicy() != nil) {
			return "StartChildWorkflowExecution with a cron schedule or retry policy"
		}
	}
	return ""
}

// apply turns one command into its events. done is the id of the
// WorkflowTaskCompleted event. It returns work to do after the task's
// buffered events are written (starting children and reaching other runs,
// which the server does after the task commits).
func (ex *execution) apply(cmd *commandpb.Command, done int64, identity string) func() {
	switch cmd.GetCommandType() {
	case enumspb.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
		ex.scheduleActivity(cmd.GetScheduleActivityTaskCommandAttributes(), done)
	case enumspb.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
		ex.requestCancelActivity(cmd.GetRequestCancelActivityTaskCommandAttributes().GetScheduledEventId(), done)
	case enumspb.COMMAND_TYPE_START_TIMER:
		ex.startTimer(cmd.GetStartTimerCommandAttributes(), done)
	case enumspb.COMMAND_TYPE_CANCEL_TIMER:
		ex.cancelTimer(cmd.GetCancelTimerCommandAttributes().GetTimerId(), done, identity)
	case enumspb.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
		ex.closeBy(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED,
			func(e *historypb.HistoryEvent) {
				e.Attributes = &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{
					Result: cmd.GetCompleteWorkflowExecutionCommandAttributes().GetResult(), WorkflowTaskCompletedEventId: done,
				}}
			})
	case enumspb.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
		ex.closeBy(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED,
			func(e *historypb.HistoryEvent) {
				e.Attributes = &historypb.HistoryEvent_WorkflowExecutionFailedEventAttributes{WorkflowExecutionFailedEventAttributes: &historypb.WorkflowExecutionFailedEventAttributes{
					Failure: cmd.GetFailWorkflowExecutionCommandAttributes().GetFailure(), WorkflowTaskCompletedEventId: done,
					RetryState: enumspb.RETRY_STATE_RETRY_POLICY_NOT_SET,
				}}
			})
	case enumspb.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
		ex.closeBy(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED,
			func(e *historypb.HistoryEvent) {
				e.Attributes = &historypb.HistoryEvent_WorkflowExecutionCanceledEventAttributes{WorkflowExecutionCanceledEventAttributes: &historypb.WorkflowExecutionCanceledEventAttributes{
					Details: cmd.GetCancelWorkflowExecutionCommandAttributes().GetDetails(), WorkflowTaskCompletedEventId: done,
				}}
			})
	case enumspb.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
		ex.continueAsNew(cmd.GetContinueAsNewWorkflowExecutionCommandAttributes(), done)
	case enumspb.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION:
		return ex.initiateChild(cmd.GetStartChildWorkflowExecutionCommandAttributes(), done)
	case enumspb.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION:
		return ex.signalExternal(cmd.GetSignalExternalWorkflowExecutionCommandAttributes(), done)
	case enumspb.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION:
		return ex.cancelExternal(cmd.GetRequestCancelExternalWorkflowExecutionCommandAttributes(), done)
	case enumspb.COMMAND_TYPE_RECORD_MARKER:
		a := cmd.GetRecordMarkerCommandAttributes()
		ex.writeWith(enumspb.EVENT_TYPE_MARKER_RECORDED, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_MarkerRecordedEventAttributes{MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
				MarkerName: a.GetMarkerName(), Details: a.GetDetails(), WorkflowTaskCompletedEventId: done, Header: a.GetHeader(), Failure: a.GetFailure(),
			}}
		})
	case enumspb.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
		ex.writeWith(enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_UpsertWorkflowSearchAttributesEventAttributes{UpsertWorkflowSearchAttributesEventAttributes: &historypb.UpsertWorkflowSearchAttributesEventAttributes{
				WorkflowTaskCompletedEventId: done, SearchAttributes: cmd.GetUpsertWorkflowSearchAttributesCommandAttributes().GetSearchAttributes(),
			}}
		})
	case enumspb.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES:
		ex.writeWith(enumspb.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_WorkflowPropertiesModifiedEventAttributes{WorkflowPropertiesModifiedEventAttributes: &historypb.WorkflowPropertiesModifiedEventAttributes{
				WorkflowTaskCompletedEventId: done, UpsertedMemo: cmd.GetModifyWorkflowPropertiesCommandAttributes().GetUpsertedMemo(),
			}}
		})
	case enumspb.COMMAND_TYPE_PROTOCOL_MESSAGE:
		ex.protocolMessage(cmd.GetProtocolMessageCommandAttributes().GetMessageId())
	default:
		panic(fmt.Sprintf("temporalsim server: command %s passed the support check but has no case", cmd.GetCommandType()))
	}
	return nil
}

// writeWith writes an event of type t whose attributes set fills in, and
// returns its id. (The attributes' oneof interface is unexported, hence
// the setter.)
func (ex *execution) writeWith(t enumspb.EventType, set func(*historypb.HistoryEvent)) int64 {
	e := ex.newEvent(t)
	set(e)
	return ex.write(e)
}

// closeBy writes the close event the workflow chose and closes the run.
func (ex *execution) closeBy(t enumspb.EventType, st enumspb.WorkflowExecutionStatus, set func(*historypb.HistoryEvent)) {
	ex.writeWith(t, set)
	ex.close(st)
}

func (ex *execution) continueAsNew(a *commandpb.ContinueAsNewWorkflowExecutionCommandAttributes, done int64) {
	s := ex.s
	tq := a.GetTaskQueue().GetName()
	if tq == "" {
		tq = ex.taskQueue
	}
	typ := a.GetWorkflowType().GetName()
	if typ == "" {
		typ = ex.typ
	}
	runID := s.newID()
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW)
	attrs := &historypb.WorkflowExecutionContinuedAsNewEventAttributes{
		NewExecutionRunId: runID, WorkflowType: ex.started.WorkflowType, TaskQueue: ex.started.TaskQueue, Input: a.GetInput(),
		WorkflowRunTimeout: a.GetWorkflowRunTimeout(), WorkflowTaskTimeout: a.GetWorkflowTaskTimeout(),
		WorkflowTaskCompletedEventId: done, Initiator: a.GetInitiator(),
		LastCompletionResult: a.GetLastCompletionResult(), Header: a.GetHeader(), Memo: a.GetMemo(), SearchAttributes: a.GetSearchAttributes(),
	}
	e.Attributes = &historypb.HistoryEvent_WorkflowExecutionContinuedAsNewEventAttributes{WorkflowExecutionContinuedAsNewEventAttributes: attrs}
	ex.write(e)
	parent := ex.parent
	ex.close(enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW)
	s.startRun(runSpec{
		runID: runID, wfID: ex.wfID, typ: typ, taskQueue: tq, input: a.GetInput(), header: a.GetHeader(),
		memo: a.GetMemo(), search: a.GetSearchAttributes(),
		execTimeout: ex.started.GetWorkflowExecutionTimeout().AsDuration(),
		runTimeout:  a.GetWorkflowRunTimeout().AsDuration(), taskTimeout: a.GetWorkflowTaskTimeout().AsDuration(),
		identity: ex.started.GetIdentity(), parent: parent, previous: ex, initiator: a.GetInitiator(),
		lastResult: a.GetLastCompletionResult(),
	})
}
