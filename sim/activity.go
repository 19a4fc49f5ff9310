package sim

import (
	"context"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// headerKey carries the engine's key for a scheduled activity from the
// workflow side to the activity side. The engine removes it before any
// user interceptor sees the activity's header.
const headerKey = "temporalsim-activity"

// activityRun is one scheduled activity: every attempt of it, as the
// server tracks it.
type activityRun struct {
	key       string
	wf        string
	typ       string
	call      int
	opts      workflow.ActivityOptions
	policy    retryPolicy
	scheduled time.Time

	cancelOnce sync.Once
	cancelReq  chan struct{} // closed when the workflow asks to cancel, or when it closes
	// canceledByWorkflow says the workflow asked (not the engine draining a
	// closed workflow's activities).
	canceledByWorkflow bool

	mu       sync.Mutex
	hbDetail *commonpb.Payloads // last heartbeat details the server got
	hbValues []any
	attempts []AttemptRecord
	slot     *asyncSlot // the running attempt, for completions by id
}

func (r *activityRun) requestCancel() { r.cancelOnce.Do(func() { close(r.cancelReq) }) }

func (r *activityRun) cancelRequested() bool {
	select {
	case <-r.cancelReq:
		return true
	default:
		return false
	}
}

// attempt is one attempt of an activityRun; activity code reaches it
// through its context.
type attempt struct {
	run    *activityRun
	n      int
	start  time.Time
	gen    *workerGen
	faults []Fault
	hbLoss time.Time      // heartbeats from this time on are lost (zero: none)
	hb     chan heartbeat // heartbeats handed to the supervisor
	hbAck  chan struct{}  //
	done   chan struct{}  // closed when the supervisor has decided the attempt
	cancel context.CancelCauseFunc
	ctx    context.Context // the attempt's context as the engine made it
	sink   eventSink
	// workerFault is the id of the worker shutdown or crash that cut the
	// attempt off (set by the supervisor; 0: none).
	workerFault int
	// cancelDelivered is set (by the supervisor) when a heartbeat carried
	// the cancellation; the SDK then reports ctx.Err() as a cancellation.
	cancelDelivered bool
}

// cancelOnHeartbeat delivers a cancellation request to the activity, as
// a server answers a heartbeat: with the cancellation while the workflow
// is open, with NotFound once it has closed (the activity's task went
// with it). The SDK cancels the activity's context either way, with that
// answer as the cause, and reports ctx.Err() as a cancellation only in
// the first case; after NotFound it is a plain failure, which the server
// rejects.
func (at *attempt) cancelOnHeartbeat(workflowClosed bool) {
	if workflowClosed {
		at.cancel(serviceerror.NewNotFound("workflow execution already completed"))
		return
	}
	at.cancelDelivered = true
	at.cancel(temporal.NewCanceledError())
}

// heartbeat is one heartbeat on its way to the supervisor. It is a
// struct, not the details slice, because a heartbeat without details
// (a nil slice) is still a heartbeat.
type heartbeat struct{ details []any }

type attemptKey struct{}

func attemptFrom(ctx context.Context) *attempt {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	return a
}

// activityInbound is the engine's outermost activity interceptor: for each
// scheduled activity it plays the server (attempts, timeouts, retries,
// cancellation delivery, worker shutdown), then holds the result at the
// gate and moves workflow time up to activity time before the SDK
// delivers it.
type activityInbound struct {
	interceptor.ActivityInboundInterceptorBase
	e *engine
}

func (a *activityInbound) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&activityOutbound{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: outbound}, e: a.e})
}

func (a *activityInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if activity.IsActivity(ctx) && activity.GetInfo(ctx).IsLocalActivity {
		return a.executeLocal(ctx, in)
	}
	run := a.e.takeRun(interceptor.Header(ctx))
	if run == nil {
		return a.Next.ExecuteActivity(ctx, in)
	}
	a.e.bindRun(activity.GetInfo(ctx), run)
	a.e.attempts.Add(1)
	defer a.e.attempts.Done()
	res, err := a.e.supervise(ctx, run, func(actx context.Context) (any, error) { return a.Next.ExecuteActivity(actx, in) })
	a.e.gate.pass(run.key)
	a.e.postSync()
	return res, err
}

func (a *activityInbound) executeLocal(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	a.e.attempts.Add(1)
	defer a.e.attempts.Done()
	info := activity.GetInfo(ctx)
	key, f, injected := a.e.localActivityFault(info, interceptor.Header(ctx))
	sink := &eventSink{}
	ctx = context.WithValue(ctx, sinkKey{}, &sinkRef{sink: sink, wf: info.WorkflowExecution.ID, key: key, e: a.e})
	if injected {
		// The innermost interceptor fails the call, after every user
		// interceptor has seen it.
		ctx = context.WithValue(ctx, localFaultKey{}, f)
	}
	res, err := a.Next.ExecuteActivity(ctx, in)
	for _, ev := range sink.drain() {
		a.e.trace.holdStamped(key, ev)
	}
	a.e.trace.hold(key, time.Now(), Event{Kind: "la.end", WF: info.WorkflowExecution.ID, Name: info.ActivityType.Name,
		ID: key, Attempt: int(info.Attempt), Result: resultName(err), Fault: f.ID})
	a.e.gate.pass(key)
	a.e.postSync()
	return res, err
}

