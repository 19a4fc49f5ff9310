package fakes

import (
	"strconv"
	"sync"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// wfExec is one workflow execution as the probes of one Recorder see it,
// shared by its layers: call numbering and where events go.
//
// Signals, queries and updates run in contexts that do not descend from
// the one ExecuteWorkflow got, and sim.EmitWorkflow finds the run only in
// the latter; so the probes keep that context and emit through it. Events
// before it exists (a signal delivered before the workflow function
// started) wait in pending.
type wfExec struct {
	rec     *Recorder
	mu      sync.Mutex
	saved   workflow.Context
	wf      string
	inSeq   int
	outSeq  int
	pending []sim.Event
}

// exec returns the execution that the chain being built belongs to. The
// SDK builds one execution's chain in one loop over the stack, innermost
// layer first, passing every layer the same context.
func (r *Recorder) exec(ctx workflow.Context, l *layerInfo) (x *wfExec) {
	defer func() {
		if recover() != nil { // a context type that cannot be a map key
			x = &wfExec{rec: r}
		}
	}()
	r.mu.Lock()
	defer r.mu.Unlock()
	x, ok := r.execs[ctx]
	if !ok {
		x = &wfExec{rec: r}
		r.execs[ctx] = x
	}
	if l.index == 0 {
		delete(r.execs, ctx)
	}
	return x
}

func (x *wfExec) newID(m Method) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	if m.Outbound() {
		x.outSeq++
		return "o" + strconv.Itoa(x.outSeq)
	}
	x.inSeq++
	return "i" + strconv.Itoa(x.inSeq)
}

// save keeps the context ExecuteWorkflow got and writes what waited.
func (x *wfExec) save(ctx workflow.Context) {
	x.mu.Lock()
	if x.saved != nil {
		x.mu.Unlock()
		return
	}
	x.saved = ctx
	pending := x.pending
	x.pending = nil
	x.mu.Unlock()
	for _, e := range pending {
		x.emit(ctx, e)
	}
}

func (x *wfExec) emit(ctx workflow.Context, e sim.Event) {
	x.mu.Lock()
	if x.wf == "" {
		x.wf = workflow.GetInfo(ctx).WorkflowExecution.ID
	}
	e.WF = x.wf
	saved := x.saved
	x.mu.Unlock()
	switch {
	case sim.EmitWorkflow(ctx, e):
	case saved == nil:
		x.mu.Lock()
		x.pending = append(x.pending, e)
		x.mu.Unlock()
	case !sim.EmitWorkflow(saved, e):
		x.rec.logEvent(e) // not a simulated run: a replay, a unit test
	}
}

// wfChain is one layer in one workflow execution's chain.
type wfChain struct {
	l   *layerInfo
	x   *wfExec
	mu  sync.Mutex
	cur map[Method]*mark
}

func (ch *wfChain) emitter(ctx workflow.Context) emitter {
	return func(e sim.Event) { ch.x.emit(ctx, e) }
}

func (ch *wfChain) runEnter(ctx workflow.Context, m Method, body func(workflow.Context) error) error {
	mk := markOf(ctx, m)
	if ch.l.entry(m) || mk == nil {
		mk = newMark(ch.x.newID(m), m, ch.l.n)
		ctx = workflow.WithValue(ctx, markKey{}, mk)
	}
	if m == WorkflowExecute {
		ch.x.save(ctx)
	}
	mk.setOuter(ch.l.index, ctx)
	ch.mu.Lock()
	prev := ch.cur[m]
	ch.cur[m] = mk
	ch.mu.Unlock()
	defer func() {
		ch.mu.Lock()
		ch.cur[m] = prev
		ch.mu.Unlock()
	}()
	return ch.l.runLayer(ch.emitter(ctx), mk, m, workflowHeader(ctx, m), func() error { return body(ctx) })
}

func (ch *wfChain) runNext(ctx workflow.Context, m Method, body func(workflow.Context) error) error {
	inCtx, _ := ctx.Value(markKey{}).(*mark)
	ch.mu.Lock()
	cur := ch.cur[m]
	ch.mu.Unlock()
	mk, flag, attach := ch.l.resolveNext(inCtx, m, cur, func() string { return ch.x.newID(m) })
	if attach {
		ctx = workflow.WithValue(ctx, markKey{}, mk)
	}
	cancelLost := func() bool {
		outer, ok := mk.frame(ch.l.index).outer.(workflow.Context)
		return ok && outer.Err() != nil && ctx.Err() == nil
	}
	return ch.l.runNext(ch.emitter(ctx), mk, m, flag, workflowHeader(ctx, m), cancelLost, func() error { return body(ctx) })
}

func workflowHeader(ctx workflow.Context, m Method) func() string {
	if !m.CarriesHeader() {
		return nil
	}
	return func() string { return probeHeader(interceptor.WorkflowHeader(ctx)) }
}

