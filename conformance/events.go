package conformance

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/temporalsim/temporalsim/sim"
)

// events is the engine's trace as far as a real run can tell it: the
// events scenario properties read (workflow starts and ends, timers,
// signals, updates, cancel requests, child results, timed faults, worker
// stops, local activities), from the histories, the runner's record of
// timed faults and the recorder, in virtual time.
func (s *serverRun) events(locals []ActivityObs) []sim.Event {
	var out []sim.Event
	add := func(t time.Time, e sim.Event) {
		e.T = s.virt(t).Milliseconds()
		out = append(out, e)
	}
	for _, h := range s.hists {
		s.historyEvents(h, add)
	}
	for _, f := range s.res.Faults {
		if strings.HasPrefix(f.Result, "not due") {
			continue // the workflow closed first
		}
		s.faultEvents(f.Fault, f.At, &out)
	}
	rec := recorderOf(s.res.World)
	rec.mu.Lock()
	for _, l := range rec.localAt {
		if !s.ownRun(l.RunID) {
			continue
		}
		out = append(out, sim.Event{T: l.At.Milliseconds(), Kind: "la.schedule", WF: l.Workflow, Name: l.Type})
	}
	rec.mu.Unlock()
	for _, a := range s.res.Activities {
		if !a.Local || !s.ownRun(a.RunID) {
			continue
		}
		for _, at := range a.Attempts {
			out = append(out, sim.Event{T: at.End.Milliseconds(), Kind: "la.end", WF: a.Workflow, Name: a.Type, Attempt: at.N, Result: at.Result})
		}
	}
	slices.SortStableFunc(out, func(a, b sim.Event) int { return cmp.Compare(a.T, b.T) })
	return out
}

// historyEvents adds the trace events one execution's history shows.
func (s *serverRun) historyEvents(h runHistory, add func(time.Time, sim.Event)) {
	start := sim.Event{Kind: "wf.start", WF: h.WorkflowID, Name: h.Type}
	if h.Parent != "" {
		start.Detail = "parent=" + h.Parent
	}
	add(h.Events[0].GetEventTime().AsTime(), start)
	acts := map[int64]string{}     // scheduled event id -> activity type
	updates := map[string]string{} // update id -> name
	for _, e := range h.Events {
		t := e.GetEventTime().AsTime()
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := e.GetActivityTaskScheduledEventAttributes()
			acts[e.GetEventId()] = a.GetActivityType().GetName()
			add(t, sim.Event{Kind: "act.schedule", WF: h.WorkflowID, Name: a.GetActivityType().GetName(), ID: h.WorkflowID + "/" + a.GetActivityId()})
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
			id := e.GetActivityTaskCancelRequestedEventAttributes().GetScheduledEventId()
			add(t, sim.Event{Kind: "act.cancel-request", WF: h.WorkflowID, Name: acts[id], ID: h.WorkflowID + "/" + activityIDOf(h, id)})
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			a := e.GetTimerStartedEventAttributes()
			add(t, sim.Event{Kind: "timer.start", Name: a.GetTimerId(), Detail: unscale(a.GetStartToFireTimeout().AsDuration(), s.res.Scale).String()})
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			add(t, sim.Event{Kind: "timer.fire", Name: e.GetTimerFiredEventAttributes().GetTimerId()})
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			add(t, sim.Event{Kind: "timer.cancel", Name: e.GetTimerCanceledEventAttributes().GetTimerId()})
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
			add(t, sim.Event{Kind: "wf.signal", WF: h.WorkflowID, Name: e.GetWorkflowExecutionSignaledEventAttributes().GetSignalName()})
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
			a := e.GetWorkflowExecutionUpdateAcceptedEventAttributes()
			id, name := a.GetAcceptedRequest().GetMeta().GetUpdateId(), a.GetAcceptedRequest().GetInput().GetName()
			updates[id] = name
			add(t, sim.Event{Kind: "wf.update", WF: h.WorkflowID, Name: name, ID: id})
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
			a := e.GetWorkflowExecutionUpdateCompletedEventAttributes()
			id, res := a.GetMeta().GetUpdateId(), "ok"
			if f := a.GetOutcome().GetFailure(); f != nil {
				res = failureResult(f)
			}
			add(t, sim.Event{Kind: "wf.update.done", WF: h.WorkflowID, Name: updates[id], ID: id, Result: res})
		}
	}
	for id, res := range childResults(h) {
		if t, ok := childCloseTime(h, id); ok {
			add(t, sim.Event{Kind: "child.end", WF: id, Name: childType(s.hists, id), Result: res})
		}
	}
	if res, t, ok := closeResult(h); ok {
		add(t, sim.Event{Kind: "wf.end", WF: h.WorkflowID, Name: h.Type, Result: res})
	}
}

