package fakes

import (
	"fmt"
	"strings"
	"sync"
	"unicode"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// The probes: Recorder.Wrap puts a pair of probes around each interceptor
// of a stack, one where calls enter the interceptor and one where it calls
// next. Each probe writes trace events through sim.Emit (activity side)
// and sim.EmitWorkflow (workflow side), so their place in the trace does
// not depend on goroutine scheduling. From the two probes of a layer the
// trace tells, for every call: that it entered the layer, whether and how
// often the layer called next, what came back from next (result, error
// type or panic), what the layer passed out, and the headers at each step.
//
// Event kinds, all with Name "<layer>:<method>" (Method says which):
//
//	icpt.enter       the call entered the layer
//	icpt.next.enter  the layer called next
//	icpt.next.exit   next returned to the layer without error
//	icpt.next.error  next returned an error (Result: its type)
//	icpt.next.panic  next panicked
//	icpt.exit        the layer returned without error
//	icpt.error       the layer returned an error (Result: its type)
//	icpt.panic       the layer panicked
//
// Detail is a list of tokens: call=<id> names the call (the same id at
// every layer of one call), effect=<what> on the layer's exit says how
// its outcome relates to next's (see the Effect constants), the flags
// ctx-lost and cancel-lost mark a layer that called next with a context
// not derived from its own, origin marks a call the layer itself made
// through its next, and a final h=<headers> or panic=<value> ends it.

// Probe event kinds.
const (
	KindEnter     = "icpt.enter"
	KindExit      = "icpt.exit"
	KindError     = "icpt.error"
	KindPanic     = "icpt.panic"
	KindNextEnter = "icpt.next.enter"
	KindNextExit  = "icpt.next.exit"
	KindNextError = "icpt.next.error"
	KindNextPanic = "icpt.next.panic"
)

// Effects: how a layer's outcome relates to what next gave it.
const (
	EffectPassed       = "passed"        // the layer passed on what next returned (or panicked with)
	EffectShortCircuit = "short-circuit" // the layer returned without calling next
	EffectSwallowed    = "swallowed"     // next failed, the layer returned no error
	EffectReplaced     = "replaced"      // the layer returned (or panicked with) something other than next's error or panic
	EffectAdded        = "added"         // next succeeded, the layer failed or panicked
	EffectRecovered    = "recovered"     // next panicked, the layer returned normally
)

// Flags in a probe event's Detail.
const (
	// FlagCtxLost: the layer called next with a context that does not
	// carry the values of the one it received.
	FlagCtxLost = "ctx-lost"
	// FlagCancelLost: when next returned, the context the layer received
	// was done but the one it passed to next was not.
	FlagCancelLost = "cancel-lost"
	// FlagOrigin: the call starts here, made by the layer's own code
	// through its next (a logging interceptor's RecordHeartbeat asking
	// next for GetInfo); the layers outside it never see the call.
	FlagOrigin = "origin"
)

// Layer is one interceptor of a stack and the name its probe events use.
// Names must be unique in a stack and contain no ':' or spaces.
type Layer struct {
	Name        string
	Interceptor interceptor.WorkerInterceptor
}

// Recorder makes probed stacks. Under a simulated run the probes write to
// the run's trace; events that have no run to go to (a workflow replayed
// with worker.WorkflowReplayer, a unit test) are kept in the Recorder, in
// arrival order, for Events. Build a Recorder per run (inside
// Scenario.Setup), so nothing carries over from one run to the next.
type Recorder struct {
	mu    sync.Mutex
	log   []sim.Event
	seq   int                          // ids of activity calls outside a run
	execs map[workflow.Context]*wfExec // workflow executions being set up
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{execs: map[workflow.Context]*wfExec{}}
}

// Wrap returns the stack with each layer wrapped in its pair of probes, in
// the same order, ready for World.AddInterceptor or worker options. It
// panics on an empty, duplicate or malformed name.
func (r *Recorder) Wrap(layers ...Layer) []interceptor.WorkerInterceptor {
	seen := map[string]bool{}
	out := make([]interceptor.WorkerInterceptor, len(layers))
	for i, l := range layers {
		if err := checkLayerName(l.Name); err != nil {
			panic("fakes: Recorder.Wrap: " + err.Error())
		}
		if seen[l.Name] {
			panic(fmt.Sprintf("fakes: Recorder.Wrap: layer name %q used twice; give each layer its own name", l.Name))
		}
		if l.Interceptor == nil {
			panic(fmt.Sprintf("fakes: Recorder.Wrap: layer %q has no interceptor", l.Name))
		}
		seen[l.Name] = true
		out[i] = &probedWorker{l: &layerInfo{rec: r, name: l.Name, index: i, n: len(layers), inner: l.Interceptor}}
	}
	return out
}

func checkLayerName(name string) error {
	if name == "" {
		return fmt.Errorf("empty layer name")
	}
	if strings.ContainsFunc(name, func(c rune) bool { return c == ':' || unicode.IsSpace(c) }) {
		return fmt.Errorf("layer name %q contains ':' or a space", name)
	}
	return nil
}

// Record wraps one interceptor in probes under name, with a Recorder of
// its own. Layers recorded one by one number their calls separately, so
// the order across them cannot be checked; wrap a whole stack with
// Recorder.Wrap for that.
func Record(name string, inner interceptor.WorkerInterceptor) interceptor.WorkerInterceptor {
	return NewRecorder().Wrap(Layer{Name: name, Interceptor: inner})[0]
}

// Events returns the events recorded outside a simulated run, in arrival
// order.
func (r *Recorder) Events() []sim.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sim.Event(nil), r.log...)
}

