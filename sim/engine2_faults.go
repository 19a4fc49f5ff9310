package sim

import (
	"context"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim/server"
)

// Engine 2 carries out the plan's activity-level faults on the real
// worker, each where it happens in production: an attempt fails, panics,
// is late or hangs inside the worker (and the server times a hung attempt
// out and retries it by its policy); lost heartbeats never leave the
// worker, so the server times the attempt out on its heartbeat timeout; a
// local activity attempt fails inside the worker, which retries it; a
// child workflow fails instead of running. Which call a fault hits is
// decided as on engine 1 (faultmatch.go), from call numbers the server
// hands out in its own deterministic order (server.Options.OnScheduled).

// e2faults is one engine-2 run's fault state.
type e2faults struct {
	m      faultMatcher
	origin time.Time
	obs    *attemptObserver

	mu        sync.Mutex
	calls     map[string]int     // activity type, or "child/" + workflow type -> scheduled so far
	actCall   map[string]int     // run id/activity id -> call number
	childCall map[string]int     // child run id -> call number
	hit       map[string][]Fault // attempt id (locals' with an "l" prefix) -> faults that hit it
	children  map[string]*Fault  // child run id -> its fault, decided on its first task

	hb hbWindows // heartbeat batch windows (engine2_hbbatch.go)
}

func newE2Faults(w *World, window time.Duration, obs *attemptObserver) *e2faults {
	return &e2faults{m: faultMatcher{w: w, window: window}, origin: w.origin, obs: obs,
		calls: map[string]int{}, actCall: map[string]int{}, childCall: map[string]int{},
		hit: map[string][]Fault{}, children: map[string]*Fault{}}
}

// scheduled numbers calls as the server schedules them (OnScheduled).
func (f *e2faults) scheduled(sc server.Scheduled) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if sc.Child {
		f.calls["child/"+sc.Type]++
		f.childCall[sc.RunID] = f.calls["child/"+sc.Type]
		return
	}
	f.calls[sc.Type]++
	f.actCall[sc.RunID+"/"+sc.ID] = f.calls[sc.Type]
}

// attemptFaults decides which faults hit an activity attempt as it starts.
func (f *e2faults) attemptFaults(info activity.Info) []Fault {
	elapsed := time.Since(f.origin)
	n := int(info.Attempt)
	if info.IsLocalActivity {
		call := f.obs.localCall(info.WorkflowExecution.ID, info.ActivityID)
		fl, ok := f.m.local(info.ActivityType.Name, call, n, elapsed)
		if !ok {
			return nil
		}
		f.note("l"+attemptID(info.WorkflowExecution.RunID, info.ActivityID, n), []Fault{fl})
		return []Fault{fl}
	}
	f.mu.Lock()
	call := f.actCall[info.WorkflowExecution.RunID+"/"+info.ActivityID]
	f.mu.Unlock()
	fs := f.m.activity(info.ActivityType.Name, call, n, elapsed)
	f.note(attemptID(info.WorkflowExecution.RunID, info.ActivityID, n), fs)
	return fs
}

func (f *e2faults) note(id string, fs []Fault) {
	if len(fs) == 0 {
		return
	}
	f.mu.Lock()
	f.hit[id] = fs
	f.mu.Unlock()
}

// faultsOf lists the faults that hit an attempt, after the run.
func (f *e2faults) faultsOf(runID, actID string, n int, local bool) []Fault {
	id := attemptID(runID, actID, n)
	if local {
		id = "l" + id
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hit[id]
}

// childFault decides, once per child run, whether it fails instead of
// running; a replay of the run (after the worker's cache dropped it) gets
// the same answer. elapsed is when the run started.
func (f *e2faults) childFault(runID, typ string, elapsed time.Duration) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := f.children[runID]; ok {
		if d == nil {
			return Fault{}, false
		}
		return *d, true
	}
	fl, ok := f.m.child(typ, f.childCall[runID], elapsed)
	f.children[runID] = nil
	if ok {
		f.children[runID] = &fl
	}
	return fl, ok
}

// childFaultID is the id of the fault that failed a child run (0: none).
func (f *e2faults) childFaultID(runID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d := f.children[runID]; d != nil {
		return d.ID
	}
	return 0
}

