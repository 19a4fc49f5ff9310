package server

import (
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	namespacepb "go.temporal.io/api/namespace/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
)

// handlers maps WorkflowService method names to the loop's handlers; any
// other method is answered Unimplemented, naming it.
var handlers map[string]func(*Server, *call)

func init() {
	handlers = map[string]func(*Server, *call){
		"GetSystemInfo":                    handleGetSystemInfo,
		"DescribeNamespace":                handleDescribeNamespace,
		"StartWorkflowExecution":           handleStartWorkflowExecution,
		"SignalWorkflowExecution":          handleSignalWorkflowExecution,
		"RequestCancelWorkflowExecution":   handleRequestCancelWorkflowExecution,
		"TerminateWorkflowExecution":       handleTerminateWorkflowExecution,
		"GetWorkflowExecutionHistory":      handleGetWorkflowExecutionHistory,
		"DescribeWorkflowExecution":        handleDescribeWorkflowExecution,
		"PollWorkflowTaskQueue":            handlePollWorkflowTaskQueue,
		"RespondWorkflowTaskCompleted":     handleRespondWorkflowTaskCompleted,
		"RespondWorkflowTaskFailed":        handleRespondWorkflowTaskFailed,
		"PollActivityTaskQueue":            handlePollActivityTaskQueue,
		"RespondActivityTaskCompleted":     handleRespondActivityTaskCompleted,
		"RespondActivityTaskCompletedById": handleRespondActivityTaskCompletedByID,
		"RespondActivityTaskFailed":        handleRespondActivityTaskFailed,
		"RespondActivityTaskFailedById":    handleRespondActivityTaskFailedByID,
		"RespondActivityTaskCanceled":      handleRespondActivityTaskCanceled,
		"RespondActivityTaskCanceledById":  handleRespondActivityTaskCanceledByID,
		"ShutdownWorker":                   handleShutdownWorker,
		"ResetStickyTaskQueue":             handleResetStickyTaskQueue,
		"QueryWorkflow":                    handleQueryWorkflow,
		"RespondQueryTaskCompleted":        handleRespondQueryTaskCompleted,
		"UpdateWorkflowExecution":          handleUpdateWorkflowExecution,
		"PollWorkflowExecutionUpdate":      handlePollWorkflowExecutionUpdate,
		disconnectNote:                     handleDisconnect,
		evictNote:                          handleNote,
		taskFaultNote:                      handleNote,
	}
}

func handleGetSystemInfo(s *Server, c *call) {
	c.answer(&workflowservice.GetSystemInfoResponse{ServerVersion: "temporalsim", Capabilities: &workflowservice.GetSystemInfoResponse_Capabilities{
		SignalAndQueryHeader: true, InternalErrorDifferentiation: true, ActivityFailureIncludeHeartbeat: true,
		EncodedFailureAttributes: true, UpsertMemo: true, SdkMetadata: true,
	}})
}

func handleDescribeNamespace(s *Server, c *call) {
	req := c.req.(*workflowservice.DescribeNamespaceRequest)
	if req.GetNamespace() != s.ns {
		c.fail(serviceerror.ToStatus(serviceerror.NewNamespaceNotFound(req.GetNamespace())).Err())
		return
	}
	c.answer(&workflowservice.DescribeNamespaceResponse{
		NamespaceInfo: &namespacepb.NamespaceInfo{Name: s.ns, Id: "temporalsim-" + s.ns, State: enumspb.NAMESPACE_STATE_REGISTERED},
		Config:        &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(24 * 3600 * 1e9)},
	})
}

