package server

import (
	"slices"

	commandpb "go.temporal.io/api/command/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	sdkpb "go.temporal.io/api/sdk/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/proto"
)

func notFound(format string, args ...any) error {
	return serviceerror.ToStatus(serviceerror.NewNotFoundf(format, args...)).Err()
}

// startedWorkflowTask resolves a workflow task token to its run and task,
// or a NotFound error as the server answers stale tokens.
func (s *Server) startedWorkflowTask(b []byte) (*execution, *workflowTask, error) {
	tok, ok := parseToken(b)
	if !ok || tok.kind != 'w' {
		return nil, nil, serviceerror.ToStatus(serviceerror.NewInvalidArgument("malformed workflow task token")).Err()
	}
	ex := s.byRun[tok.runID]
	if ex == nil || !ex.open() {
		return nil, nil, notFound("workflow execution already completed")
	}
	wt := ex.wft
	if wt == nil || wt.schedID != tok.sched || wt.attempt != tok.attempt || wt.startedID == 0 {
		return nil, nil, notFound("workflow task not found")
	}
	return ex, wt, nil
}

func handleRespondWorkflowTaskCompleted(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondWorkflowTaskCompletedRequest)
	ex, wt, err := s.startedWorkflowTask(req.GetTaskToken())
	if err != nil {
		c.fail(err)
		return
	}
	if bad := unsupportedCommand(req.GetCommands()); bad != "" {
		// The task stays started and times out; the reason is kept for the
		// driver, which reports it as the engine's limit.
		s.unsupported = append(s.unsupported, bad)
		c.fail(unimplemented("command %s is not implemented", bad))
		return
	}
	if f, ok := s.takeTaskFault(); ok {
		s.faultCompletion(f, ex, wt, c, req.GetIdentity())
		return
	}
	if (len(ex.buffered) > 0 || s.unansweredUpdates(ex, req.GetMessages())) && closesWorkflow(req.GetCommands()) {
		// New events arrived while the worker decided to close: the server
		// refuses the close so the workflow sees them first.
		ex.endWorkflowTask(enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_WorkflowTaskFailedEventAttributes{WorkflowTaskFailedEventAttributes: &historypb.WorkflowTaskFailedEventAttributes{
				ScheduledEventId: wt.schedID, StartedEventId: wt.startedID,
				Cause: enumspb.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, Identity: req.GetIdentity(),
			}}
		})
		ex.scheduleWorkflowTask(1)
		c.answer(&workflowservice.RespondWorkflowTaskCompletedResponse{})
		return
	}
	e := ex.newEvent(enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
	e.Attributes = &historypb.HistoryEvent_WorkflowTaskCompletedEventAttributes{WorkflowTaskCompletedEventAttributes: &historypb.WorkflowTaskCompletedEventAttributes{
		ScheduledEventId: wt.schedID, StartedEventId: wt.startedID, Identity: req.GetIdentity(),
		SdkMetadata: sortedFlags(req.GetSdkMetadata()), MeteringMetadata: req.GetMeteringMetadata(),
	}}
	done := ex.write(e)
	wt.cancelTimers()
	ex.wft = nil
	ex.lastStarted = wt.startedID
	if ex.evicted {
		ex.evicted = false // the worker's cache dropped the run: no stickiness (task_faults.go)
	} else if sa := req.GetStickyAttributes(); sa != nil && sa.GetWorkerTaskQueue().GetName() != "" && !s.deadSticky[sa.GetWorkerTaskQueue().GetName()] {
		ex.sticky = sa.GetWorkerTaskQueue().GetName()
		ex.stickyWait = sa.GetScheduleToStartTimeout().AsDuration()
	}
	ex.completing = true
	s.beginMessages(req.GetMessages())
	var later []func()
	for _, cmd := range req.GetCommands() {
		if f := ex.apply(cmd, done, req.GetIdentity()); f != nil {
			later = append(later, f)
		}
		if !ex.open() {
			break
		}
	}
	s.endMessages(ex, req.GetMessages())
	ex.completing = false
	resp := &workflowservice.RespondWorkflowTaskCompletedResponse{ActivityTasks: ex.startEager(req.GetIdentity())}
	if ex.open() {
		ex.flush()
		for _, f := range later {
			f()
		}
		if ex.wftNeeded || req.GetForceCreateNewWorkflowTask() {
			ex.scheduleWorkflowTask(1)
		}
	} else {
		for _, f := range later {
			f()
		}
	}
	c.answer(resp)
}

func handleRespondWorkflowTaskFailed(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondWorkflowTaskFailedRequest)
	ex, wt, err := s.startedWorkflowTask(req.GetTaskToken())
	if err != nil {
		c.fail(err)
		return
	}
	ex.endWorkflowTask(enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowTaskFailedEventAttributes{WorkflowTaskFailedEventAttributes: &historypb.WorkflowTaskFailedEventAttributes{
			ScheduledEventId: wt.schedID, StartedEventId: wt.startedID, Cause: req.GetCause(),
			Failure: req.GetFailure(), Identity: req.GetIdentity(),
		}}
	})
	if s.taskFailed != nil && s.taskFailed(WorkflowTaskFailure{WorkflowID: ex.wfID, RunID: ex.runID, WorkflowType: ex.typ,
		Cause: req.GetCause(), Failure: req.GetFailure(), Identity: req.GetIdentity(), History: slices.Clip(ex.events)}) {
		c.answer(&workflowservice.RespondWorkflowTaskFailedResponse{})
		return
	}
	ex.scheduleWorkflowTask(wt.attempt + 1)
	c.answer(&workflowservice.RespondWorkflowTaskFailedResponse{})
}

func closesWorkflow(cmds []*commandpb.Command) bool {
	for _, c := range cmds {
		switch c.GetCommandType() {
		case enumspb.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION, enumspb.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
			enumspb.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION, enumspb.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
			return true
		}
	}
	return false
}

// sortedFlags copies the SDK's metadata with its flag lists sorted: they
// are sets, and the SDK lists them in map order.
func sortedFlags(m *sdkpb.WorkflowTaskCompletedMetadata) *sdkpb.WorkflowTaskCompletedMetadata {
	if m == nil {
		return nil
	}
	out := proto.Clone(m).(*sdkpb.WorkflowTaskCompletedMetadata)
	slices.Sort(out.CoreUsedFlags)
	slices.Sort(out.LangUsedFlags)
	return out
}