func (r *Recorder) logEvent(e sim.Event) {
	r.mu.Lock()
	r.log = append(r.log, e)
	r.mu.Unlock()
}

func (r *Recorder) nextSeq() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	return r.seq
}

// layerInfo is one probed layer: its place in the stack and the
// interceptor it wraps.
type layerInfo struct {
	rec   *Recorder
	name  string
	index int // 0 is outermost for inbound calls, innermost for outbound ones
	n     int
	inner interceptor.WorkerInterceptor
}

// entry reports whether calls of m reach this layer first.
func (l *layerInfo) entry(m Method) bool {
	if m.Outbound() {
		return l.index == l.n-1
	}
	return l.index == 0
}

func (l *layerInfo) eventName(m Method) string { return l.name + ":" + string(m) }

// mark travels with one call down the stack in its context: the call's id
// and, per layer, what next did.
type mark struct {
	id     string
	method Method
	mu     sync.Mutex
	sub    int // outbound calls made under this one
	frames []frame
}

// frame is what one layer's next did during a call.
type frame struct {
	outer        any // the context the layer received (for the cancellation check)
	nexts        int
	nextErr      error
	nextPanicked bool
	nextPanic    any
}

type markKey struct{}

func newMark(id string, m Method, n int) *mark {
	return &mark{id: id, method: m, frames: make([]frame, n)}
}

func (mk *mark) childID() string {
	mk.mu.Lock()
	defer mk.mu.Unlock()
	mk.sub++
	return fmt.Sprintf("%s.%d", mk.id, mk.sub)
}

func (mk *mark) setOuter(i int, ctx any) {
	mk.mu.Lock()
	mk.frames[i].outer = ctx
	mk.mu.Unlock()
}

func (mk *mark) frame(i int) frame {
	mk.mu.Lock()
	defer mk.mu.Unlock()
	return mk.frames[i]
}

func (mk *mark) update(i int, f func(*frame)) {
	mk.mu.Lock()
	f(&mk.frames[i])
	mk.mu.Unlock()
}

// emitter writes one probe event.
type emitter func(e sim.Event)

// outcome is how a layer, or the next it called, left: an error, or a
// panic value.
type outcome struct {
	err      error
	panicked bool
	panic    any
}

// runLayer runs body as the layer's handling of the call: it records the
// entry, then how the layer left. A panic is recorded and passed on
// unchanged. A coroutine torn down by runtime.Goexit (a workflow that ended
// while blocked) records nothing more: the call never returned.
func (l *layerInfo) runLayer(emit emitter, mk *mark, m Method, hdr func() string, body func() error) error {
	emit(sim.Event{Kind: KindEnter, Name: l.eventName(m), Detail: details(mk.id, "", nil, hdr)})
	normal := false
	defer func() {
		if normal {
			return
		}
		p := recover()
		if p == nil {
			return
		}
		out := outcome{panicked: true, panic: p}
		emit(sim.Event{Kind: KindPanic, Name: l.eventName(m), Result: "panic",
			Detail: details(mk.id, effectOf(mk.frame(l.index), out), nil, nil) + " panic=" + panicText(p)})
		panic(p)
	}()
	err := body()
	normal = true
	kind, result := KindExit, "ok"
	if err != nil {
		kind, result = KindError, sim.ErrorType(err)
	}
	emit(sim.Event{Kind: kind, Name: l.eventName(m), Result: result,
		Detail: details(mk.id, effectOf(mk.frame(l.index), outcome{err: err}), nil, hdr)})
	return err
}

