package server

import (
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	protocolpb "go.temporal.io/api/protocol/v1"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// Updates follow the server's update protocol: an admitted update is sent
// to the worker as a request message on the run's next workflow task; the
// worker answers with an acceptance, a rejection or a response message,
// and orders the first and last among its commands with ProtocolMessage
// commands. Acceptance and response become the WorkflowExecutionUpdate
// Accepted and Completed events; a rejection leaves no event. Unlike the
// real server, the task that carries a request is an ordinary workflow
// task, so a rejected update leaves that task's three events in history
// (see docs/architecture.md).

const (
	stageAdmitted  = enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED
	stageAccepted  = enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
	stageCompleted = enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED
)

// pendingUpdate is one update of one run and the calls waiting on it.
type pendingUpdate struct {
	ex       *execution
	req      *updatepb.Request
	stage    enumspb.UpdateWorkflowExecutionLifecycleStage
	outcome  *updatepb.Outcome
	accepted int64 // the Accepted event's id
	waits    []updateWait
}

// updateWait is an UpdateWorkflowExecution or PollWorkflowExecutionUpdate
// call held until the update reaches stage.
type updateWait struct {
	c     *call
	stage enumspb.UpdateWorkflowExecutionLifecycleStage
}

// messageRef is a message of the task being applied; used marks the ones
// a ProtocolMessage command already applied.
type messageRef struct {
	m    *protocolpb.Message
	used bool
}

func (s *Server) findUpdate(ex *execution, id string) *pendingUpdate {
	for _, u := range s.protos.updates[ex.runID] {
		if u.req.GetMeta().GetUpdateId() == id {
			return u
		}
	}
	return nil
}

func handleUpdateWorkflowExecution(s *Server, c *call) {
	req := c.req.(*workflowservice.UpdateWorkflowExecutionRequest)
	ex := s.openRun(c, req.GetWorkflowExecution().GetWorkflowId(), req.GetWorkflowExecution().GetRunId())
	if ex == nil {
		return
	}
	u := s.findUpdate(ex, req.GetRequest().GetMeta().GetUpdateId())
	if u == nil {
		u = &pendingUpdate{ex: ex, req: req.GetRequest(), stage: stageAdmitted}
		if s.protos.updates == nil {
			s.protos.updates = map[string][]*pendingUpdate{}
		}
		s.protos.updates[ex.runID] = append(s.protos.updates[ex.runID], u)
		ex.needWorkflowTask()
	}
	stage := req.GetWaitPolicy().GetLifecycleStage()
	if stage < stageAccepted {
		stage = stageAccepted
	}
	u.wait(c, stage)
}

func handlePollWorkflowExecutionUpdate(s *Server, c *call) {
	req := c.req.(*workflowservice.PollWorkflowExecutionUpdateRequest)
	ref := req.GetUpdateRef()
	ex := s.find(ref.GetWorkflowExecution().GetWorkflowId(), ref.GetWorkflowExecution().GetRunId())
	var u *pendingUpdate
	if ex != nil {
		u = s.findUpdate(ex, ref.GetUpdateId())
	}
	if u == nil {
		c.fail(notFound("update %s not found", ref.GetUpdateId()))
		return
	}
	u.wait(c, max(req.GetWaitPolicy().GetLifecycleStage(), stageAccepted))
}

// wait answers c once the update reaches stage, at once if it has.
func (u *pendingUpdate) wait(c *call, stage enumspb.UpdateWorkflowExecutionLifecycleStage) {
	u.waits = append(u.waits, updateWait{c: c, stage: stage})
	u.release()
}

// release answers the calls the update's stage satisfies.
func (u *pendingUpdate) release() {
	kept := u.waits[:0]
	for _, w := range u.waits {
		if w.c.over {
			continue
		}
		if u.stage < w.stage && u.stage != stageCompleted {
			kept = append(kept, w)
			continue
		}
		ref := &updatepb.UpdateRef{WorkflowExecution: u.ex.execution(), UpdateId: u.req.GetMeta().GetUpdateId()}
		switch w.c.req.(type) {
		case *workflowservice.PollWorkflowExecutionUpdateRequest:
			w.c.answer(&workflowservice.PollWorkflowExecutionUpdateResponse{Outcome: u.outcome, Stage: u.stage, UpdateRef: ref})
		default:
			w.c.answer(&workflowservice.UpdateWorkflowExecutionResponse{Outcome: u.outcome, Stage: u.stage, UpdateRef: ref})
		}
	}
	clear(u.waits[len(kept):])
	u.waits = kept
}

func (u *pendingUpdate) fail(err error) {
	for _, w := range u.waits {
		w.c.fail(err)
	}
	u.waits = nil
}

// updateMessages are the request messages a workflow task started as
// startedID carries: every update not yet accepted or rejected, sequenced
// just before the task's started event, as the server sequences them.
func (s *Server) updateMessages(ex *execution, startedID int64) []*protocolpb.Message {
	var out []*protocolpb.Message
	for _, u := range s.protos.updates[ex.runID] {
		if u.stage != stageAdmitted {
			continue
		}
		body, err := anypb.New(u.req)
		if err != nil {
			panic("temporalsim server: an update request does not marshal: " + err.Error())
		}
		id := u.req.GetMeta().GetUpdateId()
		out = append(out, &protocolpb.Message{Id: id + "/request", ProtocolInstanceId: id,
			SequencingId: &protocolpb.Message_EventId{EventId: startedID - 1}, Body: body})
	}
	return out
}

// beginMessages keeps a completed task's messages for its ProtocolMessage
// commands.
func (s *Server) beginMessages(msgs []*protocolpb.Message) {
	s.protos.msgs = map[string]*messageRef{}
	for _, m := range msgs {
		s.protos.msgs[m.GetId()] = &messageRef{m: m}
	}
}

// endMessages applies the messages no command referred to (rejections,
// which leave no event) in the order the worker sent them.
func (s *Server) endMessages(ex *execution, msgs []*protocolpb.Message) {
	for _, m := range msgs {
		if r := s.protos.msgs[m.GetId()]; r != nil && !r.used && ex.open() {
			ex.applyMessage(m)
		}
	}
	s.protos.msgs = nil
}

// protocolMessage applies the message a ProtocolMessage command names.
func (ex *execution) protocolMessage(id string) {
	r := ex.s.protos.msgs[id]
	if r == nil || r.used {
		return
	}
	r.used = true
	ex.applyMessage(r.m)
}

func (ex *execution) applyMessage(m *protocolpb.Message) {
	u := ex.s.findUpdate(ex, m.GetProtocolInstanceId())
	if u == nil {
		return
	}
	body, err := m.GetBody().UnmarshalNew()
	if err != nil {
		return
	}
	switch b := body.(type) {
	case *updatepb.Acceptance:
		u.accept(b)
	case *updatepb.Rejection:
		u.outcome = &updatepb.Outcome{Value: &updatepb.Outcome_Failure{Failure: b.GetFailure()}}
		u.stage = stageCompleted
		ex.s.dropUpdate(u)
	case *updatepb.Response:
		u.complete(b)
	}
	u.release()
}

func (u *pendingUpdate) accept(b *updatepb.Acceptance) {
	ex := u.ex
	req := b.GetAcceptedRequest()
	if req == nil {
		req = u.req
	}
	u.accepted = ex.writeWith(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowExecutionUpdateAcceptedEventAttributes{WorkflowExecutionUpdateAcceptedEventAttributes: &historypb.WorkflowExecutionUpdateAcceptedEventAttributes{
			ProtocolInstanceId: u.req.GetMeta().GetUpdateId(), AcceptedRequestMessageId: b.GetAcceptedRequestMessageId(),
			AcceptedRequestSequencingEventId: b.GetAcceptedRequestSequencingEventId(), AcceptedRequest: proto.Clone(req).(*updatepb.Request),
		}}
	})
	u.stage = stageAccepted
}

