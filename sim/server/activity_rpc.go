package server

import (
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
)

// runningActivity resolves an activity task token to the attempt it names,
// or NotFound when that attempt is over.
func (s *Server) runningActivity(b []byte) (*activity, error) {
	tok, ok := parseToken(b)
	if !ok || tok.kind != 'a' {
		return nil, serviceerror.ToStatus(serviceerror.NewInvalidArgument("malformed activity task token")).Err()
	}
	ex := s.byRun[tok.runID]
	if ex == nil || !ex.open() {
		return nil, notFound("workflow execution already completed")
	}
	a := ex.activities[tok.sched]
	if a == nil || !a.running || a.attempt != tok.attempt {
		return nil, notFound("activity task not found")
	}
	return a, nil
}

// activityByID resolves (workflow, run, activity id) to its running attempt.
func (s *Server) activityByID(wfID, runID, actID string) (*activity, error) {
	ex := s.current[wfID]
	if runID != "" {
		ex = s.byRun[runID]
	}
	if ex == nil || ex.wfID != wfID || !ex.open() {
		return nil, notFound("workflow execution not found or already completed")
	}
	for _, id := range sortedKeys(ex.activities) {
		if a := ex.activities[id]; a.attrs.ActivityId == actID && a.running {
			return a, nil
		}
	}
	return nil, notFound("activity task not found")
}

func handleRespondActivityTaskCompleted(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondActivityTaskCompletedRequest)
	a, err := s.runningActivity(req.GetTaskToken())
	if err != nil {
		c.fail(err)
		return
	}
	a.completed(req.GetResult(), req.GetIdentity())
	c.answer(&workflowservice.RespondActivityTaskCompletedResponse{})
}

func handleRespondActivityTaskCompletedByID(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondActivityTaskCompletedByIdRequest)
	a, err := s.activityByID(req.GetWorkflowId(), req.GetRunId(), req.GetActivityId())
	if err != nil {
		c.fail(err)
		return
	}
	a.completed(req.GetResult(), req.GetIdentity())
	c.answer(&workflowservice.RespondActivityTaskCompletedByIdResponse{})
}

func handleRespondActivityTaskFailed(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondActivityTaskFailedRequest)
	a, err := s.runningActivity(req.GetTaskToken())
	if err != nil {
		c.fail(err)
		return
	}
	a.identity = req.GetIdentity()
	if req.GetLastHeartbeatDetails() != nil {
		a.details = req.GetLastHeartbeatDetails()
	}
	a.attemptFailed(req.GetFailure(), false)
	c.answer(&workflowservice.RespondActivityTaskFailedResponse{})
}

func handleRespondActivityTaskFailedByID(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondActivityTaskFailedByIdRequest)
	a, err := s.activityByID(req.GetWorkflowId(), req.GetRunId(), req.GetActivityId())
	if err != nil {
		c.fail(err)
		return
	}
	a.identity = req.GetIdentity()
	a.attemptFailed(req.GetFailure(), false)
	c.answer(&workflowservice.RespondActivityTaskFailedByIdResponse{})
}

func handleRespondActivityTaskCanceled(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondActivityTaskCanceledRequest)
	a, err := s.runningActivity(req.GetTaskToken())
	if err != nil {
		c.fail(err)
		return
	}
	if !a.cancelRequested {
		c.fail(serviceerror.ToStatus(serviceerror.NewFailedPrecondition("activity cancellation was not requested")).Err())
		return
	}
	a.canceled(req.GetDetails(), req.GetIdentity())
	c.answer(&workflowservice.RespondActivityTaskCanceledResponse{})
}

func handleRespondActivityTaskCanceledByID(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondActivityTaskCanceledByIdRequest)
	a, err := s.activityByID(req.GetWorkflowId(), req.GetRunId(), req.GetActivityId())
	if err != nil {
		c.fail(err)
		return
	}
	if !a.cancelRequested {
		c.fail(serviceerror.ToStatus(serviceerror.NewFailedPrecondition("activity cancellation was not requested")).Err())
		return
	}
	a.canceled(req.GetDetails(), req.GetIdentity())
	c.answer(&workflowservice.RespondActivityTaskCanceledByIdResponse{})
}

// immediate lists the calls answered on the caller's goroutine at once
// (see answerNow). What they answer must not depend on calls of the same
// virtual instant: a heartbeat sees only cancel requests made at earlier
// instants, which the loop has all applied by then.
var immediate = map[string]func(*Server, *call, time.Time){
	"RecordActivityTaskHeartbeat":     handleRecordActivityTaskHeartbeat,
	"RecordActivityTaskHeartbeatById": handleRecordActivityTaskHeartbeatByID,
}

func handleRecordActivityTaskHeartbeat(s *Server, c *call, now time.Time) {
	req := c.req.(*workflowservice.RecordActivityTaskHeartbeatRequest)
	a, err := s.runningActivity(req.GetTaskToken())
	if err != nil {
		c.fail(err)
		return
	}
	a.heartbeat(req.GetDetails(), now)
	c.answer(&workflowservice.RecordActivityTaskHeartbeatResponse{CancelRequested: a.cancelSeen(now)})
}

func handleRecordActivityTaskHeartbeatByID(s *Server, c *call, now time.Time) {
	req := c.req.(*workflowservice.RecordActivityTaskHeartbeatByIdRequest)
	a, err := s.activityByID(req.GetWorkflowId(), req.GetRunId(), req.GetActivityId())
	if err != nil {
		c.fail(err)
		return
	}
	a.heartbeat(req.GetDetails(), now)
	c.answer(&workflowservice.RecordActivityTaskHeartbeatByIdResponse{CancelRequested: a.cancelSeen(now)})
}

// heartbeat records a heartbeat; the details are what the worker sent,
// none included, as the server stores them.
func (a *activity) heartbeat(details *commonpb.Payloads, now time.Time) {
	a.lastHeartbeat = now
	a.details = details
}

// cancelSeen reports a cancel request to a heartbeat at now only if it was
// made at an earlier instant, so the answer never depends on the order of
// goroutines within one instant.
func (a *activity) cancelSeen(now time.Time) bool {
	return a.cancelRequested && a.cancelAt.Before(now)
}
