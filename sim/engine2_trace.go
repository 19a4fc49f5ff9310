package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/temporalsim/temporalsim/sim/server"
)

// Engine 2's trace and activity records are derived from the server's
// histories, which are the same bytes for the same seed, and from the
// attempts the worker ran (engine2_attempts.go), sorted by their ids. Event
// kinds and fields are engine 1's where properties read them.

// e2activity is one scheduled activity while the histories are read.
type e2activity struct {
	rec    *ActivityRecord
	policy retryPolicy
	runID  string
	actID  string
	// failures holds each failed attempt's failure, by attempt number.
	failures map[int]*failurepb.Failure
	starts   []time.Time // each attempt's exact start
}

// e2reader walks the histories of one run of a scenario.
type e2reader struct {
	origin  time.Time
	faults  *e2faults
	events  []e2event
	acts    []*e2activity
	bySched map[string]*e2activity // runID/scheduled event id
	perWF   map[string]int
	calls   map[string]int
}

// fill sets the trace, activity records and elapsed time of res.
func (r *engine2Run) fill(res *Result, seed Seed, o Options) {
	rd := &e2reader{origin: r.w.origin, faults: r.faults, bySched: map[string]*e2activity{}, perWF: map[string]int{}, calls: map[string]int{}}
	rd.add(r.w.origin, Event{Kind: "run.start", Name: r.sc.Name, Detail: fmt.Sprintf("seed=%d", seed)})
	if o.Config != nil {
		rd.add(r.w.origin, Event{Kind: "run.config", Detail: o.Config.String()})
	}
	rd.planFaults(res.Plan)
	r.traceTimed(rd, res)
	for _, h := range r.traced(res.histories) {
		rd.history(h)
	}
	atts, locals := r.obs.sorted()
	// A call comes before its attempts when they share a millisecond.
	rd.locals(locals)
	rd.attempts(atts, r.obs, r.srv.AttemptTimeouts())
	r.traceWorkers(rd)
	if f := r.halted(); f != nil {
		res.Elapsed = r.closeEvt.GetEventTime().AsTime().Sub(r.w.origin)
		rd.add(r.nondetAt, Event{Kind: "wf.nondeterminism", WF: f.WorkflowID, Name: f.WorkflowType, Detail: fmt.Sprintf("kind=%s event=%d", f.Kind, f.EventID)})
		rd.add(r.closeEvt.GetEventTime().AsTime(), Event{Kind: "run.stuck", Detail: "a workflow task failed for nondeterminism: no worker can move the workflow on"})
	} else if l := r.looping.Load(); res.Outcome == Stuck && l != nil {
		res.Elapsed = l.at.Sub(r.w.origin)
		rd.add(l.at, Event{Kind: "run.stuck", WF: l.wf, Detail: l.String()})
	} else if res.Outcome == Stuck {
		res.Elapsed = r.budget
		rd.add(r.w.origin.Add(r.budget), Event{Kind: "run.stuck", Detail: "virtual-time budget " + r.budget.String() + " exhausted"})
	} else {
		res.Elapsed = r.closeEvt.GetEventTime().AsTime().Sub(r.w.origin)
	}
	rd.codecFaults(res.Plan, res.Elapsed)
	res.Events = rd.sortedEvents()
	res.Fired = r.w.Fired()
	for _, a := range rd.acts {
		res.Activities = append(res.Activities, *a.rec)
	}
}

// traced leaves out what engine 1 never runs: the runs after the
// scenario workflow's first continue-as-new, and their children.
func (r *engine2Run) traced(hs []server.RunHistory) []server.RunHistory {
	dropped := map[string]bool{}
	var out []server.RunHistory
	for _, h := range hs {
		parent := ""
		if len(h.Events) > 0 {
			parent = h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetParentWorkflowExecution().GetRunId()
		}
		if (h.WorkflowID == r.wfID && h.RunID != r.runID) || dropped[parent] {
			dropped[h.RunID] = true
			continue
		}
		out = append(out, h)
	}
	return out
}

// e2event is a trace event with its exact virtual time, for ordering.
type e2event struct {
	at   time.Time
	rank int // orders the events of one instant
	sub  int // orders local activity events within a rank
	ev   Event
}