// faultEvents adds what the engine's trace shows for a timed fault
// carried out at offset at.
func (s *serverRun) faultEvents(f sim.Fault, at time.Duration, out *[]sim.Event) {
	ms := at.Milliseconds()
	switch f.Kind {
	case sim.Query:
		*out = append(*out, sim.Event{T: ms, Kind: "query", Name: f.Target, Fault: f.ID})
	case sim.WorkerShutdown:
		n := 1
		for _, g := range s.res.Plan.Faults {
			if (g.Kind == sim.WorkerShutdown || g.Kind == sim.WorkerCrash) && (g.At < f.At || (g.At == f.At && g.ID < f.ID)) {
				n++
			}
		}
		*out = append(*out,
			sim.Event{T: ms, Kind: "worker.stop", Fault: f.ID, Detail: fmt.Sprintf("worker=%d grace=%s next=%d", n, f.Dur, n+1)},
			sim.Event{T: (at + f.Dur).Milliseconds(), Kind: "worker.kill", Fault: f.ID, Detail: fmt.Sprintf("worker=%d", n)})
	case sim.WorkflowCancel:
		*out = append(*out, sim.Event{T: ms, Kind: "fault", Fault: f.ID, Name: string(f.Kind)})
	default:
		*out = append(*out, sim.Event{T: ms, Kind: "fault", Fault: f.ID, Name: string(f.Kind), Detail: f.Target})
	}
}

func activityIDOf(h runHistory, scheduledEventID int64) string {
	for _, e := range h.Events {
		if e.GetEventId() == scheduledEventID {
			return e.GetActivityTaskScheduledEventAttributes().GetActivityId()
		}
	}
	return ""
}

func childCloseTime(h runHistory, id string) (time.Time, bool) {
	for _, e := range slices.Backward(h.Events) {
		if childIDOf(e) == id {
			return e.GetEventTime().AsTime(), true
		}
	}
	return time.Time{}, false
}

func childIDOf(e *historypb.HistoryEvent) string {
	switch {
	case e.GetChildWorkflowExecutionCompletedEventAttributes() != nil:
		return e.GetChildWorkflowExecutionCompletedEventAttributes().GetWorkflowExecution().GetWorkflowId()
	case e.GetChildWorkflowExecutionFailedEventAttributes() != nil:
		return e.GetChildWorkflowExecutionFailedEventAttributes().GetWorkflowExecution().GetWorkflowId()
	case e.GetChildWorkflowExecutionCanceledEventAttributes() != nil:
		return e.GetChildWorkflowExecutionCanceledEventAttributes().GetWorkflowExecution().GetWorkflowId()
	case e.GetChildWorkflowExecutionTimedOutEventAttributes() != nil:
		return e.GetChildWorkflowExecutionTimedOutEventAttributes().GetWorkflowExecution().GetWorkflowId()
	case e.GetChildWorkflowExecutionTerminatedEventAttributes() != nil:
		return e.GetChildWorkflowExecutionTerminatedEventAttributes().GetWorkflowExecution().GetWorkflowId()
	}
	return ""
}

func childType(hists []runHistory, id string) string {
	for _, h := range hists {
		if h.WorkflowID == id {
			return h.Type
		}
	}
	return ""
}
