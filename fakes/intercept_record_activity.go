package fakes

import (
	"context"
	"strconv"
	"sync"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// probedWorker is one layer of a probed stack: it puts the layer's
// interceptor between an entry probe and a next probe in every chain the
// SDK builds.
type probedWorker struct {
	interceptor.WorkerInterceptorBase
	l *layerInfo
}

var _ interceptor.WorkerInterceptor = (*probedWorker)(nil)

// InterceptActivity wraps the layer's activity interceptor in probes.
func (p *probedWorker) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	ch := &actChain{l: p.l, cur: map[Method]*mark{}}
	user := p.l.inner.InterceptActivity(ctx, &actInNext{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, ch: ch})
	return &actInEnter{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: user}, ch: ch}
}

// InterceptWorkflow wraps the layer's workflow interceptor in probes.
func (p *probedWorker) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	x := p.l.rec.exec(ctx, p.l)
	ch := &wfChain{l: p.l, x: x, cur: map[Method]*mark{}}
	user := p.l.inner.InterceptWorkflow(ctx, &wfInNext{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, ch: ch})
	return &wfInEnter{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: user}, ch: ch}
}

// InterceptNexusOperation is not probed.
func (p *probedWorker) InterceptNexusOperation(ctx context.Context, next interceptor.NexusOperationInboundInterceptor) interceptor.NexusOperationInboundInterceptor {
	return p.l.inner.InterceptNexusOperation(ctx, next)
}

// actChain is one layer in one activity chain (one activity task; under
// the simulator, every attempt of one scheduled activity).
type actChain struct {
	l    *layerInfo
	mu   sync.Mutex
	seq  int              // inbound calls
	xseq int              // outbound calls made outside any inbound call of the stack
	cur  map[Method]*mark // the call in progress, for a layer that loses the context
}

// emitter writes to the attempt's place in the trace. Events of an attempt
// the engine has already decided are dropped, as the engine drops them;
// outside a run they go to the Recorder.
func (ch *actChain) emitter(ctx context.Context) emitter {
	return func(e sim.Event) {
		if sim.Emit(ctx, e) || sim.InSimulation(ctx) {
			return
		}
		ch.l.rec.logEvent(e)
	}
}

// enter finds the call's mark as it enters the layer, or starts the call
// when the layer is where calls of m enter the stack.
func (ch *actChain) enter(ctx context.Context, m Method) (context.Context, *mark, func()) {
	mk := markOf(ctx, m)
	if ch.l.entry(m) || mk == nil {
		mk = newMark(ch.newID(ctx, m), m, ch.l.n)
		ctx = context.WithValue(ctx, markKey{}, mk)
	}
	mk.setOuter(ch.l.index, ctx)
	ch.mu.Lock()
	prev := ch.cur[m]
	ch.cur[m] = mk
	ch.mu.Unlock()
	return ctx, mk, func() {
		ch.mu.Lock()
		ch.cur[m] = prev
		ch.mu.Unlock()
	}
}

// newID numbers a call: inbound calls per chain (so per activity under the
// simulator), outbound calls under the inbound call they are made in.
// Outside a run the Recorder numbers them all.
func (ch *actChain) newID(ctx context.Context, m Method) string {
	if m.Outbound() {
		if parent, ok := ctx.Value(markKey{}).(*mark); ok {
			return parent.childID()
		}
		return ch.number(ctx, "x", &ch.xseq)
	}
	return ch.number(ctx, "a", &ch.seq)
}

