package conformance

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

// serverRun is a real run read back: its histories, and the sim.Result
// view of it that the scenario's properties are checked against.
type serverRun struct {
	res   *realserver.Result
	clk   *realserver.ScaledClock
	hists []runHistory
	acts  map[string]map[string]*serverActivity // run id -> activity id -> history facts
	seen  map[string]workerAttempt              // run/activity id/attempt -> recorder's attempt
	view  *sim.Result
	obs   *Observation
}

// readServerRun builds the view and the observation of a real run.
func readServerRun(ctx context.Context, c client.Client, res *realserver.Result) (*serverRun, error) {
	clk, ok := res.World.Clock().(*realserver.ScaledClock)
	if !ok {
		return nil, errors.New("conformance: the real run's clock is not a realserver.ScaledClock")
	}
	hists, err := loadHistories(ctx, c, res)
	if err != nil {
		return nil, err
	}
	s := &serverRun{res: res, clk: clk, hists: hists, acts: map[string]map[string]*serverActivity{}, seen: map[string]workerAttempt{}}
	for _, h := range hists {
		s.acts[h.RunID] = activitiesOf(h)
	}
	for _, at := range recorderOf(res.World).Attempts() {
		s.seen[fmt.Sprintf("%s/%s/%d", at.RunID, at.ActivityID, at.N)] = at
	}
	recs, cancels := s.records()
	locals := s.locals()
	s.view = &sim.Result{Scenario: res.WorkflowID, Seed: res.Seed, Plan: res.Plan, Outcome: res.Outcome, Err: res.Err,
		ErrType: res.ErrType, Output: res.Output, Elapsed: res.Elapsed, Activities: recs, World: res.World}
	s.view.Events = s.events(locals)
	for _, e := range hists[0].Events {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED {
			s.view.CancelRequested = true
		}
	}
	s.obs = observe(s.view, recs, cancels, locals, s.ownRun)
	s.obs.Replays = res.Replays
	for _, h := range hists {
		for id, r := range childResults(h) {
			s.obs.Children[id] = r
		}
		for _, e := range h.Events {
			if e.GetEventType() == enumspb.EVENT_TYPE_TIMER_FIRED {
				s.obs.TimersFired++
			}
		}
	}
	s.engineDates()
	return s, nil
}

// engineDates rewrites the date of the run's workflow time (see
// workflowNow) in workflow ids to the engine's, 1 January 2000, so that
// ids derived from Now (the schedule's children) compare equal.
func (s *serverRun) engineDates() {
	start := recorderOf(s.res.World).topStart.Load()
	if start == nil {
		return
	}
	date := nowAnchor(*start).Format("20060102")
	fix := func(id string) string { return strings.ReplaceAll(id, date, engineDate) }
	for i := range s.obs.Activities {
		s.obs.Activities[i].Workflow = fix(s.obs.Activities[i].Workflow)
	}
	children := map[string]string{}
	for id, r := range s.obs.Children {
		children[fix(id)] = r
	}
	s.obs.Children = children
}

// engineDate is the date the engine's virtual time starts on.
const engineDate = "20000101"

// virt maps a real instant of the run to its virtual offset.
func (s *serverRun) virt(t time.Time) time.Duration { return s.clk.Virtual(t).Sub(s.clk.Origin()) }

// records turns the scheduled activities of the run's executions into the
// engine's records: options from the history (scaled back), attempts from
// the workers, and each attempt's result as the server saw it. It also
// returns when the workflow asked to cancel each activity.
func (s *serverRun) records() ([]sim.ActivityRecord, map[string]time.Duration) {
	var recs []sim.ActivityRecord
	cancels := map[string]time.Duration{}
	calls := map[string]int{}
	for _, h := range s.hists {
		byID := s.acts[h.RunID]
		ids := keys(byID)
		slices.SortFunc(ids, compareIDs)
		for _, id := range ids {
			sa := byID[id]
			calls[h.WorkflowID+"/"+sa.Type]++
			rec := s.record(h, sa, calls[h.WorkflowID+"/"+sa.Type])
			if !sa.CancelRequested.IsZero() {
				cancels[rec.Key] = s.virt(sa.CancelRequested)
			}
			recs = append(recs, rec)
		}
	}
	return recs, cancels
}

func (s *serverRun) record(h runHistory, sa *serverActivity, call int) sim.ActivityRecord {
	k := s.res.Scale
	o := sa.Options
	p := o.GetRetryPolicy()
	rec := sim.ActivityRecord{
		Key: h.WorkflowID + "/" + sa.ID, Workflow: h.WorkflowID, Type: sa.Type, Call: call, Scheduled: s.virt(sa.Scheduled),
		Policy: sim.RetryPolicy{InitialInterval: unscale(p.GetInitialInterval().AsDuration(), k), BackoffCoefficient: p.GetBackoffCoefficient(),
			MaximumInterval: unscale(p.GetMaximumInterval().AsDuration(), k), MaximumAttempts: int(p.GetMaximumAttempts()),
			NonRetryable: p.GetNonRetryableErrorTypes()},
		StartToClose: unscale(o.GetStartToCloseTimeout().AsDuration(), k), ScheduleToClose: unscale(o.GetScheduleToCloseTimeout().AsDuration(), k),
		Heartbeat: unscale(o.GetHeartbeatTimeout().AsDuration(), k), CancelRequested: !sa.CancelRequested.IsZero(),
	}
	var worker []realserver.Attempt
	for _, a := range s.res.Activities {
		if !a.Local && a.RunID == h.RunID && a.ID == sa.ID {
			worker = append(worker, a.Attempts...)
		}
	}
	slices.SortStableFunc(worker, func(a, b realserver.Attempt) int { return cmp.Compare(a.N, b.N) })
	for i, at := range worker {
		var next *realserver.Attempt
		if i+1 < len(worker) {
			next = &worker[i+1]
		}
		res := s.attemptResult(h, sa, rec, at, next)
		end := at.End
		if strings.HasPrefix(res, "timeout:") {
			// The server ended the attempt when it timed out, not when the
			// worker gave up on it: before it scheduled the retry, or at
			// the activity's timed-out event.
			switch {
			case next != nil:
				end = min(end, next.Start-rec.Policy.Backoff(at.N))
			case at.N == sa.LastAttempt && !sa.Closed.IsZero():
				end = min(end, s.virt(sa.Closed))
			}
		}
		rec.Attempts = append(rec.Attempts, sim.AttemptRecord{N: at.N, Start: at.Start, End: end, Result: res,
			Retryable: s.retryable(rec.Policy, res, h.RunID, sa.ID, at.N), Faults: at.Faults, Worker: at.Worker})
	}
	return rec
}