// localCall is the call number the workflow gave a local activity: the
// SDK numbers a run's local activities in call order, as the observer
// numbers the calls (see attemptObserver.sorted).
func (o *attemptObserver) localCall(wf, actID string) int {
	seq, err := strconv.Atoi(actID)
	if err != nil {
		return 0
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.locals {
		if l.wf == wf && l.seq == seq {
			return l.call
		}
	}
	return 0
}

// e2faultInterceptor is a worker interceptor of engine 2. The outer one
// sits just inside the attempt observer: it decides each attempt's
// faults, and drops the heartbeats a heartbeat-loss fault loses before the
// observer or the SDK sees them. The inner one is innermost: it fails,
// panics, delays or hangs the attempt, and fails a child, after every
// user interceptor has seen the call.
type e2faultInterceptor struct {
	interceptor.WorkerInterceptorBase
	f     *e2faults
	inner bool
}

// e2attempt is what the outer interceptor hands the inner one, and its
// own outbound half, through the attempt's context.
type e2attempt struct {
	faults []Fault
	own    context.Context // the context the worker gave the attempt
	hbLoss time.Time       // heartbeats from this time on are lost (zero: none)
}

type e2attemptKey struct{}

func (i *e2faultInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	base := interceptor.ActivityInboundInterceptorBase{Next: next}
	if i.inner {
		return &e2innerActivity{ActivityInboundInterceptorBase: base}
	}
	return &e2outerActivity{ActivityInboundInterceptorBase: base, f: i.f}
}

func (i *e2faultInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	if !i.inner {
		return next
	}
	return &e2childFault{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, f: i.f}
}

type e2outerActivity struct {
	interceptor.ActivityInboundInterceptorBase
	f *e2faults
}

func (a *e2outerActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	fs := a.f.attemptFaults(activity.GetInfo(ctx))
	if len(fs) == 0 {
		return a.Next.ExecuteActivity(ctx, in)
	}
	at := &e2attempt{faults: fs, own: ctx}
	for _, fl := range fs {
		if fl.Kind == HeartbeatLoss {
			at.hbLoss = time.Now().Add(fl.Dur)
		}
	}
	return a.Next.ExecuteActivity(context.WithValue(ctx, e2attemptKey{}, at), in)
}

func (a *e2outerActivity) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&e2heartbeats{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: outbound}, hb: &a.f.hb})
}

// e2heartbeats loses the heartbeats of an attempt a heartbeat-loss fault
// hit, from the fault's onset on: user interceptors see them, the worker
// never sends them, the server never records them.
type e2heartbeats struct {
	interceptor.ActivityOutboundInterceptorBase
	hb *hbWindows
}

func (h *e2heartbeats) RecordHeartbeat(ctx context.Context, details ...any) {
	if at, ok := ctx.Value(e2attemptKey{}).(*e2attempt); ok && !at.hbLoss.IsZero() && !time.Now().Before(at.hbLoss) {
		return
	}
	h.hb.settle(ctx)
	h.Next.RecordHeartbeat(ctx, details...)
}

type e2innerActivity struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *e2innerActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if at, ok := ctx.Value(e2attemptKey{}).(*e2attempt); ok {
		// A hung attempt returns when the worker cancels its context at
		// the attempt's deadline; the worker does not report that, so the
		// attempt ends when the server's timeout fires.
		if ended, err := applyAttemptFaults(ctx, at.own, at.faults); ended {
			return nil, err
		}
	}
	return a.Next.ExecuteActivity(ctx, in)
}

// e2childFault fails a child workflow the plan says fails, as engine 1's
// faultWorkflowInbound does.
type e2childFault struct {
	interceptor.WorkflowInboundInterceptorBase
	f *e2faults
}

func (c *e2childFault) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	info := workflow.GetInfo(ctx)
	if info.ParentWorkflowExecution != nil {
		// The run's start time, not the worker's clock: a replay decides alike.
		elapsed := info.WorkflowStartTime.Sub(c.f.origin)
		if fl, ok := c.f.childFault(info.WorkflowExecution.RunID, info.WorkflowType.Name, elapsed); ok {
			return nil, temporal.NewApplicationError("injected child workflow failure (fault f"+itoa(fl.ID)+")", "InjectedFault")
		}
	}
	return c.Next.ExecuteWorkflow(ctx, in)
}

// firstFault is the id of the first of fs (0: none).
func firstFault(fs []Fault) int {
	if len(fs) == 0 {
		return 0
	}
	return fs[0].ID
}

// planFaults adds the plan's faults at the run's start, as engine 1 does.
func (rd *e2reader) planFaults(p Plan) {
	for _, f := range p.Faults {
		rd.add(rd.origin, Event{Kind: "plan.fault", Fault: f.ID, Detail: f.String()})
	}
}

// codecFaults adds a fault event where each codec-failure window opens
// before the run ends, as engine 1 does (its codec fault is the scenario's
// codec asking World.ActiveFault; the event marks the window). Like
// engine 1's, a window opening at 0 is marked just after the start.
func (rd *e2reader) codecFaults(p Plan, elapsed time.Duration) {
	for _, f := range p.Faults {
		at := max(f.At, time.Nanosecond)
		if f.Kind != CodecFailure || at >= elapsed {
			continue
		}
		rd.faults.m.w.fire(f.ID)
		rd.add(rd.origin.Add(at), Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind), Detail: "window " + f.Dur.String() + " " + f.Target})
	}
}

// callOf is the call number the server's order gave an activity, which
// faults were matched by; read is the number in the histories' reading
// order, for an activity the server did not report.
func (f *e2faults) callOf(runID, actID string, read int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n, ok := f.actCall[runID+"/"+actID]; ok {
		return n
	}
	return read
}