func handleStartWorkflowExecution(s *Server, c *call) {
	req := c.req.(*workflowservice.StartWorkflowExecutionRequest)
	if req.GetCronSchedule() != "" || req.GetRetryPolicy() != nil || dur(req.GetWorkflowStartDelay()) > 0 {
		c.fail(unimplemented("StartWorkflowExecution with a cron schedule, retry policy or start delay is not implemented"))
		return
	}
	if cur := s.current[req.GetWorkflowId()]; cur != nil && cur.open() {
		if req.GetWorkflowIdConflictPolicy() == enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING {
			c.answer(&workflowservice.StartWorkflowExecutionResponse{RunId: cur.runID})
			return
		}
		c.fail(serviceerror.ToStatus(serviceerror.NewWorkflowExecutionAlreadyStarted("workflow execution already started", req.GetRequestId(), cur.runID)).Err())
		return
	}
	ex := s.startRun(runSpec{
		wfID: req.GetWorkflowId(), typ: req.GetWorkflowType().GetName(), taskQueue: req.GetTaskQueue().GetName(),
		identity: req.GetIdentity(), input: req.GetInput(), header: req.GetHeader(), memo: req.GetMemo(),
		search: req.GetSearchAttributes(), execTimeout: dur(req.GetWorkflowExecutionTimeout()),
		runTimeout: dur(req.GetWorkflowRunTimeout()), taskTimeout: dur(req.GetWorkflowTaskTimeout()),
	})
	c.answer(&workflowservice.StartWorkflowExecutionResponse{RunId: ex.runID, Started: true})
}

// openRun finds the open run a client request names, or answers NotFound.
func (s *Server) openRun(c *call, wfID, runID string) *execution {
	ex := s.find(wfID, runID)
	if ex == nil || !ex.open() {
		c.fail(notFound("workflow execution already completed or not found: %s", wfID))
		return nil
	}
	return ex
}

func handleSignalWorkflowExecution(s *Server, c *call) {
	req := c.req.(*workflowservice.SignalWorkflowExecutionRequest)
	if ex := s.openRun(c, req.GetWorkflowExecution().GetWorkflowId(), req.GetWorkflowExecution().GetRunId()); ex != nil {
		ex.signal(req.GetSignalName(), req.GetInput(), req.GetHeader(), req.GetIdentity())
		c.answer(&workflowservice.SignalWorkflowExecutionResponse{})
	}
}

func handleRequestCancelWorkflowExecution(s *Server, c *call) {
	req := c.req.(*workflowservice.RequestCancelWorkflowExecutionRequest)
	if ex := s.openRun(c, req.GetWorkflowExecution().GetWorkflowId(), req.GetWorkflowExecution().GetRunId()); ex != nil {
		ex.requestCancel(req.GetReason(), req.GetIdentity(), nil, 0)
		c.answer(&workflowservice.RequestCancelWorkflowExecutionResponse{})
	}
}

func handleTerminateWorkflowExecution(s *Server, c *call) {
	req := c.req.(*workflowservice.TerminateWorkflowExecutionRequest)
	if ex := s.openRun(c, req.GetWorkflowExecution().GetWorkflowId(), req.GetWorkflowExecution().GetRunId()); ex != nil {
		ex.terminate(req.GetReason(), req.GetDetails(), req.GetIdentity())
		c.answer(&workflowservice.TerminateWorkflowExecutionResponse{})
	}
}

func historyResponse(events []*historypb.HistoryEvent) *workflowservice.GetWorkflowExecutionHistoryResponse {
	return &workflowservice.GetWorkflowExecutionHistoryResponse{History: &historypb.History{Events: events}}
}

// handleGetWorkflowExecutionHistory answers with the whole history in one
// page; a long poll for the close event is held until the run closes.
func handleGetWorkflowExecutionHistory(s *Server, c *call) {
	req := c.req.(*workflowservice.GetWorkflowExecutionHistoryRequest)
	ex := s.find(req.GetExecution().GetWorkflowId(), req.GetExecution().GetRunId())
	if ex == nil {
		c.fail(notFound("workflow execution not found: %s", req.GetExecution().GetWorkflowId()))
		return
	}
	if req.GetHistoryEventFilterType() != enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT {
		c.answer(historyResponse(ex.events[:len(ex.events):len(ex.events)]))
		return
	}
	if !ex.open() {
		c.answer(historyResponse(ex.events[len(ex.events)-1:]))
		return
	}
	if !req.GetWaitNewEvent() {
		c.answer(historyResponse(nil))
		return
	}
	ex.waiters = append(ex.waiters, c)
}

