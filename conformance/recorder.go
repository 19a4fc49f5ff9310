package conformance

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

// recorder is a worker interceptor the runner adds after a scenario's own
// interceptors, on the engine and on every worker incarnation of a real
// run alike. It sees what user code sees, so both engines are observed
// through the same code: each activity attempt as it reached the worker
// (with the heartbeat details it was handed), and the workflow calls
// (executions, signals, updates, queries, local activities) that were not
// replays of calls already made.
type recorder struct {
	interceptor.WorkerInterceptorBase
	clk    clock.Clock
	origin time.Time

	// scaled, in a real run, is the run's clock: workflow.Now is then
	// scaled as the run's timers are (see workflowNow), from the start of
	// the top-level workflow (topStart, the server's time).
	scaled   *realserver.ScaledClock
	topStart atomic.Pointer[time.Time]

	mu       sync.Mutex
	attempts []workerAttempt
	calls    map[string]map[string]int // run id -> interceptor call counts by "method:name"
	localAt  []localSchedule
}

// workerAttempt is one activity attempt as the worker ran it.
type workerAttempt struct {
	Workflow, RunID string
	ActivityID      string
	Type            string
	Local           bool
	N               int
	// Heartbeat is the JSON of the heartbeat details the attempt was
	// handed (what the last attempt recorded, as the server kept it), or
	// "" when it had none.
	Heartbeat  string
	Start, End time.Duration
	// Result is "ok" or the error type the activity returned; Ctx is its
	// context's state when it returned ("", "canceled", "deadline").
	Result, Ctx string
	// NonRetryable is set when the error says so itself.
	NonRetryable bool
}

// localSchedule is a local activity the workflow asked for.
type localSchedule struct {
	Workflow, RunID, Type string
	At                    time.Duration
}

func newRecorder(clk clock.Clock, origin time.Time) *recorder {
	return &recorder{clk: clk, origin: origin, calls: map[string]map[string]int{}}
}

func (r *recorder) now() time.Duration { return r.clk.Now().Sub(r.origin) }

func (r *recorder) count(runID, method, name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls[runID] == nil {
		r.calls[runID] = map[string]int{}
	}
	r.calls[runID][method+":"+name]++
}

// Calls returns the interceptor call counts of the workflow runs own
// accepts (every run when own is nil): a real run's continue-as-new chain
// goes on after the first run, which is all the engine runs.
func (r *recorder) Calls(own func(runID string) bool) map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for run, calls := range r.calls {
		if own != nil && !own(run) {
			continue
		}
		for k, v := range calls {
			out[k] += v
		}
	}
	return out
}

// Attempts returns the recorded attempts by start, then identity.
func (r *recorder) Attempts() []workerAttempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.attempts)
	slices.SortStableFunc(out, func(a, b workerAttempt) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Workflow, b.Workflow),
			compareIDs(a.ActivityID, b.ActivityID), cmp.Compare(a.N, b.N))
	})
	return out
}

// compareIDs orders activity ids numerically when both are numbers (the
// SDK numbers them in scheduling order), else as text.
func compareIDs(a, b string) int {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return cmp.Compare(a, b)
}

func (r *recorder) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &recActivityIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, r: r}
}

func (r *recorder) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &recWorkflowIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, r: r}
}

type recActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	r *recorder
}

func (a *recActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	at := &workerAttempt{Workflow: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID, ActivityID: info.ActivityID,
		Type: info.ActivityType.Name, Local: info.IsLocalActivity, N: int(info.Attempt), Start: a.r.now()}
	if activity.HasHeartbeatDetails(ctx) {
		var v any
		if err := activity.GetHeartbeatDetails(ctx, &v); err != nil {
			at.Heartbeat = "undecodable"
		} else {
			b, _ := json.Marshal(v)
			at.Heartbeat = string(b)
		}
	}
	a.r.count(at.RunID, "ExecuteActivity", at.Type)
	res, err := a.Next.ExecuteActivity(ctx, in)
	at.End, at.Result = a.r.now(), "ok"
	if err != nil {
		at.Result = sim.ErrorType(err)
		var appErr *temporal.ApplicationError
		at.NonRetryable = errors.As(err, &appErr) && appErr.NonRetryable()
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		at.Ctx = "deadline"
	case ctx.Err() != nil:
		at.Ctx = "canceled"
	}
	a.r.mu.Lock()
	a.r.attempts = append(a.r.attempts, *at)
	a.r.mu.Unlock()
	return res, err
}