// call runs an inbound or outbound method at the entry probe (next false)
// or the next probe (next true).
func (ch *wfChain) call(next bool, ctx workflow.Context, m Method, body func(workflow.Context) error) error {
	if next {
		return ch.runNext(ctx, m, body)
	}
	return ch.runEnter(ctx, m, body)
}

// wfInEnter is where workflow calls enter the layer; wfInNext is where the
// layer calls next.
type wfInEnter struct {
	interceptor.WorkflowInboundInterceptorBase
	ch *wfChain
}

type wfInNext struct {
	interceptor.WorkflowInboundInterceptorBase
	ch *wfChain
}

func (w *wfInEnter) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&wfOutNext{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, ch: w.ch})
}

func (w *wfInNext) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&wfOutEnter{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, ch: w.ch})
}

func (w *wfInEnter) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	return executeWorkflow(w.ch, false, w.Next, ctx, in)
}
func (w *wfInNext) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	return executeWorkflow(w.ch, true, w.Next, ctx, in)
}

func executeWorkflow(ch *wfChain, next bool, to interceptor.WorkflowInboundInterceptor, ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (res any, err error) {
	err = ch.call(next, ctx, WorkflowExecute, func(ctx workflow.Context) error {
		var e error
		res, e = to.ExecuteWorkflow(ctx, in)
		return e
	})
	return res, err
}

func (w *wfInEnter) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	return w.ch.call(false, ctx, WorkflowHandleSignal, func(ctx workflow.Context) error { return w.Next.HandleSignal(ctx, in) })
}
func (w *wfInNext) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	return w.ch.call(true, ctx, WorkflowHandleSignal, func(ctx workflow.Context) error { return w.Next.HandleSignal(ctx, in) })
}

func (w *wfInEnter) HandleQuery(ctx workflow.Context, in *interceptor.HandleQueryInput) (any, error) {
	return handleQuery(w.ch, false, w.Next, ctx, in)
}
func (w *wfInNext) HandleQuery(ctx workflow.Context, in *interceptor.HandleQueryInput) (any, error) {
	return handleQuery(w.ch, true, w.Next, ctx, in)
}

func handleQuery(ch *wfChain, next bool, to interceptor.WorkflowInboundInterceptor, ctx workflow.Context, in *interceptor.HandleQueryInput) (res any, err error) {
	err = ch.call(next, ctx, WorkflowHandleQuery, func(ctx workflow.Context) error {
		var e error
		res, e = to.HandleQuery(ctx, in)
		return e
	})
	return res, err
}

func (w *wfInEnter) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	return w.ch.call(false, ctx, WorkflowValidateUpdate, func(ctx workflow.Context) error { return w.Next.ValidateUpdate(ctx, in) })
}
func (w *wfInNext) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	return w.ch.call(true, ctx, WorkflowValidateUpdate, func(ctx workflow.Context) error { return w.Next.ValidateUpdate(ctx, in) })
}

func (w *wfInEnter) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	return executeUpdate(w.ch, false, w.Next, ctx, in)
}
func (w *wfInNext) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	return executeUpdate(w.ch, true, w.Next, ctx, in)
}

func executeUpdate(ch *wfChain, next bool, to interceptor.WorkflowInboundInterceptor, ctx workflow.Context, in *interceptor.UpdateInput) (res any, err error) {
	err = ch.call(next, ctx, WorkflowExecuteUpdate, func(ctx workflow.Context) error {
		var e error
		res, e = to.ExecuteUpdate(ctx, in)
		return e
	})
	return res, err
}

// wfOutEnter is where outbound calls from workflow code (or inner layers)
// enter the layer; wfOutNext is where the layer calls next.
type wfOutEnter struct {
	interceptor.WorkflowOutboundInterceptorBase
	ch *wfChain
}

type wfOutNext struct {
	interceptor.WorkflowOutboundInterceptorBase
	ch *wfChain
}

// future runs an outbound method that returns a future. Only the call is
// recorded: what the future resolves to reaches the workflow later.
func future[F any](ch *wfChain, next bool, ctx workflow.Context, m Method, call func(workflow.Context) F) (f F) {
	_ = ch.call(next, ctx, m, func(ctx workflow.Context) error { f = call(ctx); return nil })
	return f
}

func (o *wfOutEnter) ExecuteActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	return future(o.ch, false, ctx, WorkflowExecuteActivity, func(ctx workflow.Context) workflow.Future { return o.Next.ExecuteActivity(ctx, typ, args...) })
}
func (o *wfOutNext) ExecuteActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	return future(o.ch, true, ctx, WorkflowExecuteActivity, func(ctx workflow.Context) workflow.Future { return o.Next.ExecuteActivity(ctx, typ, args...) })
}

func (o *wfOutEnter) ExecuteLocalActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	return future(o.ch, false, ctx, WorkflowExecuteLocalActivity, func(ctx workflow.Context) workflow.Future { return o.Next.ExecuteLocalActivity(ctx, typ, args...) })
}
func (o *wfOutNext) ExecuteLocalActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	return future(o.ch, true, ctx, WorkflowExecuteLocalActivity, func(ctx workflow.Context) workflow.Future { return o.Next.ExecuteLocalActivity(ctx, typ, args...) })
}