func (rd *e2reader) add(at time.Time, e Event) {
	e.T = at.Sub(rd.origin).Milliseconds()
	rd.events = append(rd.events, e2event{at: at, rank: rank(e.Kind), ev: e})
}

// The server stamps the events a call causes with the call's own instant,
// so causes and effects share one. Within an instant: what the worker
// reported (rank 0), then runs closing, before their parents hear of it
// (1), then the rest in the order read, histories first (2). An attempt's
// start is rank 2, after its scheduling; its other events are rank 0
// unless they share the start's instant.
const (
	rankWorker = 0
	rankClose  = 1
	rankRest   = 2
)

func rank(kind string) int {
	switch kind {
	case "la.schedule", "la.end":
		return rankWorker
	case "wf.end":
		return rankClose
	}
	return rankRest
}

// addAttempt adds an attempt's event at, ranked after the attempt's start.
func (rd *e2reader) addAttempt(at, start time.Time, e Event) {
	rd.add(at, e)
	if at.After(start) {
		rd.events[len(rd.events)-1].rank = rankWorker
	}
}

// sortedEvents orders the events by exact virtual time, then rank; ties
// keep the order they were read in, which is the histories' order.
func (rd *e2reader) sortedEvents() []Event {
	sort.SliceStable(rd.events, func(i, j int) bool {
		a, b := rd.events[i], rd.events[j]
		if !a.at.Equal(b.at) {
			return a.at.Before(b.at)
		}
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		return a.sub < b.sub
	})
	out := make([]Event, len(rd.events))
	for i, e := range rd.events {

		out[i] = e.ev
	}
	return out
}

// history adds the events of one run's history.
func (rd *e2reader) history(h server.RunHistory) {
	wf, typ := h.WorkflowID, ""
	for _, ev := range h.Events {
		at := ev.GetEventTime().AsTime()
		if a := ev.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			typ = a.GetWorkflowType().GetName()
			rd.add(at, Event{Kind: "wf.start", WF: wf, Name: typ, Fault: rd.faults.childFaultID(h.RunID)})
			continue
		}
		if res, ok := closeResult(ev); ok {
			rd.add(at, Event{Kind: "wf.end", WF: wf, Name: typ, Result: res, Fault: rd.faults.childFaultID(h.RunID)})
			continue
		}
		switch a := historyAttrs(ev).(type) {
		case *historypb.ActivityTaskScheduledEventAttributes:
			rd.scheduled(h.RunID, wf, ev.GetEventId(), at, a)
		case *historypb.ActivityTaskCancelRequestedEventAttributes:
			if act := rd.bySched[fmt.Sprintf("%s/%d", h.RunID, a.GetScheduledEventId())]; act != nil {
				act.rec.CancelRequested = true
				rd.add(at, Event{Kind: "act.cancel-request", WF: wf, Name: act.rec.Type, ID: act.rec.Key})
			}
		case *historypb.TimerStartedEventAttributes:
			rd.add(at, Event{Kind: "timer.start", Name: a.GetTimerId(), Detail: a.GetStartToFireTimeout().AsDuration().String()})
		case *historypb.TimerFiredEventAttributes:
			rd.add(at, Event{Kind: "timer.fire", Name: a.GetTimerId()})
		case *historypb.TimerCanceledEventAttributes:
			rd.add(at, Event{Kind: "timer.cancel", Name: a.GetTimerId()})
		case *historypb.StartChildWorkflowExecutionInitiatedEventAttributes:
			rd.add(at, Event{Kind: "child.schedule", WF: wf, Name: a.GetWorkflowType().GetName()})
		case *historypb.WorkflowExecutionSignaledEventAttributes:
			rd.add(at, Event{Kind: "wf.signal", WF: wf, Name: a.GetSignalName()})
		}
		if child, ctyp, res, ok := childEnd(ev); ok {
			rd.add(at, Event{Kind: "child.end", WF: child, Name: ctyp, Result: res})
		}
	}
}