func handleDescribeWorkflowExecution(s *Server, c *call) {
	req := c.req.(*workflowservice.DescribeWorkflowExecutionRequest)
	ex := s.find(req.GetExecution().GetWorkflowId(), req.GetExecution().GetRunId())
	if ex == nil {
		c.fail(notFound("workflow execution not found: %s", req.GetExecution().GetWorkflowId()))
		return
	}
	info := &workflowpb.WorkflowExecutionInfo{
		Execution: ex.execution(), Type: ex.started.WorkflowType, StartTime: timestamppb.New(ex.startTime),
		Status: ex.status, HistoryLength: int64(len(ex.events)), TaskQueue: ex.taskQueue,
		ExecutionTime: timestamppb.New(ex.startTime), FirstRunId: ex.firstRun,
	}
	if !ex.open() {
		info.CloseTime = timestamppb.New(ex.closeTime)
	}
	if ex.parent != nil {
		info.ParentExecution = ex.parent.parent.execution()
	}
	resp := &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info}
	for _, id := range sortedKeys(ex.activities) {
		a := ex.activities[id]
		st := enumspb.PENDING_ACTIVITY_STATE_SCHEDULED
		if a.running {
			st = enumspb.PENDING_ACTIVITY_STATE_STARTED
		}
		if a.cancelRequested {
			st = enumspb.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
		}
		resp.PendingActivities = append(resp.PendingActivities, &workflowpb.PendingActivityInfo{
			ActivityId: a.attrs.ActivityId, ActivityType: a.attrs.ActivityType, State: st,
			HeartbeatDetails: a.details, Attempt: a.attempt, LastFailure: a.lastFailure,
		})
	}
	c.answer(resp)
}

func handlePollActivityTaskQueue(s *Server, c *call) {
	req := c.req.(*workflowservice.PollActivityTaskQueueRequest)
	if k := req.GetWorkerInstanceKey(); k != "" && s.shutdown[k] {
		c.answer(nil)
		return
	}
	c.instance = req.GetWorkerInstanceKey()
	s.queue(activityQueue, req.GetTaskQueue().GetName(), false).park(c)
}

// handleShutdownWorker releases the worker's held polls (the SDK sends it
// at Stop, before it waits for its pollers) and retires its sticky queue:
// tasks there move to the normal queue at once.
func handleShutdownWorker(s *Server, c *call) {
	req := c.req.(*workflowservice.ShutdownWorkerRequest)
	key, sticky := req.GetWorkerInstanceKey(), req.GetStickyTaskQueue()
	if key != "" {
		s.shutdown[key] = true
	}
	if sticky != "" {
		s.deadSticky[sticky] = true
	}
	for _, k := range s.sortedQueueKeys() {
		q := s.queues[k]
		for _, p := range append([]*call(nil), q.polls...) {
			if (key != "" && p.instance == key) || (q.sticky && k.name == sticky) {
				q.unpark(p)
			}
		}
	}
	if sticky != "" {
		for _, ex := range s.runs {
			if ex.open() && ex.sticky == sticky {
				ex.unstick()
			}
		}
	}
	c.answer(&workflowservice.ShutdownWorkerResponse{})
}

func handleResetStickyTaskQueue(s *Server, c *call) {
	req := c.req.(*workflowservice.ResetStickyTaskQueueRequest)
	if ex := s.find(req.GetExecution().GetWorkflowId(), req.GetExecution().GetRunId()); ex != nil && ex.open() {
		ex.unstick()
	}
	c.answer(&workflowservice.ResetStickyTaskQueueResponse{})
}
