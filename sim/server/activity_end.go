package server

import (
	"math"
	"slices"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// attemptFailed ends the running attempt with a failure: the server retries
// it after the policy's backoff or, when it may not, closes the activity.
func (a *activity) attemptFailed(f *failurepb.Failure, timeout bool) {
	if timeout {
		a.noteTimeout(f)
	}
	delay, state := a.retryDelay(f)
	if state != enumspb.RETRY_STATE_IN_PROGRESS {
		if timeout {
			a.closeTimedOut(f, state)
			return
		}
		a.finish(enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED, func(e *historypb.HistoryEvent, started int64) {
			e.Attributes = &historypb.HistoryEvent_ActivityTaskFailedEventAttributes{ActivityTaskFailedEventAttributes: &historypb.ActivityTaskFailedEventAttributes{
				Failure: f, ScheduledEventId: a.schedID, StartedEventId: started, Identity: a.identity, RetryState: state,
			}}
		})
		return
	}
	a.stopAttemptTimers()
	a.running = false
	a.lastFailure = f
	a.attempt++
	attempt := a.attempt
	a.attemptTmrs = append(a.attemptTmrs, a.ex.s.after(delay, func() {
		if !a.dead && a.attempt == attempt {
			a.attemptTmrs = nil
			a.enqueue()
		}
	}))
}

// retryDelay applies the retry policy to a failed attempt: the backoff
// before the next one, or the reason there is none.
func (a *activity) retryDelay(f *failurepb.Failure) (time.Duration, enumspb.RetryState) {
	p := a.attrs.RetryPolicy
	if a.cancelRequested {
		return 0, enumspb.RETRY_STATE_CANCEL_REQUESTED
	}
	if info := f.GetApplicationFailureInfo(); info != nil && (info.GetNonRetryable() || slices.Contains(p.GetNonRetryableErrorTypes(), info.GetType())) {
		return 0, enumspb.RETRY_STATE_NON_RETRYABLE_FAILURE
	}
	if m := p.GetMaximumAttempts(); m > 0 && a.attempt >= m {
		return 0, enumspb.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED
	}
	delay := dur(p.GetInitialInterval())
	if n := a.attempt - 1; n > 0 {
		f := float64(delay) * math.Pow(p.GetBackoffCoefficient(), float64(n))
		delay = time.Duration(math.Min(f, float64(dur(p.GetMaximumInterval()))))
	}
	if d := dur(f.GetApplicationFailureInfo().GetNextRetryDelay()); d > 0 {
		delay = d
	}
	if s2c := dur(a.attrs.ScheduleToCloseTimeout); s2c > 0 && !a.ex.s.now.Add(delay).Before(a.scheduled.Add(s2c)) {
		return 0, enumspb.RETRY_STATE_TIMEOUT
	}
	return delay, enumspb.RETRY_STATE_IN_PROGRESS
}

// timedOut handles a timeout of the whole activity (schedule-to-close) or
// of a wait for a worker (schedule-to-start): neither is retried.
func (a *activity) timedOut(t enumspb.TimeoutType) {
	if a.dead {
		return
	}
	f := timeoutFailure(t, a.details)
	if a.running {
		// A schedule-to-close timeout ends the running attempt too.
		a.noteTimeout(f)
	}
	a.closeTimedOut(f, enumspb.RETRY_STATE_TIMEOUT)
}

// noteTimeout lists the running attempt as timed out by the server (see
// Server.AttemptTimeouts).
func (a *activity) noteTimeout(f *failurepb.Failure) {
	a.ex.s.timeouts = append(a.ex.s.timeouts, AttemptTimeout{RunID: a.ex.runID, ActivityID: a.attrs.GetActivityId(),
		Attempt: a.attempt, At: a.ex.s.now, Failure: f})
}

func (a *activity) closeTimedOut(f *failurepb.Failure, state enumspb.RetryState) {
	if a.lastFailure != nil && f.Cause == nil {
		f.Cause = a.lastFailure
	}
	a.finish(enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, func(e *historypb.HistoryEvent, started int64) {
		e.Attributes = &historypb.HistoryEvent_ActivityTaskTimedOutEventAttributes{ActivityTaskTimedOutEventAttributes: &historypb.ActivityTaskTimedOutEventAttributes{
			Failure: f, ScheduledEventId: a.schedID, StartedEventId: started, RetryState: state,
		}}
	})
}

// finish closes the activity: an ActivityTaskStarted for the attempt that
// was running, then the close event made by attrs with the started id.
func (a *activity) finish(t enumspb.EventType, attrs func(e *historypb.HistoryEvent, started int64)) {
	ex := a.ex
	wasRunning := a.running
	a.drop()
	closeEv := ex.newEvent(t)
	if !wasRunning {
		attrs(closeEv, 0)
		ex.record(nil, closeEv)
		return
	}
	startedEv := ex.newEvent(enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED)
	startedEv.EventTime = timestamppb.New(a.startedTime)
	startedEv.Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{
		ScheduledEventId: a.schedID, Identity: a.identity, RequestId: ex.s.newID(), Attempt: a.attempt, LastFailure: a.lastFailure,
	}}
	ex.record(func() { attrs(closeEv, startedEv.EventId) }, startedEv, closeEv)
}

func (a *activity) completed(result *commonpb.Payloads, identity string) {
	a.identity = identity
	a.finish(enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, func(e *historypb.HistoryEvent, started int64) {
		e.Attributes = &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{
			Result: result, ScheduledEventId: a.schedID, StartedEventId: started, Identity: identity,
		}}
	})
}

func (a *activity) canceled(details *commonpb.Payloads, identity string) {
	a.finish(enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED, func(e *historypb.HistoryEvent, started int64) {
		e.Attributes = &historypb.HistoryEvent_ActivityTaskCanceledEventAttributes{ActivityTaskCanceledEventAttributes: &historypb.ActivityTaskCanceledEventAttributes{
			Details: details, LatestCancelRequestedEventId: a.cancelRequestID, ScheduledEventId: a.schedID, StartedEventId: started, Identity: identity,
		}}
	})
}

// requestCancelActivity applies RequestCancelActivityTask: an activity no
// worker runs is canceled at once; a running one learns of it from its
// next heartbeat response.
func (ex *execution) requestCancelActivity(sched, done int64) {
	id := ex.writeWith(enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_ActivityTaskCancelRequestedEventAttributes{ActivityTaskCancelRequestedEventAttributes: &historypb.ActivityTaskCancelRequestedEventAttributes{
			ScheduledEventId: sched, WorkflowTaskCompletedEventId: done,
		}}
	})
	a := ex.activities[sched]
	if a == nil {
		return
	}
	a.cancelRequested, a.cancelRequestID, a.cancelAt = true, id, ex.s.now
	if !a.running {
		a.canceled(nil, "")
	}
}