// historyAttrs is the event's attributes, for a type switch.
func historyAttrs(ev *historypb.HistoryEvent) any {
	switch {
	case ev.GetActivityTaskScheduledEventAttributes() != nil:
		return ev.GetActivityTaskScheduledEventAttributes()
	case ev.GetActivityTaskCancelRequestedEventAttributes() != nil:
		return ev.GetActivityTaskCancelRequestedEventAttributes()
	case ev.GetTimerStartedEventAttributes() != nil:
		return ev.GetTimerStartedEventAttributes()
	case ev.GetTimerFiredEventAttributes() != nil:
		return ev.GetTimerFiredEventAttributes()
	case ev.GetTimerCanceledEventAttributes() != nil:
		return ev.GetTimerCanceledEventAttributes()
	case ev.GetStartChildWorkflowExecutionInitiatedEventAttributes() != nil:
		return ev.GetStartChildWorkflowExecutionInitiatedEventAttributes()
	case ev.GetWorkflowExecutionSignaledEventAttributes() != nil:
		return ev.GetWorkflowExecutionSignaledEventAttributes()
	}
	return nil
}

// scheduled records a scheduled activity, keyed as engine 1 keys it.
func (rd *e2reader) scheduled(runID, wf string, id int64, at time.Time, a *historypb.ActivityTaskScheduledEventAttributes) {
	rd.perWF[wf]++
	typ := a.GetActivityType().GetName()
	rd.calls[typ]++
	call := rd.faults.callOf(runID, a.GetActivityId(), rd.calls[typ])
	p := policyFromProto(a.GetRetryPolicy())
	rec := &ActivityRecord{Key: fmt.Sprintf("%s/a%04d", wf, rd.perWF[wf]), Workflow: wf, Type: typ, Call: call,
		Scheduled: at.Sub(rd.origin), Policy: p.export(), StartToClose: a.GetStartToCloseTimeout().AsDuration(),
		ScheduleToClose: a.GetScheduleToCloseTimeout().AsDuration(), Heartbeat: a.GetHeartbeatTimeout().AsDuration()}
	act := &e2activity{rec: rec, policy: p, runID: runID, actID: a.GetActivityId(), failures: map[int]*failurepb.Failure{}}
	rd.acts = append(rd.acts, act)
	rd.bySched[fmt.Sprintf("%s/%d", runID, id)] = act
	rd.add(at, Event{Kind: "act.schedule", WF: wf, Name: typ, ID: rec.Key, Detail: "call=" + itoa(rec.Call)})
}

// policyFromProto is the retry policy the server applies.
func policyFromProto(p *commonpb.RetryPolicy) retryPolicy {
	if p == nil {
		return serverRetryPolicy(nil)
	}
	return serverRetryPolicy(&temporal.RetryPolicy{InitialInterval: p.GetInitialInterval().AsDuration(),
		BackoffCoefficient: p.GetBackoffCoefficient(), MaximumInterval: p.GetMaximumInterval().AsDuration(),
		MaximumAttempts: p.GetMaximumAttempts(), NonRetryableErrorTypes: p.GetNonRetryableErrorTypes()})
}

// closeResult names how a run ended, as engine 1's wf.end does.
func closeResult(ev *historypb.HistoryEvent) (string, bool) {
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		return "ok", true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		return failureChain(ev.GetWorkflowExecutionFailedEventAttributes().GetFailure()), true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
		return "TimeoutError:START_TO_CLOSE", true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		return "CanceledError", true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		return "TerminatedError", true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		return "continue-as-new", true
	}
	return "", false
}

// childEnd names a child's close as the parent's history records it.
func childEnd(ev *historypb.HistoryEvent) (id, typ, result string, ok bool) {
	switch ev.GetEventType() {
	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
		a := ev.GetChildWorkflowExecutionCompletedEventAttributes()
		return a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName(), "ok", true
	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
		a := ev.GetChildWorkflowExecutionFailedEventAttributes()
		return a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName(), failureChain(a.GetFailure()), true
	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
		a := ev.GetChildWorkflowExecutionCanceledEventAttributes()
		return a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName(), "CanceledError", true
	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
		a := ev.GetChildWorkflowExecutionTimedOutEventAttributes()
		return a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName(), "TimeoutError:START_TO_CLOSE", true
	case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
		a := ev.GetChildWorkflowExecutionTerminatedEventAttributes()
		return a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowType().GetName(), "TerminatedError", true
	}
	return "", "", "", false
}

// failureChain names a failure as ErrorType names the error it came from.
func failureChain(f *failurepb.Failure) string {
	var parts []string
	for ; f != nil; f = f.GetCause() {
		parts = append(parts, failureName(f))
	}
	return strings.Join(parts, ">")
}

