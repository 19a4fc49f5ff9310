package server

import (
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	querypb "go.temporal.io/api/query/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Queries are answered by a worker through a query task (the "legacy"
// query task of the real server): on the run's sticky queue with no
// history (the worker has the run cached), or on its normal queue with the
// whole history. A query that arrives while the run
// has a workflow task scheduled or running waits for that task to end, so
// that, as a real server's consistent query does, it sees the events that
// task delivers (see docs/architecture.md).

// protocols holds the queries and updates the server has not finished.
type protocols struct {
	queries  map[string]*pendingQuery // by task token
	waiting  []*pendingQuery          // not yet dispatched, in arrival order
	nQueries int64
	updates  map[string][]*pendingUpdate // by run id, in arrival order
	// msgs are the protocol messages of the workflow task whose commands
	// are being applied, by message id; nil between tasks.
	msgs map[string]*messageRef
}

// pendingQuery is one QueryWorkflow call the server holds until a worker
// answers it.
type pendingQuery struct {
	ex    *execution
	c     *call
	query *querypb.WorkflowQuery
	token []byte
}

func handleQueryWorkflow(s *Server, c *call) {
	req := c.req.(*workflowservice.QueryWorkflowRequest)
	ex := s.find(req.GetExecution().GetWorkflowId(), req.GetExecution().GetRunId())
	if ex == nil {
		c.fail(notFound("workflow execution not found: %s", req.GetExecution().GetWorkflowId()))
		return
	}
	if rejected(ex, req.GetQueryRejectCondition()) {
		c.answer(&workflowservice.QueryWorkflowResponse{QueryRejected: &querypb.QueryRejected{Status: ex.status}})
		return
	}
	p := &s.protos
	if p.queries == nil {
		p.queries = map[string]*pendingQuery{}
	}
	p.nQueries++
	q := &pendingQuery{ex: ex, c: c, query: req.GetQuery(), token: token{'q', ex.runID, p.nQueries, 0}.bytes()}
	p.queries[string(q.token)] = q
	p.waiting = append(p.waiting, q)
	s.dispatchQueries()
}

// rejected applies a query's reject condition, as the server does before
// it asks a worker.
func rejected(ex *execution, cond enumspb.QueryRejectCondition) bool {
	switch cond {
	case enumspb.QUERY_REJECT_CONDITION_NOT_OPEN:
		return !ex.open()
	case enumspb.QUERY_REJECT_CONDITION_NOT_COMPLETED_CLEANLY:
		return !ex.open() && ex.status != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	}
	return false
}

// dispatchQueries hands waiting queries to workers once their run has no
// workflow task pending; the loop calls it after every step.
func (s *Server) dispatchQueries() {
	p := &s.protos
	kept := p.waiting[:0]
	for _, q := range p.waiting {
		switch ex := q.ex; {
		case q.c.over:
			delete(p.queries, string(q.token))
		case ex.open() && ex.wft != nil:
			kept = append(kept, q)
		case ex.open() && ex.sticky != "":
			s.queue(workflowQueue, ex.sticky, true).push(&queryTask{q: q, sticky: true})
		default:
			s.queue(workflowQueue, ex.taskQueue, false).push(&queryTask{q: q})
		}
	}
	clear(p.waiting[len(kept):])
	p.waiting = kept
}

// queryTask is a query's place in a workflow task queue.
type queryTask struct {
	q      *pendingQuery
	sticky bool
}

func (t *queryTask) valid() bool { return !t.q.c.over }

func (t *queryTask) start(poll *call) {
	ex, s := t.q.ex, t.q.ex.s
	events := ex.events
	if t.sticky && ex.lastStarted > 0 {
		// The worker has the run cached up to its last completed task, and a
		// query waits while a task is pending: as the Temporal server does,
		// a sticky query task carries no history. (SDK v1.51 replays a
		// partial history up to PreviousStartedEventId, which the events
		// after it never reach.)
		events = nil
	}
	poll.answer(&workflowservice.PollWorkflowTaskQueueResponse{
		TaskToken:                  t.q.token,
		WorkflowExecution:          ex.execution(),
		WorkflowType:               ex.started.WorkflowType,
		PreviousStartedEventId:     ex.lastStarted,
		Attempt:                    1,
		History:                    &historypb.History{Events: events[:len(events):len(events)]},
		Query:                      t.q.query,
		WorkflowExecutionTaskQueue: &taskqueuepb.TaskQueue{Name: ex.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		ScheduledTime:              timestamppb.New(s.now),
		StartedTime:                timestamppb.New(s.now),
	})
}

func handleRespondQueryTaskCompleted(s *Server, c *call) {
	req := c.req.(*workflowservice.RespondQueryTaskCompletedRequest)
	q := s.protos.queries[string(req.GetTaskToken())]
	if q == nil {
		c.fail(notFound("query task not found"))
		return
	}
	delete(s.protos.queries, string(req.GetTaskToken()))
	if req.GetCompletedType() == enumspb.QUERY_RESULT_TYPE_ANSWERED {
		q.c.answer(&workflowservice.QueryWorkflowResponse{QueryResult: req.GetQueryResult()})
	} else {
		q.c.fail(serviceerror.ToStatus(serviceerror.NewQueryFailedWithFailure(req.GetErrorMessage(), req.GetFailure())).Err())
	}
	c.answer(&workflowservice.RespondQueryTaskCompletedResponse{})
}

// stopProtocols fails every query and update call still held at stop.
func (s *Server) stopProtocols() {
	p := &s.protos
	for _, k := range sortedKeys(p.queries) {
		p.queries[k].c.fail(stopped("QueryWorkflow"))
	}
	p.queries, p.waiting = nil, nil
	for _, runID := range sortedKeys(p.updates) {
		for _, u := range p.updates[runID] {
			u.fail(stopped("UpdateWorkflowExecution"))
		}
	}
	p.updates = nil
}
