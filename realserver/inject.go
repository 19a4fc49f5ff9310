package realserver

import (
	"context"
	"fmt"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// injector carries out a plan's activity-scoped and child-workflow faults
// on a real worker, as the engine does on its own: the innermost activity
// interceptor fails, panics, delays or hangs the attempts a fault targets,
// the innermost activity outbound interceptor drops their heartbeats after
// a heartbeat-loss fault, and the innermost workflow interceptor fails the
// child workflows a fault targets.
type injector struct {
	plan sim.Plan
	// window is the scenario's fault window: activity, local activity and
	// child faults hit only what starts in [At, window], as in the engine.
	window time.Duration
	clk    *ScaledClock
	calls  *callNumbers
	rec    *recorder

	mu       sync.Mutex
	children map[string]childDecision // by child execution
	crashed  map[int]bool             // worker incarnations a worker-crash fault killed
	// ended is closed when the run ends; it releases the attempts a crash
	// still holds (see holdUntilDeadline).
	ended   chan struct{}
	endOnce sync.Once
}

// end releases the attempts of crashed workers: the run is over, so
// nothing they report can change it, and a test must not end with them
// still held.
func (in *injector) end() { in.endOnce.Do(func() { close(in.ended) }) }

// crash marks worker incarnation n as crashed: from now on its attempts'
// heartbeats and results never reach the server.
func (in *injector) crash(n int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.crashed == nil {
		in.crashed = map[int]bool{}
	}
	in.crashed[n] = true
}

func (in *injector) isCrashed(n int) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.crashed[n]
}

type crashKey struct{}

// attemptFaults lists the faults that hit this activity attempt: the
// engine's rule (target type, call, attempt, and a start in virtual time
// between the fault's At and the end of the fault window).
func (in *injector) attemptFaults(typ string, call, attempt int, local bool) []sim.Fault {
	elapsed := in.clk.Now().Sub(in.clk.Origin())
	var out []sim.Fault
	for _, f := range in.plan.Faults {
		if local != (f.Kind == sim.LocalActivityError) || !f.Kind.ActivityScoped() || f.Kind == sim.ChildWorkflowFailure {
			continue
		}
		if f.Target != typ || (f.Call != 0 && f.Call != call) || (f.Attempt != 0 && f.Attempt != attempt) || !in.inWindow(f, elapsed) {
			continue
		}
		out = append(out, f)
	}
	return out
}

func (in *injector) inWindow(f sim.Fault, elapsed time.Duration) bool {
	return elapsed >= f.At && elapsed <= in.window
}

// injectedError is the error an activity-error or local-activity-error
// fault makes the attempt return: the engine's.
func injectedError(f sim.Fault) error {
	msg := f.Value
	if msg == "" {
		msg = fmt.Sprintf("injected fault f%d", f.ID)
	}
	return temporal.NewApplicationErrorWithOptions(msg, "InjectedFault", temporal.ApplicationErrorOptions{NonRetryable: f.NonRetryable})
}

type hbLossKey struct{}

type activityInbound struct {
	interceptor.ActivityInboundInterceptorBase
	in     *injector
	worker int
}

func (a *activityInbound) ExecuteActivity(ctx context.Context, input *interceptor.ExecuteActivityInput) (res any, err error) {
	info := activity.GetInfo(ctx)
	typ, attempt := info.ActivityType.Name, int(info.Attempt)
	call := a.in.calls.activity(ctx, info)
	faults := a.in.attemptFaults(typ, call, attempt, info.IsLocalActivity)
	rec := a.in.rec.attemptStart(info, call, a.worker, faults)
	crashed := func() bool { return a.in.isCrashed(a.worker) }
	ctx = context.WithValue(ctx, crashKey{}, crashed)
	defer func() {
		p := recover()
		if p != nil {
			rec.end(fmt.Errorf("panic: %v", p))
		} else {
			rec.end(err)
		}
		if crashed() {
			holdUntilDeadline(ctx, a.in.ended)
		}
		if p != nil {
			panic(p)
		}
	}()
	for _, f := range faults {
		switch f.Kind {
		case sim.ActivityError, sim.LocalActivityError:
			return nil, injectedError(f)
		case sim.ActivityPanic:
			panic(fmt.Sprintf("injected panic (fault f%d)", f.ID))
		case sim.Latency:
			select {
			case <-a.in.clk.After(f.Dur):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		case sim.StartToCloseTimeout, sim.ScheduleToCloseExpiry:
			<-ctx.Done()
			return nil, ctx.Err()
		case sim.HeartbeatLoss:
			ctx = context.WithValue(ctx, hbLossKey{}, time.Now().Add(a.in.clk.Real(f.Dur)))
		}
	}
	return a.Next.ExecuteActivity(ctx, input)
}

// holdUntilDeadline keeps an attempt of a crashed worker from reporting:
// it returns only after the attempt's deadline (whatever its context
// says, as the SDK cancels that when the worker stops), when the SDK
// drops a late result without sending it, or when the run has ended. The
// server meanwhile times the attempt out, as it would a dead worker's.
func holdUntilDeadline(ctx context.Context, ended <-chan struct{}) {
	if dl, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(dl) + 50*time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ended:
		}
	}
}