// attemptResult is how the server saw an attempt end. The history names
// the last attempt's result and, in its start event, the one before;
// earlier results come from the worker: what it reported, or a timeout
// when it could not report (its context's deadline passed) or reported
// too late (the next attempt had started, or it never ended). Timeouts
// inferred that way end in "~".
func (s *serverRun) attemptResult(h runHistory, sa *serverActivity, rec sim.ActivityRecord, at realserver.Attempt, next *realserver.Attempt) string {
	switch {
	case at.N == sa.LastAttempt && sa.Close != "":
		return sa.Close
	case at.N == sa.LastAttempt-1 && sa.BeforeLast != "":
		return sa.BeforeLast
	case next == nil && sa.Close == "" && s.endedAfterClose(h, at):
		// The workflow closed while the attempt ran: the server took no
		// result from it, and the worker learnt of the close when the
		// server answered a heartbeat or the completion with NotFound.
		return "after-close:" + at.Result
	}
	w := s.seen[fmt.Sprintf("%s/%s/%d", h.RunID, sa.ID, at.N)]
	// A report the server acted on comes before the retry's backoff
	// starts; an attempt whose retry started sooner after it ended (or
	// before it, or which succeeded and was retried anyway) had been
	// timed out by then.
	late := at.Result == "running" ||
		(next != nil && (at.Result == "ok" || next.Start-at.End < rec.Policy.Backoff(at.N)))
	switch {
	case w.Ctx == "deadline":
		if rec.ScheduleToClose > 0 && (rec.StartToClose <= 0 || rec.Scheduled+rec.ScheduleToClose < at.Start+rec.StartToClose) {
			return "timeout:SCHEDULE_TO_CLOSE~"
		}
		return "timeout:START_TO_CLOSE~"
	case late && rec.Heartbeat > 0:
		return "timeout:HEARTBEAT~"
	case late:
		return "timeout:START_TO_CLOSE~"
	}
	return at.Result
}

// endedAfterClose reports whether the execution closed before the attempt
// ended (or while it still ran when the run ended).
func (s *serverRun) endedAfterClose(h runHistory, at realserver.Attempt) bool {
	_, t, ok := closeResult(h)
	return ok && (at.Result == "running" || at.End > s.virt(t))
}

// retryable is whether the server would retry after res under p
// (attempt limits aside), as the engine's records say it.
func (s *serverRun) retryable(p sim.RetryPolicy, res, runID, actID string, n int) bool {
	res = strings.TrimSuffix(res, "~")
	switch {
	case res == "ok", res == "CanceledError", res == "TerminatedError":
		return false
	case strings.HasPrefix(res, "timeout:"):
		kind := strings.TrimPrefix(res, "timeout:")
		return (kind == "START_TO_CLOSE" || kind == "HEARTBEAT") && !slices.Contains(p.NonRetryable, "TimeoutError")
	}
	if w, ok := s.seen[fmt.Sprintf("%s/%s/%d", runID, actID, n)]; ok && w.NonRetryable {
		return false
	}
	last := res[strings.LastIndex(res, ">")+1:]
	if t, ok := strings.CutPrefix(last, "ApplicationError:"); ok && slices.Contains(p.NonRetryable, t) {
		return false
	}
	return true
}

// locals lists the run's local activities, grouped into calls as the
// engine groups them: per workflow and type, a first attempt starts a
// new call.
func (s *serverRun) locals() []ActivityObs {
	var acts []realserver.Activity
	for _, a := range s.res.Activities {
		if a.Local && s.ownRun(a.RunID) {
			acts = append(acts, a)
		}
	}
	var out []ActivityObs
	calls := map[string]int{}
	last := map[string]int{}
	for _, a := range acts {
		for _, at := range a.Attempts {
			k := a.Workflow + "/" + a.Type
			i, ok := last[k]
			if !ok || at.N <= 1 {
				calls[k]++
				out = append(out, ActivityObs{Workflow: a.Workflow, Type: a.Type, Call: calls[k], Local: true})
				i = len(out) - 1
				last[k] = i
			}
			out[i].Attempts = append(out[i].Attempts, AttemptObs{N: at.N, Result: at.Result})
		}
	}
	return out
}

// ownRun reports whether runID is one of the run's executions (the first
// and its children), not a later run of a continue-as-new chain.
func (s *serverRun) ownRun(runID string) bool {
	return slices.ContainsFunc(s.hists, func(h runHistory) bool { return h.RunID == runID })
}