// number draws the next id from the chain's counter under the simulator,
// where a chain's calls come in a deterministic order (an interceptor
// outside the stack asking for GetInfo before the stack sees the attempt
// makes an outbound call with no inbound call around it), and from the
// Recorder's otherwise.
func (ch *actChain) number(ctx context.Context, prefix string, counter *int) string {
	if !sim.InSimulation(ctx) {
		return prefix + strconv.Itoa(ch.l.rec.nextSeq())
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	*counter++
	return prefix + strconv.Itoa(*counter)
}

// nextMark finds the call a call of next belongs to (see resolveNext) and
// returns the context to pass on.
func (ch *actChain) nextMark(ctx context.Context, m Method) (context.Context, *mark, string) {
	inCtx, _ := ctx.Value(markKey{}).(*mark)
	ch.mu.Lock()
	cur := ch.cur[m]
	ch.mu.Unlock()
	mk, flag, attach := ch.l.resolveNext(inCtx, m, cur, func() string { return ch.number(ctx, "x", &ch.xseq) })
	if attach {
		ctx = context.WithValue(ctx, markKey{}, mk)
	}
	return ctx, mk, flag
}

// nextEmitter writes through the context the layer received, which the
// engine's event sink is known to be in.
func (ch *actChain) nextEmitter(mk *mark, ctx context.Context) emitter {
	if outer, ok := mk.frame(ch.l.index).outer.(context.Context); ok {
		return ch.emitter(outer)
	}
	return ch.emitter(ctx)
}

func (ch *actChain) cancelLost(mk *mark, inner context.Context) func() bool {
	return func() bool {
		outer, ok := mk.frame(ch.l.index).outer.(context.Context)
		return ok && outer.Err() != nil && inner.Err() == nil
	}
}

func markOf(ctx interface{ Value(any) any }, m Method) *mark {
	mk, ok := ctx.Value(markKey{}).(*mark)
	if !ok || mk.method != m {
		return nil
	}
	return mk
}

func (ch *actChain) runEnter(ctx context.Context, m Method, body func(context.Context) error) error {
	ctx, mk, done := ch.enter(ctx, m)
	defer done()
	return ch.l.runLayer(ch.emitter(ctx), mk, m, activityHeader(ctx, m), func() error { return body(ctx) })
}

func (ch *actChain) runNext(ctx context.Context, m Method, body func(context.Context) error) error {
	ctx, mk, flag := ch.nextMark(ctx, m)
	return ch.l.runNext(ch.nextEmitter(mk, ctx), mk, m, flag, activityHeader(ctx, m), ch.cancelLost(mk, ctx), func() error { return body(ctx) })
}

func activityHeader(ctx context.Context, m Method) func() string {
	if !m.CarriesHeader() {
		return nil
	}
	return func() string { return probeHeader(interceptor.Header(ctx)) }
}

// actInEnter is where activity calls enter the layer.
type actInEnter struct {
	interceptor.ActivityInboundInterceptorBase
	ch *actChain
}

func (a *actInEnter) Init(out interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&actOutNext{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: out}, ch: a.ch})
}

func (a *actInEnter) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (res any, err error) {
	err = a.ch.runEnter(ctx, ActivityExecute, func(ctx context.Context) error {
		var e error
		res, e = a.Next.ExecuteActivity(ctx, in)
		return e
	})
	return res, err
}

// actInNext is where the layer calls next for activity calls.
type actInNext struct {
	interceptor.ActivityInboundInterceptorBase
	ch *actChain
}

func (a *actInNext) Init(out interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&actOutEnter{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: out}, ch: a.ch})
}

func (a *actInNext) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (res any, err error) {
	err = a.ch.runNext(ctx, ActivityExecute, func(ctx context.Context) error {
		var e error
		res, e = a.Next.ExecuteActivity(ctx, in)
		return e
	})
	return res, err
}

// actOutEnter is where outbound calls from activity code (or inner layers)
// enter the layer's outbound interceptor.
type actOutEnter struct {
	interceptor.ActivityOutboundInterceptorBase
	ch *actChain
}

// actOutNext is where the layer's outbound interceptor calls next.
type actOutNext struct {
	interceptor.ActivityOutboundInterceptorBase
	ch *actChain
}

// outbound runs an outbound method at the entry probe (next false) or at
// the next probe (next true).
func (ch *actChain) outbound(next bool, ctx context.Context, m Method, body func(context.Context) error) error {
	if next {
		return ch.runNext(ctx, m, body)
	}
	return ch.runEnter(ctx, m, body)
}

func (o *actOutEnter) GetInfo(ctx context.Context) activity.Info {
	return getInfo(o.ch, false, o.Next, ctx)
}
func (o *actOutNext) GetInfo(ctx context.Context) activity.Info {
	return getInfo(o.ch, true, o.Next, ctx)
}