// activityOutbound drops the heartbeats of an attempt after its
// heartbeat-loss fault, and of every attempt of a crashed worker: neither
// the SDK nor the server sees them.
type activityOutbound struct {
	interceptor.ActivityOutboundInterceptorBase
}

func (o *activityOutbound) RecordHeartbeat(ctx context.Context, details ...any) {
	if lost, ok := ctx.Value(hbLossKey{}).(time.Time); ok && !time.Now().Before(lost) {
		return
	}
	if crashed, ok := ctx.Value(crashKey{}).(func() bool); ok && crashed() {
		return // a dead worker sends nothing
	}
	o.Next.RecordHeartbeat(ctx, details...)
}

// childFault says whether a child workflow execution of type typ fails at
// once: the engine's rule, with calls counted in the order children are
// first seen. The decision is kept per execution, so a replay of the
// child (on a new worker, later) decides the same.
func (in *injector) childFault(info *workflow.Info) (sim.Fault, bool) {
	key := info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID
	in.mu.Lock()
	defer in.mu.Unlock()
	if d, ok := in.children[key]; ok {
		return d.f, d.ok
	}
	call := in.calls.child(info)
	elapsed := in.clk.Now().Sub(in.clk.Origin())
	d := childDecision{}
	for _, f := range in.plan.Faults {
		if f.Kind == sim.ChildWorkflowFailure && f.Target == info.WorkflowType.Name && (f.Call == 0 || f.Call == call) && in.inWindow(f, elapsed) {
			d = childDecision{f, true}
			break
		}
	}
	if in.children == nil {
		in.children = map[string]childDecision{}
	}
	in.children[key] = d
	return d.f, d.ok
}

type childDecision struct {
	f  sim.Fault
	ok bool
}

// callNumbers numbers the schedulings of each activity type within a
// workflow run (the Call of a fault), and of each child workflow type.
//
// An activity's number is its rank among the run's ActivityTaskScheduled
// events of its type, read from the run's history, so activities fanned
// out together are numbered in scheduling order whatever order their
// attempts reach the worker in. Local activities have no scheduled event;
// they are numbered in the order their first attempts are seen, which is
// scheduling order for local activities run one after another. Children
// are numbered in the order their first runs are seen.
type callNumbers struct {
	c  client.Client
	mu sync.Mutex
	// byRun maps a run id to its activity ids' numbers.
	byRun map[string]map[string]int
	// local and localSeen number local activities per run and type.
	local     map[string]int
	localSeen map[string]int
	children  map[string]int
	childSeen map[string]int
}

func newCallNumbers(c client.Client) *callNumbers {
	return &callNumbers{c: c, byRun: map[string]map[string]int{}, local: map[string]int{},
		localSeen: map[string]int{}, children: map[string]int{}, childSeen: map[string]int{}}
}

func (cn *callNumbers) activity(ctx context.Context, info activity.Info) int {
	run, typ := info.WorkflowExecution.RunID, info.ActivityType.Name
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if info.IsLocalActivity {
		key := run + "/" + info.ActivityID
		if n, ok := cn.local[key]; ok {
			return n
		}
		cn.localSeen[run+"/"+typ]++
		cn.local[key] = cn.localSeen[run+"/"+typ]
		return cn.local[key]
	}
	if n, ok := cn.byRun[run][info.ActivityID]; ok {
		return n
	}
	// The activity's scheduled event is in the history by now; read the
	// run's schedulings afresh. The lock is held so that concurrent
	// attempts of one fan-out read the history once.
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ids := map[string]int{}
	perType := map[string]int{}
	it := cn.c.GetWorkflowHistory(hctx, info.WorkflowExecution.ID, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			break
		}
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			perType[a.GetActivityType().GetName()]++
			ids[a.GetActivityId()] = perType[a.GetActivityType().GetName()]
		}
	}
	cn.byRun[run] = ids
	if n, ok := ids[info.ActivityID]; ok {
		return n
	}
	// Not found (the history could not be read): only faults for every
	// call apply.
	return 0
}

func (cn *callNumbers) child(info *workflow.Info) int {
	key := info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID
	cn.mu.Lock()
	defer cn.mu.Unlock()
	if n, ok := cn.children[key]; ok {
		return n
	}
	cn.childSeen[info.WorkflowType.Name]++
	cn.children[key] = cn.childSeen[info.WorkflowType.Name]
	return cn.children[key]
}
