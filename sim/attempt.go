package sim

import (
	"context"
	"errors"
	"fmt"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// attemptEnd is how the server saw one attempt end.
type attemptEnd struct {
	res     any
	err     error
	timeout enumspb.TimeoutType // set when the attempt timed out
	// async says an external completer ended the attempt (after the
	// activity returned ErrResultPending): the worker's fate is no matter.
	async bool
}

// supervise runs the attempts of one activity the way a server would:
// each attempt gets its start-to-close (and schedule-to-close) deadline,
// heartbeats reset the heartbeat timeout, a cancellation request reaches
// the activity with its next heartbeat, failures are retried with the
// retry policy's backoff, timeouts are retried as the server retries them,
// an attempt cut off by a worker shutdown reports its failure, and one
// lost to a worker crash is noticed only when its heartbeat or
// start-to-close timeout fires.
//
// Every decision is taken after the bubble settles (gate.barrier), from
// virtual time and state alone, so which goroutine woke first never
// matters.
func (e *engine) supervise(ctx context.Context, run *activityRun, call func(context.Context) (any, error)) (any, error) {
	var last attemptEnd
	for n := 1; ; n++ {
		last = e.runAttempt(ctx, run, n, call)
		if last.err == nil {
			return last.res, nil
		}
		if run.cancelRequested() && isCanceled(last.err) {
			return nil, temporal.NewCanceledError()
		}
		delay, ok := e.retryDelay(run, n, last)
		if !ok || e.workflowClosed() {
			return nil, finalError(last, run)
		}
		e.trace.hold(run.key, time.Now(), Event{Kind: "act.backoff", WF: run.wf, Name: run.typ, ID: run.key, Attempt: n, Detail: delay.String()})
		if err := e.backoff(run, delay); err != nil {
			return nil, err
		}
	}
}

// backoff waits out the retry delay. A cancellation request and the end
// of the run can come at the same instant as the retry; the run's end is
// decided from virtual time after the bubble settles, so it wins the same
// way every time.
func (e *engine) backoff(run *activityRun, delay time.Duration) error {
	t := time.NewTimer(delay)
	defer t.Stop()
	canceled := false
	select {
	case <-t.C:
	case <-run.cancelReq:
		canceled = true
	case <-e.stop:
	}
	e.gate.barrier()
	switch {
	case e.runOver(time.Now()):
		return errRunOver
	case canceled || run.cancelRequested():
		e.trace.hold(run.key, time.Now(), Event{Kind: "act.canceled", WF: run.wf, Name: run.typ, ID: run.key, Detail: "during backoff"})
		return temporal.NewCanceledError()
	}
	return nil
}

var errRunOver = errors.New("sim: run over")

// retryDelay decides whether attempt n is retried, and after how long.
func (e *engine) retryDelay(run *activityRun, n int, end attemptEnd) (time.Duration, bool) {
	if errors.Is(end.err, errRunOver) {
		return 0, false
	}
	ok, asked := run.policy.retryable(failureOf(end.err))
	if !ok || (run.policy.maxAttempts > 0 && n >= run.policy.maxAttempts) {
		return 0, false
	}
	delay := run.policy.backoff(n)
	if asked > 0 {
		delay = asked
	}
	if s2c := run.opts.ScheduleToCloseTimeout; s2c > 0 && !time.Now().Add(delay).Before(run.scheduled.Add(s2c)) {
		return 0, false
	}
	return delay, true
}

func finalError(end attemptEnd, run *activityRun) error {
	if end.timeout == enumspb.TIMEOUT_TYPE_UNSPECIFIED {
		return end.err
	}
	run.mu.Lock()
	details := run.hbValues
	run.mu.Unlock()
	if end.timeout == enumspb.TIMEOUT_TYPE_HEARTBEAT {
		return temporal.NewHeartbeatTimeoutError(details...)
	}
	return temporal.NewTimeoutError(end.timeout, nil, details...)
}

func isCanceled(err error) bool {
	var ce *temporal.CanceledError
	return errors.As(err, &ce) || errors.Is(err, context.Canceled)
}

// runAttempt runs attempt n and returns how it ended.
func (e *engine) runAttempt(parent context.Context, run *activityRun, n int, call func(context.Context) (any, error)) attemptEnd {
	now := time.Now()
	at := &attempt{run: run, n: n, start: now, gen: e.currentGen(), hb: make(chan heartbeat), hbAck: make(chan struct{}), done: make(chan struct{})}
	at.faults = e.activityFaults(run, n, now)
	for _, f := range at.faults {
		if f.Kind == HeartbeatLoss {
			at.hbLoss = now.Add(f.Dur)
		}
	}
	deadline, dlType := attemptDeadline(run, now)
	actx, cancel := context.WithCancelCause(parent)
	actx, cancelDl := context.WithDeadline(actx, deadline)
	defer cancelDl()
	at.cancel = cancel
	actx = context.WithValue(actx, attemptKey{}, at)
	actx = context.WithValue(actx, sinkKey{}, &sinkRef{sink: &at.sink, wf: run.wf, key: run.key, attempt: n, e: e})
	at.ctx = actx
	slot := e.openSlot(run, n, deadline)
	ev := Event{Kind: "act.start", WF: run.wf, Name: run.typ, ID: run.key, Attempt: n, Detail: "worker=" + itoa(at.gen.n)}
	if len(at.faults) > 0 {
		ev.Fault = at.faults[0].ID
		ev.Detail += " faults=" + faultIDs(at.faults)
	}
	e.trace.hold(run.key, now, ev)

	results := make(chan attemptEnd, 1)
	e.attempts.Add(1)
	go func() {
		defer e.attempts.Done()
		var end attemptEnd
		defer func() {
			if p := recover(); p != nil {
				end = attemptEnd{err: temporal.NewApplicationError(fmt.Sprintf("panic: %v", p), "PanicError")}
			}
			results <- end
		}()
		end.res, end.err = call(actx)
		end = slot.awaitCompletion(at, end)
	}()

	end := e.watchAttempt(at, results, deadline, dlType)
	e.closeSlot(run, slot)
	for _, ev := range at.sink.drain() {
		e.trace.holdStamped(run.key, ev)
	}
	close(at.done)
	cancel(context.Canceled)
	res := "ok"
	switch {
	case end.timeout != enumspb.TIMEOUT_TYPE_UNSPECIFIED:
		res = "timeout:" + timeoutName(end.timeout)
	case end.err != nil:
		res = resultName(end.err)
	}
	e.trace.hold(run.key, time.Now(), Event{Kind: "act.end", WF: run.wf, Name: run.typ, ID: run.key, Attempt: n, Result: res})
	e.record(run, at, end, res)
	return end
}

// watchAttempt waits for the attempt to end as the server would see it.
func (e *engine) watchAttempt(at *attempt, results chan attemptEnd, deadline time.Time, dlType enumspb.TimeoutType) attemptEnd {
	cancel := at.cancel
	run := at.run
	hbTimeout := run.opts.HeartbeatTimeout
	lastHB := at.start
	lost, stopped := false, false // the worker crashed / stopped under the attempt
	cancelCh, killCh := run.cancelReq, at.gen.kill
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		next := deadline
		if hbTimeout > 0 && lastHB.Add(hbTimeout).Before(next) {
			next = lastHB.Add(hbTimeout)
		}
		timer.Reset(time.Until(next))
		var hb *heartbeat
		var got *attemptEnd
		select {
		case <-timer.C:
		case h := <-at.hb:
			hb = &h
		case r := <-results:
			got = &r
		case <-killCh:
			killCh = nil
		case <-cancelCh:
			cancelCh = nil
		case <-e.stop:
		}
		e.gate.barrier()
		// Collect whatever else is pending at this instant, in a fixed order.
		if hb == nil {
			select {
			case h := <-at.hb:
				hb = &h
			default:
			}
		}
		if got == nil {
			select {
			case r := <-results:
				got = &r
			default:
			}
		}
		now := time.Now()
		if e.runOver(now) {
			// Whatever else happened at this instant, the run is over: the
			// attempt ends as run-over, the same way every time.
			if hb != nil {
				at.hbAck <- struct{}{}
			}
			cancel(errRunOver)
			return attemptEnd{err: errRunOver}
		}
		if !lost && !stopped && at.gen.killed() {
			cancel(errWorkerShutdown)
			at.workerFault = at.gen.fault
			if at.gen.crashed {
				lost = true
				e.trace.hold(run.key, now, Event{Kind: "act.lost", WF: run.wf, Name: run.typ, ID: run.key, Attempt: at.n, Detail: "worker " + itoa(at.gen.n) + " crashed; result will not be reported"})
			} else {
				stopped = true
				e.trace.hold(run.key, now, Event{Kind: "act.stop", WF: run.wf, Name: run.typ, ID: run.key, Attempt: at.n, Detail: "worker " + itoa(at.gen.n) + " stopped; context cancelled"})
			}
		}
		if !now.Before(deadline) {
			return e.timedOut(at, dlType, hb)
		}
		if hbTimeout > 0 && !now.Before(lastHB.Add(hbTimeout)) {
			return e.timedOut(at, enumspb.TIMEOUT_TYPE_HEARTBEAT, hb)
		}
		if hb != nil {
			if !lost {
				lastHB = now
				e.recordHeartbeat(at, hb.details, now)
			}
			at.hbAck <- struct{}{}
		}
		if got != nil && (!lost || got.async) {
			if at.cancelDelivered && errors.Is(got.err, context.Canceled) {
				got.err = temporal.NewCanceledError()
			}
			return *got
		}
	}
}