func getInfo(ch *actChain, next bool, to interceptor.ActivityOutboundInterceptor, ctx context.Context) (info activity.Info) {
	_ = ch.outbound(next, ctx, ActivityGetInfo, func(ctx context.Context) error { info = to.GetInfo(ctx); return nil })
	return info
}

func (o *actOutEnter) GetLogger(ctx context.Context) log.Logger {
	return getLogger(o.ch, false, o.Next, ctx)
}
func (o *actOutNext) GetLogger(ctx context.Context) log.Logger {
	return getLogger(o.ch, true, o.Next, ctx)
}

func getLogger(ch *actChain, next bool, to interceptor.ActivityOutboundInterceptor, ctx context.Context) (l log.Logger) {
	_ = ch.outbound(next, ctx, ActivityGetLogger, func(ctx context.Context) error { l = to.GetLogger(ctx); return nil })
	return l
}

func (o *actOutEnter) GetMetricsHandler(ctx context.Context) client.MetricsHandler {
	return getMetrics(o.ch, false, o.Next, ctx)
}
func (o *actOutNext) GetMetricsHandler(ctx context.Context) client.MetricsHandler {
	return getMetrics(o.ch, true, o.Next, ctx)
}

func getMetrics(ch *actChain, next bool, to interceptor.ActivityOutboundInterceptor, ctx context.Context) (h client.MetricsHandler) {
	_ = ch.outbound(next, ctx, ActivityGetMetricsHandler, func(ctx context.Context) error { h = to.GetMetricsHandler(ctx); return nil })
	return h
}

func (o *actOutEnter) RecordHeartbeat(ctx context.Context, details ...any) {
	_ = o.ch.outbound(false, ctx, ActivityRecordHeartbeat, func(ctx context.Context) error { o.Next.RecordHeartbeat(ctx, details...); return nil })
}
func (o *actOutNext) RecordHeartbeat(ctx context.Context, details ...any) {
	_ = o.ch.outbound(true, ctx, ActivityRecordHeartbeat, func(ctx context.Context) error { o.Next.RecordHeartbeat(ctx, details...); return nil })
}

func (o *actOutEnter) HasHeartbeatDetails(ctx context.Context) bool {
	return hasDetails(o.ch, false, o.Next, ctx)
}
func (o *actOutNext) HasHeartbeatDetails(ctx context.Context) bool {
	return hasDetails(o.ch, true, o.Next, ctx)
}

func hasDetails(ch *actChain, next bool, to interceptor.ActivityOutboundInterceptor, ctx context.Context) (ok bool) {
	_ = ch.outbound(next, ctx, ActivityHasHeartbeatDetails, func(ctx context.Context) error { ok = to.HasHeartbeatDetails(ctx); return nil })
	return ok
}

func (o *actOutEnter) GetHeartbeatDetails(ctx context.Context, d ...any) error {
	return o.ch.outbound(false, ctx, ActivityGetHeartbeatDetails, func(ctx context.Context) error { return o.Next.GetHeartbeatDetails(ctx, d...) })
}
func (o *actOutNext) GetHeartbeatDetails(ctx context.Context, d ...any) error {
	return o.ch.outbound(true, ctx, ActivityGetHeartbeatDetails, func(ctx context.Context) error { return o.Next.GetHeartbeatDetails(ctx, d...) })
}

func (o *actOutEnter) GetWorkerStopChannel(ctx context.Context) <-chan struct{} {
	return stopChannel(o.ch, false, o.Next, ctx)
}
func (o *actOutNext) GetWorkerStopChannel(ctx context.Context) <-chan struct{} {
	return stopChannel(o.ch, true, o.Next, ctx)
}

func stopChannel(ch *actChain, next bool, to interceptor.ActivityOutboundInterceptor, ctx context.Context) (c <-chan struct{}) {
	_ = ch.outbound(next, ctx, ActivityGetWorkerStopChannel, func(ctx context.Context) error { c = to.GetWorkerStopChannel(ctx); return nil })
	return c
}