type recWorkflowIn struct {
	interceptor.WorkflowInboundInterceptorBase
	r *recorder
}

func (w *recWorkflowIn) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&recWorkflowOut{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, r: w.r})
}

// ExecuteWorkflow counts executions; one rebuilt by replay on another
// worker is counted apart, as a replay.
func (w *recWorkflowIn) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	method := "ExecuteWorkflow"
	if workflow.IsReplaying(ctx) {
		method = "ReplayWorkflow"
	}
	info := workflow.GetInfo(ctx)
	if info.ParentWorkflowExecution == nil {
		start := info.WorkflowStartTime
		w.r.topStart.CompareAndSwap(nil, &start)
	}
	w.r.count(info.WorkflowExecution.RunID, method, info.WorkflowType.Name)
	return w.Next.ExecuteWorkflow(ctx, in)
}

func (w *recWorkflowIn) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	if !workflow.IsReplaying(ctx) {
		w.r.count(runOf(ctx), "HandleSignal", in.SignalName)
	}
	return w.Next.HandleSignal(ctx, in)
}

func (w *recWorkflowIn) HandleQuery(ctx workflow.Context, in *interceptor.HandleQueryInput) (any, error) {
	w.r.count(runOf(ctx), "HandleQuery", in.QueryType)
	return w.Next.HandleQuery(ctx, in)
}

func (w *recWorkflowIn) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	err := w.Next.ValidateUpdate(ctx, in)
	if !workflow.IsReplaying(ctx) {
		res := "ok"
		if err != nil {
			res = "rejected"
		}
		w.r.count(runOf(ctx), "ValidateUpdate", in.Name+"="+res)
	}
	return err
}

func (w *recWorkflowIn) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	res, err := w.Next.ExecuteUpdate(ctx, in)
	// Counted when the handler finishes live: a handler a worker shutdown
	// cut off is re-run by the replay on the next worker and finishes
	// there.
	if !workflow.IsReplaying(ctx) {
		out := "ok"
		if err != nil {
			out = sim.ErrorType(err)
		}
		w.r.count(runOf(ctx), "ExecuteUpdate", in.Name+"="+out)
	}
	return res, err
}

func runOf(ctx workflow.Context) string { return workflow.GetInfo(ctx).WorkflowExecution.RunID }

type recWorkflowOut struct {
	interceptor.WorkflowOutboundInterceptorBase
	r *recorder
}

// Now is the workflow's time; in a real run, see workflowNow.
func (o *recWorkflowOut) Now(ctx workflow.Context) time.Time {
	t := o.Next.Now(ctx)
	if start := o.r.topStart.Load(); o.r.scaled != nil && start != nil {
		return workflowNow(*start, o.r.scaled.Scale(), t)
	}
	return t
}

// workflowNow is a real run's workflow time at the server's time t, for
// a run whose top-level workflow started at start and that is sped up k
// times. realserver scales timers by K but leaves workflow.Now at the
// server's real time, so code that waits until a time it computed from
// Now (the schedule scenario's loop) waits K times too long in virtual
// time. Here Now runs K times faster, as the timers do, from the first
// UTC midnight after the workflow's start: the engine's workflow starts
// at a midnight too (1 January 2000), so times of day derived from Now
// (the schedule's labels and child ids) match the engine's however long
// the server took to start the workflow; and Now stays ahead of the real
// time, which the SDK also reads it as (a local activity's ScheduledTime,
// from which its schedule-to-close expiry is reckoned against the real
// clock), so no local activity expires early. A replay on a new worker
// of the same run maps the recorded times the same way.
func workflowNow(start time.Time, k float64, t time.Time) time.Time {
	return nowAnchor(start).Add(time.Duration(float64(t.Sub(start)) * k))
}

// nowAnchor is the instant a real run's workflow time starts at.
func nowAnchor(start time.Time) time.Time {
	return start.UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
}

func (o *recWorkflowOut) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	if !workflow.IsReplaying(ctx) {
		o.r.mu.Lock()
		o.r.localAt = append(o.r.localAt, localSchedule{Workflow: workflow.GetInfo(ctx).WorkflowExecution.ID, RunID: runOf(ctx), Type: activityType, At: o.r.now()})
		o.r.mu.Unlock()
	}
	return o.Next.ExecuteLocalActivity(ctx, activityType, args...)
}