func (u *pendingUpdate) complete(b *updatepb.Response) {
	u.outcome = b.GetOutcome()
	u.ex.writeWith(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_WorkflowExecutionUpdateCompletedEventAttributes{WorkflowExecutionUpdateCompletedEventAttributes: &historypb.WorkflowExecutionUpdateCompletedEventAttributes{
			Meta: b.GetMeta(), AcceptedEventId: u.accepted, Outcome: b.GetOutcome(),
		}}
	})
	u.stage = stageCompleted
}

// dropUpdate forgets a rejected update: its id may be used again.
func (s *Server) dropUpdate(u *pendingUpdate) {
	list := s.protos.updates[u.ex.runID]
	for i, v := range list {
		if v == u {
			s.protos.updates[u.ex.runID] = append(list[:i:i], list[i+1:]...)
			return
		}
	}
}

// closeUpdates fails the updates a closing run leaves unfinished, as the
// server answers them once the workflow has completed.
func (s *Server) closeUpdates(ex *execution) {
	for _, u := range s.protos.updates[ex.runID] {
		if u.stage != stageCompleted {
			u.fail(notFound("workflow execution already completed"))
		}
	}
}

// unansweredUpdates reports whether the run has updates that a completing
// task's messages do not answer: the server then refuses to close the run,
// so that the workflow sees them first.
func (s *Server) unansweredUpdates(ex *execution, msgs []*protocolpb.Message) bool {
	answered := map[string]bool{}
	for _, m := range msgs {
		answered[m.GetProtocolInstanceId()] = true
	}
	for _, u := range s.protos.updates[ex.runID] {
		if u.stage == stageAdmitted && !answered[u.req.GetMeta().GetUpdateId()] {
			return true
		}
	}
	return false
}