// attempts adds the worker's activity attempts to their records and the
// trace; local activities' attempts become la.end events.
func (rd *e2reader) attempts(atts []observedAttempt, obs *attemptObserver, tos []server.AttemptTimeout) {
	byID := map[string]*e2activity{}
	for _, a := range rd.acts {
		byID[a.runID+"/"+a.actID] = a
	}
	timedOut := map[string]server.AttemptTimeout{}
	for _, to := range tos {
		timedOut[attemptID(to.RunID, to.ActivityID, int(to.Attempt))] = to
	}
	for _, at := range atts {
		obs.settleAsync(&at)
		res := resultName(at.err)
		if at.local {
			key := fmt.Sprintf("%s/l%04s/%02d", at.wf, at.actID, at.n)
			rd.add(at.end, Event{Kind: "la.end", WF: at.wf, Name: at.typ, ID: key, Attempt: at.n, Result: res,
				Fault: firstFault(rd.faults.faultsOf(at.runID, at.actID, at.n, true))})
			// The SDK numbers a run's local activities in call order, as
			// locals numbers the calls: a call's attempts follow it.
			n, _ := strconv.Atoi(at.actID)
			rd.events[len(rd.events)-1].sub = 2*n + 1
			continue
		}
		act := byID[at.runID+"/"+at.actID]
		if act == nil {
			continue // a run left out of the trace
		}
		var f *failurepb.Failure
		if at.err != nil {
			f = failureOf(at.err)
		}
		if to, ok := timedOut[attemptID(at.runID, at.actID, at.n)]; ok {
			// The server's verdict, not what the worker returned late.
			f, at.end = to.Failure, to.At
			res = "timeout:" + timeoutName(f.GetTimeoutFailureInfo().GetTimeoutType())
		}
		rec := AttemptRecord{N: at.n, Start: at.start.Sub(rd.origin), End: at.end.Sub(rd.origin), Result: res, Worker: at.worker}
		fs := rd.faults.faultsOf(at.runID, at.actID, at.n, false)
		for _, f := range fs {
			rec.Faults = append(rec.Faults, f.ID)
		}
		if f != nil {
			rec.Retryable, _ = act.policy.retryable(f)
			act.failures[at.n] = f
		}
		act.rec.Attempts = append(act.rec.Attempts, rec)
		ev := Event{WF: at.wf, Name: at.typ, ID: act.rec.Key, Attempt: at.n}
		start, end := ev, ev
		start.Kind, start.Detail = "act.start", "worker="+itoa(at.worker)
		if len(fs) > 0 {
			start.Fault, start.Detail = fs[0].ID, start.Detail+" faults="+faultIDs(fs)
		}
		end.Kind, end.Result = "act.end", res
		rd.add(at.start, start)
		for _, hb := range obs.heartbeatsOf(at.runID, at.actID, at.n) {
			beat := ev
			beat.Kind = "act.heartbeat"
			rd.addAttempt(hb, at.start, beat)
		}
		rd.addAttempt(at.end, at.start, end)
		act.starts = append(act.starts, at.start)
	}
	rd.backoffs()
}

// backoffs adds an act.backoff event, as engine 1 does, where a failed
// attempt was followed by another: the server's wait, at the failure.
func (rd *e2reader) backoffs() {
	for _, act := range rd.acts {
		atts := act.rec.Attempts
		for i := 0; i+1 < len(atts); i++ {
			prev := atts[i]
			delay := act.policy.backoff(prev.N)
			if f := act.failures[prev.N]; f != nil {
				if _, next := act.policy.retryable(f); next > 0 {
					delay = next
				}
			}
			rd.addAttempt(rd.origin.Add(prev.End), act.starts[i], Event{Kind: "act.backoff", WF: act.rec.Workflow, Name: act.rec.Type,
				ID: act.rec.Key, Attempt: prev.N, Detail: delay.String()})
		}
	}
}

// locals adds the local activity calls workflows made.
func (rd *e2reader) locals(ls []observedLocal) {
	for _, l := range ls {
		rd.add(l.at, Event{Kind: "la.schedule", WF: l.wf, Name: l.typ, Detail: "call=" + itoa(l.call)})
		rd.events[len(rd.events)-1].sub = 2 * l.seq
	}
}