// timedOut ends an attempt with a timeout; a heartbeat that arrives at the
// same instant is too late and is released unrecorded.
func (e *engine) timedOut(at *attempt, t enumspb.TimeoutType, hb *heartbeat) attemptEnd {
	if hb != nil {
		at.hbAck <- struct{}{}
	}
	return attemptEnd{err: temporal.NewTimeoutError(t, nil), timeout: t}
}

func (e *engine) recordHeartbeat(at *attempt, details []any, now time.Time) {
	run := at.run
	// The SDK sends no details for a heartbeat without any (or with one
	// nil), and the server then keeps none: the next attempt sees none.
	var p *commonpb.Payloads
	var err error
	if len(details) > 1 || (len(details) == 1 && details[0] != nil) {
		p, err = e.w.dc.ToPayloads(details...)
	}
	run.mu.Lock()
	if err == nil {
		run.hbDetail, run.hbValues = p, details
	}
	run.mu.Unlock()
	ev := Event{Kind: "act.heartbeat", WF: run.wf, Name: run.typ, ID: run.key, Attempt: at.n}
	if err != nil {
		ev.Result = "encode-error"
	}
	closed := run.cancelRequested() && e.workflowClosed()
	switch {
	case closed:
		ev.Detail = "workflow closed: NotFound delivered"
	case run.cancelRequested():
		ev.Detail = "cancel delivered"
	}
	e.trace.hold(run.key, now, ev)
	if run.cancelRequested() {
		// The server answers a heartbeat of a cancel-requested activity
		// with the cancellation (NotFound once the workflow has closed);
		// the SDK then cancels the context.
		at.cancelOnHeartbeat(closed)
	}
}

func attemptDeadline(run *activityRun, start time.Time) (time.Time, enumspb.TimeoutType) {
	dl, t := time.Time{}, enumspb.TIMEOUT_TYPE_UNSPECIFIED
	if d := run.opts.StartToCloseTimeout; d > 0 {
		dl, t = start.Add(d), enumspb.TIMEOUT_TYPE_START_TO_CLOSE
	}
	if d := run.opts.ScheduleToCloseTimeout; d > 0 {
		if s := run.scheduled.Add(d); dl.IsZero() || s.Before(dl) {
			dl, t = s, enumspb.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE
		}
	}
	return dl, t
}
