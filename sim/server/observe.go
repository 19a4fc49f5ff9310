package server

import (
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
)

// Scheduled is an activity scheduled, or a child workflow run started, as
// Options.OnScheduled reports it.
type Scheduled struct {
	// Child is false for an activity, true for a child workflow run.
	Child bool
	// RunID is the scheduling workflow's run for an activity, the child's
	// own first run for a child.
	RunID string
	// ID is the activity id, or the child's workflow id.
	ID string
	// Type is the activity or workflow type.
	Type string
}

// scheduled reports sc to Options.OnScheduled. It runs on the loop, in
// the order the loop applies commands, which never depends on goroutine
// order: a caller that numbers calls from it numbers them the same way
// every run.
func (s *Server) scheduled(sc Scheduled) {
	if s.observe != nil {
		s.observe(sc)
	}
}

// WorkflowTaskFailure is a workflow task a worker failed, as
// Options.OnWorkflowTaskFailed sees it.
type WorkflowTaskFailure struct {
	WorkflowID, RunID, WorkflowType string
	// Cause and Failure are what the worker sent: the SDK sends
	// WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR, with the
	// "[TMPRL1100]" message, when its replay of the history did not match.
	Cause   enumspb.WorkflowTaskFailedCause
	Failure *failurepb.Failure
	// Identity is the failing worker's.
	Identity string
	// History is the run's history up to its WorkflowTaskFailed event; the
	// caller must not change it.
	History []*historypb.HistoryEvent
}