func (o *wfOutEnter) ExecuteChildWorkflow(ctx workflow.Context, typ string, args ...any) workflow.ChildWorkflowFuture {
	return future(o.ch, false, ctx, WorkflowExecuteChildWorkflow, func(ctx workflow.Context) workflow.ChildWorkflowFuture {
		return o.Next.ExecuteChildWorkflow(ctx, typ, args...)
	})
}
func (o *wfOutNext) ExecuteChildWorkflow(ctx workflow.Context, typ string, args ...any) workflow.ChildWorkflowFuture {
	return future(o.ch, true, ctx, WorkflowExecuteChildWorkflow, func(ctx workflow.Context) workflow.ChildWorkflowFuture {
		return o.Next.ExecuteChildWorkflow(ctx, typ, args...)
	})
}

func (o *wfOutEnter) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	return future(o.ch, false, ctx, WorkflowNewTimer, func(ctx workflow.Context) workflow.Future { return o.Next.NewTimer(ctx, d) })
}
func (o *wfOutNext) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	return future(o.ch, true, ctx, WorkflowNewTimer, func(ctx workflow.Context) workflow.Future { return o.Next.NewTimer(ctx, d) })
}

func (o *wfOutEnter) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	return future(o.ch, false, ctx, WorkflowNewTimerWithOptions, func(ctx workflow.Context) workflow.Future { return o.Next.NewTimerWithOptions(ctx, d, opts) })
}
func (o *wfOutNext) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	return future(o.ch, true, ctx, WorkflowNewTimerWithOptions, func(ctx workflow.Context) workflow.Future { return o.Next.NewTimerWithOptions(ctx, d, opts) })
}

func (o *wfOutEnter) Sleep(ctx workflow.Context, d time.Duration) error {
	return o.ch.call(false, ctx, WorkflowSleep, func(ctx workflow.Context) error { return o.Next.Sleep(ctx, d) })
}
func (o *wfOutNext) Sleep(ctx workflow.Context, d time.Duration) error {
	return o.ch.call(true, ctx, WorkflowSleep, func(ctx workflow.Context) error { return o.Next.Sleep(ctx, d) })
}

func (o *wfOutEnter) SignalExternalWorkflow(ctx workflow.Context, id, runID, name string, arg any) workflow.Future {
	return future(o.ch, false, ctx, WorkflowSignalExternalWorkflow, func(ctx workflow.Context) workflow.Future {
		return o.Next.SignalExternalWorkflow(ctx, id, runID, name, arg)
	})
}
func (o *wfOutNext) SignalExternalWorkflow(ctx workflow.Context, id, runID, name string, arg any) workflow.Future {
	return future(o.ch, true, ctx, WorkflowSignalExternalWorkflow, func(ctx workflow.Context) workflow.Future {
		return o.Next.SignalExternalWorkflow(ctx, id, runID, name, arg)
	})
}

func (o *wfOutEnter) SignalChildWorkflow(ctx workflow.Context, id, name string, arg any) workflow.Future {
	return future(o.ch, false, ctx, WorkflowSignalChildWorkflow, func(ctx workflow.Context) workflow.Future { return o.Next.SignalChildWorkflow(ctx, id, name, arg) })
}
func (o *wfOutNext) SignalChildWorkflow(ctx workflow.Context, id, name string, arg any) workflow.Future {
	return future(o.ch, true, ctx, WorkflowSignalChildWorkflow, func(ctx workflow.Context) workflow.Future { return o.Next.SignalChildWorkflow(ctx, id, name, arg) })
}

func (o *wfOutEnter) RequestCancelExternalWorkflow(ctx workflow.Context, id, runID string) workflow.Future {
	return future(o.ch, false, ctx, WorkflowRequestCancelExternalWorkflow, func(ctx workflow.Context) workflow.Future {
		return o.Next.RequestCancelExternalWorkflow(ctx, id, runID)
	})
}
func (o *wfOutNext) RequestCancelExternalWorkflow(ctx workflow.Context, id, runID string) workflow.Future {
	return future(o.ch, true, ctx, WorkflowRequestCancelExternalWorkflow, func(ctx workflow.Context) workflow.Future {
		return o.Next.RequestCancelExternalWorkflow(ctx, id, runID)
	})
}

func (o *wfOutEnter) NewContinueAsNewError(ctx workflow.Context, wfn any, args ...any) error {
	return o.ch.call(false, ctx, WorkflowNewContinueAsNewError, func(ctx workflow.Context) error { return o.Next.NewContinueAsNewError(ctx, wfn, args...) })
}
func (o *wfOutNext) NewContinueAsNewError(ctx workflow.Context, wfn any, args ...any) error {
	return o.ch.call(true, ctx, WorkflowNewContinueAsNewError, func(ctx workflow.Context) error { return o.Next.NewContinueAsNewError(ctx, wfn, args...) })
}
