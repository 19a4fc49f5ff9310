package server

import (
	"time"

	commandpb "go.temporal.io/api/command/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// activity is one scheduled activity across its attempts. Retries happen
// on the server; only the final attempt shows in the history, as an
// ActivityTaskStarted (with the attempt count) written when it ends.
type activity struct {
	ex        *execution
	schedID   int64
	attrs     *historypb.ActivityTaskScheduledEventAttributes
	scheduled time.Time

	attempt          int32
	attemptScheduled time.Time
	running          bool
	startedTime      time.Time
	identity         string
	lastHeartbeat    time.Time
	details          *commonpb.Payloads
	lastFailure      *failurepb.Failure
	cancelRequested  bool
	cancelRequestID  int64
	cancelAt         time.Time
	dead             bool

	wholeTimer  *timer   // schedule-to-close
	attemptTmrs []*timer // schedule-to-start, start-to-close, heartbeat
}

func dur(d *durationpb.Duration) time.Duration { return d.AsDuration() }

func (ex *execution) scheduleActivity(a *commandpb.ScheduleActivityTaskCommandAttributes, done int64) {
	s2c, s2s, st2c := dur(a.GetScheduleToCloseTimeout()), dur(a.GetScheduleToStartTimeout()), dur(a.GetStartToCloseTimeout())
	if s2s == 0 {
		s2s = s2c
	}
	if st2c == 0 {
		st2c = s2c
	}
	attrs := &historypb.ActivityTaskScheduledEventAttributes{
		ActivityId: a.GetActivityId(), ActivityType: a.GetActivityType(), TaskQueue: a.GetTaskQueue(),
		Header: a.GetHeader(), Input: a.GetInput(),
		ScheduleToCloseTimeout: durationpb.New(s2c), ScheduleToStartTimeout: durationpb.New(s2s),
		StartToCloseTimeout: durationpb.New(st2c), HeartbeatTimeout: a.GetHeartbeatTimeout(),
		WorkflowTaskCompletedEventId: done, RetryPolicy: withRetryDefaults(a.GetRetryPolicy()),
		Priority: a.GetPriority(),
	}
	id := ex.writeWith(enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, func(e *historypb.HistoryEvent) {
		e.Attributes = &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: attrs}
	})
	act := &activity{ex: ex, schedID: id, attrs: attrs, scheduled: ex.s.now, attempt: 1}
	ex.activities[id] = act
	ex.s.scheduled(Scheduled{RunID: ex.runID, ID: attrs.GetActivityId(), Type: attrs.GetActivityType().GetName()})
	if s2c > 0 {
		act.wholeTimer = ex.s.after(s2c, func() { act.timedOut(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE) })
	}
	if a.GetRequestEagerExecution() && ex.completing {
		ex.holdEager(act)
		return
	}
	act.enqueue()
}

// withRetryDefaults fills the server's default activity retry policy:
// initial interval 1s, coefficient 2, maximum interval 100x the initial
// one, unlimited attempts.
func withRetryDefaults(p *commonpb.RetryPolicy) *commonpb.RetryPolicy {
	out := &commonpb.RetryPolicy{InitialInterval: durationpb.New(time.Second), BackoffCoefficient: 2}
	if p != nil {
		out.MaximumAttempts = p.GetMaximumAttempts()
		out.NonRetryableErrorTypes = p.GetNonRetryableErrorTypes()
		if d := dur(p.GetInitialInterval()); d > 0 {
			out.InitialInterval = durationpb.New(d)
		}
		if c := p.GetBackoffCoefficient(); c >= 1 {
			out.BackoffCoefficient = c
		}
		out.MaximumInterval = p.GetMaximumInterval()
	}
	if dur(out.MaximumInterval) == 0 {
		out.MaximumInterval = durationpb.New(100 * dur(out.InitialInterval))
	}
	return out
}

// actEntry is one attempt's place in the activity task queue.
type actEntry struct {
	a       *activity
	attempt int32
}

func (e *actEntry) valid() bool {
	a := e.a
	return !a.dead && !a.running && a.attempt == e.attempt && a.ex.open()
}

func (e *actEntry) start(poll *call) { e.a.start(poll) }

