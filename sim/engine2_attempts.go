package sim

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// A server's history holds only an activity's last attempt, so engine 2
// watches every attempt on the worker. The observer records; it never
// changes a call. Records are sorted before use, so the order goroutines
// appended them in never reaches a trace.

// observedAttempt is one activity attempt as the worker ran it.
type observedAttempt struct {
	wf, runID, actID, typ string
	n                     int
	local                 bool
	worker                int // the incarnation that ran it
	start, end            time.Time
	err                   error
}

// observedLocal is a local activity call as its workflow made it.
type observedLocal struct {
	wf, typ string
	call    int
	at      time.Time
	seq     int // per workflow, in the workflow's own order
}

type attemptObserver struct {
	interceptor.WorkerInterceptorBase
	origin time.Time

	inflight sync.WaitGroup // attempts running on the worker

	mu         sync.Mutex
	attempts   []observedAttempt
	heartbeats map[string][]time.Time // attemptID -> heartbeat times, in the attempt's order
	locals     []observedLocal
	calls      map[string]int // wf + "/" + type -> local calls made
	seqs       map[string]int // wf -> local calls made
	// tokens, latest and asyncEnds serve async completion (engine2_complete.go):
	// attempt ids by task token and by activity, and how completers ended attempts.
	stacks    *e2stacks // panic stacks taken on the panicking goroutine (engine2_stacks.go)
	tokens    map[string]string
	latest    map[string]string
	asyncEnds map[string]asyncEnd
}

func newAttemptObserver(origin time.Time) *attemptObserver {
	return &attemptObserver{origin: origin, calls: map[string]int{}, seqs: map[string]int{}, heartbeats: map[string][]time.Time{},
		tokens: map[string]string{}, latest: map[string]string{}, asyncEnds: map[string]asyncEnd{}, stacks: newE2Stacks()}
}

func (o *attemptObserver) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &observerActivity{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, o: o}
}

func (o *attemptObserver) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return stackWorkflow(&observerWorkflow{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, o: o})
}

type observerActivity struct {
	interceptor.ActivityInboundInterceptorBase
	o      *attemptObserver
	worker int
}

func (a *observerActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (res any, err error) {
	info := activity.GetInfo(ctx)
	rec := observedAttempt{wf: info.WorkflowExecution.ID, runID: info.WorkflowExecution.RunID, actID: info.ActivityID,
		typ: info.ActivityType.Name, n: int(info.Attempt), local: info.IsLocalActivity, worker: a.worker, start: time.Now()}
	a.o.noteStart(info)
	a.o.inflight.Add(1)
	defer a.o.inflight.Done()
	defer func() {
		p := recover()
		if p != nil {
			// The SDK reports a panic as a PanicError; record it so.
			err = temporal.NewApplicationError(fmt.Sprintf("panic: %v", p), "PanicError")
		}
		rec.end, rec.err = time.Now(), reportedAs(ctx, err)
		a.o.mu.Lock()
		a.o.attempts = append(a.o.attempts, rec)
		a.o.mu.Unlock()
		if p != nil {
			panic(a.o.stacks.activityPanic(info, p))
		}
	}()
	return a.Next.ExecuteActivity(ctx, in)
}

// reportedAs is the error as the worker reports it to the server: an
// attempt whose context the server's cancel request cancelled, and that
// returns a CanceledError or the context's error, is reported canceled
// (RespondActivityTaskCanceled), as the SDK's
// convertActivityResultToRespondRequest does.
func reportedAs(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != context.Canceled || !temporal.IsCanceledError(context.Cause(ctx)) {
		return err
	}
	var ce *temporal.CanceledError
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, context.Canceled) {
		return temporal.NewCanceledError()
	}
	return err
}

func (a *observerActivity) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&observerHeartbeats{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: outbound}, o: a.o})
}

// observerHeartbeats notes when each attempt heartbeats.
type observerHeartbeats struct {
	interceptor.ActivityOutboundInterceptorBase
	o *attemptObserver
}

func (h *observerHeartbeats) RecordHeartbeat(ctx context.Context, details ...any) {
	info := activity.GetInfo(ctx)
	if !info.IsLocalActivity {
		id := attemptID(info.WorkflowExecution.RunID, info.ActivityID, int(info.Attempt))
		h.o.mu.Lock()
		h.o.heartbeats[id] = append(h.o.heartbeats[id], time.Now())
		h.o.mu.Unlock()
	}
	h.Next.RecordHeartbeat(ctx, details...)
}

// attemptID names one attempt of one activity of one run.
func attemptID(runID, actID string, n int) string { return fmt.Sprintf("%s/%s/%d", runID, actID, n) }

type observerWorkflow struct {
	interceptor.WorkflowInboundInterceptorBase
	o *attemptObserver
}

func (w *observerWorkflow) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(stackOutbound(&observerOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, o: w.o}))
}

type observerOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	o *attemptObserver
}

func (w *observerOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	// A replayed call was recorded when it first ran. The bubble's clock,
	// not workflow.Now: the trace wants when the call was made, and the
	// worker makes it at an instant the server's ordering fixes.
	if !workflow.IsReplaying(ctx) {
		wf := workflow.GetInfo(ctx).WorkflowExecution.ID
		w.o.mu.Lock()
		w.o.calls[wf+"/"+activityType]++
		w.o.seqs[wf]++
		w.o.locals = append(w.o.locals, observedLocal{wf: wf, typ: activityType, call: w.o.calls[wf+"/"+activityType],
			at: time.Now(), seq: w.o.seqs[wf]})
		w.o.mu.Unlock()
	}
	return w.Next.ExecuteLocalActivity(ctx, activityType, args...)
}

// drain waits, up to limit of virtual time, for the attempts still running
// on the worker to return, as engine 1 lets them end; it reports whether
// they all did.
func (o *attemptObserver) drain(limit time.Duration) bool {
	done := make(chan struct{})
	go func() {
		o.inflight.Wait()
		close(done)
	}()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// heartbeatsOf is when the attempt heartbeated, after the run.
func (o *attemptObserver) heartbeatsOf(runID, actID string, n int) []time.Time {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.heartbeats[attemptID(runID, actID, n)]
}

// sorted returns the records in a canonical order, after the run.
func (o *attemptObserver) sorted() ([]observedAttempt, []observedLocal) {
	o.mu.Lock()
	defer o.mu.Unlock()
	atts := append([]observedAttempt(nil), o.attempts...)
	sort.Slice(atts, func(i, j int) bool {
		a, b := atts[i], atts[j]
		if a.runID != b.runID {
			return a.runID < b.runID
		}
		if a.actID != b.actID {
			return a.actID < b.actID
		}
		return a.n < b.n
	})
	locals := append([]observedLocal(nil), o.locals...)
	sort.Slice(locals, func(i, j int) bool {
		if locals[i].wf != locals[j].wf {
			return locals[i].wf < locals[j].wf
		}
		return locals[i].seq < locals[j].seq
	})
	return atts, locals
}