// resolveNext decides which call a call of next with method m belongs to,
// from the mark in the context the layer passed (inCtx, of any method) and
// the layer's own call of m in progress (cur). It returns the mark, the
// flag to record (none, ctx-lost or origin) and whether the mark must be
// put on the context passed on.
func (l *layerInfo) resolveNext(inCtx *mark, m Method, cur *mark, fresh func() string) (*mark, string, bool) {
	switch {
	case inCtx != nil && inCtx.method == m:
		return inCtx, "", false
	case inCtx == nil && cur != nil:
		return cur, FlagCtxLost, true
	case inCtx != nil:
		return newMark(inCtx.childID(), m, l.n), FlagOrigin, true
	}
	return newMark(fresh(), m, l.n), FlagOrigin, true
}

// runNext runs body as the layer's call of next and records it. flags are
// computed when next has returned (cancel-lost needs that moment).
func (l *layerInfo) runNext(emit emitter, mk *mark, m Method, flag string, hdr func() string, cancelLost func() bool, body func() error) error {
	i := l.index
	mk.update(i, func(f *frame) { f.nexts++ })
	var flags []string
	if flag != "" {
		flags = append(flags, flag)
	}
	emit(sim.Event{Kind: KindNextEnter, Name: l.eventName(m), Detail: details(mk.id, "", flags, hdr)})
	normal := false
	defer func() {
		if normal {
			return
		}
		p := recover()
		if p == nil {
			return
		}
		mk.update(i, func(f *frame) { f.nextPanicked, f.nextPanic, f.nextErr = true, p, nil })
		emit(sim.Event{Kind: KindNextPanic, Name: l.eventName(m), Result: "panic", Detail: details(mk.id, "", flags, nil) + " panic=" + panicText(p)})
		panic(p)
	}()
	err := body()
	normal = true
	mk.update(i, func(f *frame) { f.nextPanicked, f.nextPanic, f.nextErr = false, nil, err })
	if cancelLost() {
		flags = append(flags, FlagCancelLost)
	}
	kind, result := KindNextExit, "ok"
	if err != nil {
		kind, result = KindNextError, sim.ErrorType(err)
	}
	emit(sim.Event{Kind: kind, Name: l.eventName(m), Result: result, Detail: details(mk.id, "", flags, hdr)})
	return err
}

// effectOf compares how the layer left with what its last next gave it.
func effectOf(f frame, out outcome) string {
	if f.nexts == 0 {
		return EffectShortCircuit
	}
	switch {
	case f.nextPanicked && out.panicked:
		if sameValue(f.nextPanic, out.panic) {
			return EffectPassed
		}
		return EffectReplaced
	case f.nextPanicked:
		return EffectRecovered
	case out.panicked:
		return EffectAdded
	case f.nextErr == nil && out.err == nil:
		return EffectPassed
	case f.nextErr == nil:
		return EffectAdded
	case out.err == nil:
		return EffectSwallowed
	case sameValue(f.nextErr, out.err):
		return EffectPassed
	}
	return EffectReplaced
}

// sameValue is ==, false where == would panic (uncomparable dynamic types).
func sameValue(a, b any) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

func panicText(p any) string {
	s := fmt.Sprint(p)
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// details renders the Detail of a probe event; the headers, when the
// method carries them, come last.
func details(id, effect string, flags []string, hdr func() string) string {
	var b strings.Builder
	b.WriteString("call=")
	b.WriteString(id)
	if effect != "" {
		b.WriteString(" effect=")
		b.WriteString(effect)
	}
	for _, f := range flags {
		b.WriteByte(' ')
		b.WriteString(f)
	}
	if hdr != nil {
		b.WriteString(" h=")
		b.WriteString(hdr())
	}
	return b.String()
}