func (a *activity) enqueue() {
	s := a.ex.s
	a.attemptScheduled = s.now
	if d := dur(a.attrs.ScheduleToStartTimeout); d > 0 {
		a.attemptTmrs = append(a.attemptTmrs, s.after(d, func() {
			if !a.running {
				a.timedOut(enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START)
			}
		}))
	}
	s.queue(activityQueue, a.attrs.TaskQueue.GetName(), false).push(&actEntry{a: a, attempt: a.attempt})
}

func (a *activity) stopAttemptTimers() {
	for _, t := range a.attemptTmrs {
		t.cancel()
	}
	a.attemptTmrs = nil
}

func (a *activity) start(poll *call) {
	req := poll.req.(*workflowservice.PollActivityTaskQueueRequest)
	poll.answer(a.begin(req.GetIdentity()))
}

// begin starts the current attempt on the worker named identity and
// returns the task that worker runs.
func (a *activity) begin(identity string) *workflowservice.PollActivityTaskQueueResponse {
	ex, s := a.ex, a.ex.s
	a.stopAttemptTimers()
	a.running, a.startedTime, a.lastHeartbeat, a.identity = true, s.now, s.now, identity
	attempt := a.attempt
	if d := dur(a.attrs.StartToCloseTimeout); d > 0 {
		a.attemptTmrs = append(a.attemptTmrs, s.after(d, func() {
			if a.running && a.attempt == attempt {
				a.attemptFailed(timeoutFailure(enumspb.TIMEOUT_TYPE_START_TO_CLOSE, a.details), true)
			}
		}))
	}
	if hb := dur(a.attrs.HeartbeatTimeout); hb > 0 {
		a.armHeartbeat(attempt, hb)
	}
	return &workflowservice.PollActivityTaskQueueResponse{
		TaskToken: token{'a', ex.runID, a.schedID, a.attempt}.bytes(), WorkflowNamespace: s.ns,
		WorkflowType: ex.started.WorkflowType, WorkflowExecution: ex.execution(),
		ActivityType: a.attrs.ActivityType, ActivityId: a.attrs.ActivityId, Header: a.attrs.Header, Input: a.attrs.Input,
		HeartbeatDetails: a.details, ScheduledTime: timestamppb.New(a.scheduled),
		CurrentAttemptScheduledTime: timestamppb.New(a.attemptScheduled), StartedTime: timestamppb.New(s.now),
		Attempt: a.attempt, ScheduleToCloseTimeout: a.attrs.ScheduleToCloseTimeout,
		StartToCloseTimeout: a.attrs.StartToCloseTimeout, HeartbeatTimeout: a.attrs.HeartbeatTimeout,
		RetryPolicy: a.attrs.RetryPolicy, Priority: a.attrs.Priority,
	}
}

// armHeartbeat sets the heartbeat deadline from the last heartbeat; when it
// comes, a heartbeat that arrived since moves it instead of failing.
func (a *activity) armHeartbeat(attempt int32, hb time.Duration) {
	s := a.ex.s
	a.attemptTmrs = append(a.attemptTmrs, s.timers.add(a.lastHeartbeat.Add(hb), func() {
		if !a.running || a.attempt != attempt || a.dead {
			return
		}
		if a.lastHeartbeat.Add(hb).After(s.now) {
			a.armHeartbeat(attempt, hb)
			return
		}
		a.attemptFailed(timeoutFailure(enumspb.TIMEOUT_TYPE_HEARTBEAT, a.details), true)
	}))
}

func timeoutFailure(t enumspb.TimeoutType, details *commonpb.Payloads) *failurepb.Failure {
	return &failurepb.Failure{
		Message: "activity " + timeoutName[t] + " timeout", Source: "Server",
		FailureInfo: &failurepb.Failure_TimeoutFailureInfo{TimeoutFailureInfo: &failurepb.TimeoutFailureInfo{TimeoutType: t, LastHeartbeatDetails: details}},
	}
}

var timeoutName = map[enumspb.TimeoutType]string{
	enumspb.TIMEOUT_TYPE_START_TO_CLOSE: "StartToClose", enumspb.TIMEOUT_TYPE_SCHEDULE_TO_START: "ScheduleToStart",
	enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE: "ScheduleToClose", enumspb.TIMEOUT_TYPE_HEARTBEAT: "Heartbeat",
}

// drop forgets the activity when its workflow closes: late answers from
// the worker get NotFound.
func (a *activity) drop() {
	a.dead = true
	a.wholeTimer.cancel()
	a.stopAttemptTimers()
	delete(a.ex.activities, a.schedID)
}