// activityOutbound sits next to the SDK for outbound calls, so it sees
// what user interceptors pass down: it is the server's side of heartbeats,
// and it answers GetInfo, heartbeat details and the stop channel for the
// current attempt.
type activityOutbound struct {
	interceptor.ActivityOutboundInterceptorBase
	e *engine
}

func (o *activityOutbound) GetInfo(ctx context.Context) activity.Info {
	info := o.Next.GetInfo(ctx)
	if at := attemptFrom(ctx); at != nil {
		info.Attempt = int32(at.n)
		info.StartedTime = at.start
		info.HeartbeatTimeout = at.run.opts.HeartbeatTimeout
		info.StartToCloseTimeout = at.run.opts.StartToCloseTimeout
		info.TaskToken = []byte(attemptToken(at.run, at.n))
		info.ScheduleToCloseTimeout = at.run.opts.ScheduleToCloseTimeout
		if dl, ok := ctx.Deadline(); ok {
			info.Deadline = dl
		}
	}
	return info
}

func (o *activityOutbound) RecordHeartbeat(ctx context.Context, details ...any) {
	at := attemptFrom(ctx)
	if at == nil {
		o.Next.RecordHeartbeat(ctx, details...)
		return
	}
	if !at.hbLoss.IsZero() && !time.Now().Before(at.hbLoss) {
		return // lost in transit: neither the server nor the SDK sees it
	}
	// The heartbeat is not passed on to the SDK: the test environment
	// would throttle it on timers of its own and cancel the context on its
	// own schedule. The supervisor is the server here.
	select {
	case at.hb <- heartbeat{details: details}:
		<-at.hbAck
	case <-at.done:
	}
}

func (o *activityOutbound) HasHeartbeatDetails(ctx context.Context) bool {
	if at := attemptFrom(ctx); at != nil {
		at.run.mu.Lock()
		defer at.run.mu.Unlock()
		return at.run.hbDetail != nil
	}
	return o.Next.HasHeartbeatDetails(ctx)
}

func (o *activityOutbound) GetHeartbeatDetails(ctx context.Context, d ...any) error {
	at := attemptFrom(ctx)
	if at == nil {
		return o.Next.GetHeartbeatDetails(ctx, d...)
	}
	at.run.mu.Lock()
	p := at.run.hbDetail
	at.run.mu.Unlock()
	if p == nil {
		return o.Next.GetHeartbeatDetails(ctx, d...)
	}
	return o.e.w.dc.FromPayloads(p, d...)
}

func (o *activityOutbound) GetWorkerStopChannel(ctx context.Context) <-chan struct{} {
	if at := attemptFrom(ctx); at != nil {
		return at.gen.stop
	}
	return o.Next.GetWorkerStopChannel(ctx)
}

// faultInbound is the engine's innermost activity interceptor: it carries
// out the faults the supervisor chose for the attempt, after every user
// interceptor has seen the call.
type faultInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

// localFaultKey carries the fault chosen for a local activity attempt.
type localFaultKey struct{}

func (f *faultInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if fl, ok := ctx.Value(localFaultKey{}).(Fault); ok {
		return nil, injectedError(fl)
	}
	at := attemptFrom(ctx)
	if at == nil {
		return f.Next.ExecuteActivity(ctx, in)
	}
	if ended, err := applyAttemptFaults(ctx, at.ctx, at.faults); ended {
		return nil, err
	}
	return f.Next.ExecuteActivity(ctx, in)
}

// applyAttemptFaults carries out the faults that hit an activity attempt,
// on either engine; ctx is the context the interceptors passed down, own
// the attempt's own. It reports whether they ended the attempt, and with
// which error; a latency fault delays it and lets it run.
func applyAttemptFaults(ctx, own context.Context, faults []Fault) (bool, error) {
	for _, fl := range faults {
		switch fl.Kind {
		case ActivityError, LocalActivityError:
			return true, injectedError(fl)
		case ActivityPanic:
			panic("injected panic (fault f" + itoa(fl.ID) + ")")
		case Latency:
			t := time.NewTimer(fl.Dur)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return true, ctx.Err()
			}
		case StartToCloseTimeout, ScheduleToCloseExpiry:
			// Wait on the attempt's own context: a user interceptor that
			// drops cancellation must not make the fault hang forever.
			<-own.Done()
			return true, own.Err()
		}
	}
	return false, nil
}
