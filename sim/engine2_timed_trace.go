package sim

import (
	"strings"
	"time"

	historypb "go.temporal.io/api/history/v1"
)

// traceTimed adds what the timed faults did to the trace, and the result
// fields engine 1 fills from them.
func (r *engine2Run) traceTimed(rd *e2reader, res *Result) {
	stuck := res.Outcome == Stuck && r.halted() == nil
	closed := r.w.origin.Add(r.budget)
	if !stuck && r.closeEvt != nil {
		closed = r.closeEvt.GetEventTime().AsTime()
	}
	for _, e := range r.timedEvents(closed, stuck) {
		rd.add(e.at, e.ev)
	}
	r.traceUpdates(rd, res, closed)
	if r.timed != nil {
		r.timed.mu.Lock()
		res.CancelRequested = r.timed.cancelRequested
		r.timed.mu.Unlock()
	}
}

// traceUpdates adds the update faults' events: acceptance and completion
// at the instants the scenario workflow's history records them, as engine
// 1's callbacks and update handler report them; a rejection, which leaves
// no event in history, when the call returned.
func (r *engine2Run) traceUpdates(rd *e2reader, res *Result, closed time.Time) {
	if r.timed == nil || len(r.timed.updates) == 0 {
		return
	}
	accepted := map[string]bool{}
	for _, h := range r.traced(res.histories) {
		if h.WorkflowID != r.wfID {
			continue
		}
		for _, ev := range h.Events {
			r.updateEvent(rd, ev, h.WorkflowID, accepted)
		}
	}
	for _, id := range sortedKeys(r.timed.updates) {
		u := r.timed.updates[id]
		if accepted[id] || !reachedOpenRun(u.err) || u.err == nil || u.at.After(closed) {
			continue
		}
		rd.add(u.at, Event{Kind: "update.rejected", Name: u.f.Target, ID: id, Fault: u.f.ID, Result: resultName(u.err)})
	}
}

// updateEvent adds the events of one history event of an update fault.
func (r *engine2Run) updateEvent(rd *e2reader, ev *historypb.HistoryEvent, wf string, accepted map[string]bool) {
	at := ev.GetEventTime().AsTime()
	if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil {
		id := a.GetProtocolInstanceId()
		u, ok := r.timed.updates[id]
		if !ok || !strings.HasPrefix(id, "f") {
			return
		}
		accepted[id] = true
		rd.add(at, Event{Kind: "update.accepted", Name: u.f.Target, ID: id, Fault: u.f.ID})
		rd.add(at, Event{Kind: "wf.update", WF: wf, Name: u.f.Target, ID: id})
		return
	}
	if a := ev.GetWorkflowExecutionUpdateCompletedEventAttributes(); a != nil {
		id := a.GetMeta().GetUpdateId()
		u, ok := r.timed.updates[id]
		if !ok {
			return
		}
		result := "ok"
		if f := a.GetOutcome().GetFailure(); f != nil {
			result = failureChain(f)
		}
		rd.add(at, Event{Kind: "wf.update.done", WF: wf, Name: u.f.Target, ID: id, Result: result})
		rd.add(at, Event{Kind: "update.completed", Name: u.f.Target, ID: id, Fault: u.f.ID, Result: result})
	}
}

// traceWorkers marks the attempts a worker fault cut off, as engine 1
// does: attempts running when a crash cut the worker's connection lose
// their result (act.lost), and attempts still running when a stopped
// worker's grace period ended have their contexts cancelled (act.stop).
func (r *engine2Run) traceWorkers(rd *e2reader) {
	for _, act := range rd.acts {
		for i := range act.rec.Attempts {
			at := &act.rec.Attempts[i]
			w := r.workerOf(at.Worker)
			if w == nil || w.end.ID == 0 || !r.fired(w.end.ID) {
				continue
			}
			cut := w.end.At
			detail := "worker " + itoa(w.n) + " crashed; result will not be reported"
			kind := "act.lost"
			switch w.end.Kind {
			case WorkerShutdown:
				cut += w.end.Dur
				kind, detail = "act.stop", "worker "+itoa(w.n)+" stopped; context cancelled"
			case Deploy:
				cut += DeployGrace
				kind, detail = "act.stop", "worker "+itoa(w.n)+" stopped for a deploy; context cancelled"
			}
			if at.Start > cut || at.End < cut {
				continue
			}
			at.Faults = append(at.Faults, w.end.ID)
			rd.add(r.w.origin.Add(cut), Event{Kind: kind, WF: act.rec.Workflow, Name: act.rec.Type, ID: act.rec.Key, Attempt: at.N, Detail: detail})
		}
	}
}

func (r *engine2Run) fired(id int) bool {
	for _, f := range r.w.Fired() {
		if f == id {
			return true
		}
	}
	return false
}
