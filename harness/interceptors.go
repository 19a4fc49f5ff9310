package harness

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/interceptor"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/sim"
)

// Interceptor properties. They read the probe events that a
// fakes.Recorder puts around each interceptor of a stack (see
// fakes/intercept_record.go) together with the engine's own events, and
// hold when, for every interceptor of the stack:
//
//   - interceptor-once: every activity attempt, local activity attempt,
//     workflow execution, signal, update and query the engine delivered
//     entered the stack exactly once, no interceptor received one the
//     engine did not deliver (a call an interceptor made itself through
//     next), and no interceptor called next more than once for one call;
//   - interceptor-order: calls entered the interceptors outer to inner and
//     left them inner to outer, and no interceptor called next after it
//     had returned (next called from a goroutine or coroutine that
//     outlived the call);
//   - interceptor-next: each interceptor called next, unless it declares a
//     short-circuit for the method;
//   - interceptor-outcome: what next returned (error or panic) came out of
//     the interceptor unchanged, unless it declares a transformation;
//   - interceptor-headers: header fields present when a call entered an
//     interceptor were still there, unchanged, when it called next (unless
//     declared), no outbound header was changed after next had sent it,
//     and the header an activity, local activity or child workflow was
//     scheduled with is the one its inbound interceptors received (a
//     field of the harness's own, VerifyHeader, is written below the
//     stack, so a layer that drops fields is seen without a header source
//     in the stack);
//   - interceptor-heartbeats: every heartbeat the server got passed
//     through every interceptor's RecordHeartbeat;
//   - interceptor-cancellation: each interceptor called next with a context
//     derived from its own, so cancellation and deadlines reach every
//     inner interceptor and the activity or workflow code.
//
// A violation names the interceptor, the layer (ActivityInbound,
// ActivityOutbound, WorkflowInbound, WorkflowOutbound), the method, and
// where in the run it happened.
//
// What is not checked: for outbound calls that return a future (schedule
// an activity, a child, a timer, a signal) only the call itself is, not
// what the future later resolves to (an activity's error is checked where
// it is returned, on the activity side); the headers of signals, queries
// and updates are checked per interceptor but not end to end; client
// interceptors, Nexus operations and the activity outbound GetClient are
// not probed.

// Declaration says what one interceptor of a stack does on purpose that
// the interceptor properties would otherwise report.
type Declaration struct {
	// Interceptor is the layer's name in the stack.
	Interceptor string
	// ShortCircuits lists the methods the interceptor may return from
	// without calling next (an auth check that rejects, an open circuit
	// breaker, a cache).
	ShortCircuits []fakes.Method
	// Transforms lists the methods whose outcome or header the interceptor
	// may change: swallow, replace or add an error, recover or replace a
	// panic, drop or rewrite header fields present when the call entered
	// it.
	Transforms []fakes.Method
}

func (d Declaration) applyInterceptors(c *icptConfig) { c.decls = append(c.decls, d) }

// stackSpec is the probed stack the properties check: the layer names,
// outermost first, and their declarations.
type stackSpec struct {
	names []string
	index map[string]int
	decls map[string]Declaration
}

func newStackSpec(names []string, decls []Declaration) (*stackSpec, error) {
	if len(names) == 0 {
		return nil, fmt.Errorf("the stack has no interceptors")
	}
	s := &stackSpec{names: names, index: map[string]int{}, decls: map[string]Declaration{}}
	for i, n := range names {
		if _, dup := s.index[n]; dup {
			return nil, fmt.Errorf("interceptor name %q used twice in the stack", n)
		}
		s.index[n] = i
	}
	for _, d := range decls {
		if _, ok := s.index[d.Interceptor]; !ok {
			return nil, fmt.Errorf("declaration for %q, which is not in the stack (%s)", d.Interceptor, strings.Join(names, ", "))
		}
		for _, m := range append(slices.Clone(d.ShortCircuits), d.Transforms...) {
			if !m.Known() {
				return nil, fmt.Errorf("declaration for %q names %q, which is not a probed method (see fakes.Methods)", d.Interceptor, m)
			}
		}
		prev := s.decls[d.Interceptor]
		prev.Interceptor = d.Interceptor
		prev.ShortCircuits = append(prev.ShortCircuits, d.ShortCircuits...)
		prev.Transforms = append(prev.Transforms, d.Transforms...)
		s.decls[d.Interceptor] = prev
	}
	return s, nil
}

func (s *stackSpec) shortCircuits(layer string, m fakes.Method) bool {
	return slices.Contains(s.decls[layer].ShortCircuits, m)
}

func (s *stackSpec) transforms(layer string, m fakes.Method) bool {
	return slices.Contains(s.decls[layer].Transforms, m)
}

// pos is a layer's place on the path calls of m take: 0 is the first
// interceptor they reach.
func (s *stackSpec) pos(layer string, m fakes.Method) int {
	i := s.index[layer]
	if m.Outbound() {
		return len(s.names) - 1 - i
	}
	return i
}

// at returns the layer at place p on the path of m.
func (s *stackSpec) at(p int, m fakes.Method) string {
	if m.Outbound() {
		return s.names[len(s.names)-1-p]
	}
	return s.names[p]
}

// InterceptorProperties returns the interceptor properties for a stack
// probed by fakes.Recorder.Wrap under the given layer names (outermost
// first), with the stack's declarations. VerifyInterceptors adds them for
// you; use them directly for a scenario of your own.
func InterceptorProperties(names []string, decls ...Declaration) ([]sim.Property, error) {
	spec, err := newStackSpec(names, decls)
	if err != nil {
		return nil, err
	}
	checks := []struct {
		name  string
		check func(*icptAnalysis) error
	}{
		{"interceptor-once", (*icptAnalysis).checkOnce},
		{"interceptor-order", (*icptAnalysis).checkOrder},
		{"interceptor-next", (*icptAnalysis).checkNext},
		{"interceptor-outcome", (*icptAnalysis).checkOutcome},
		{"interceptor-headers", (*icptAnalysis).checkHeaders},
		{"interceptor-heartbeats", (*icptAnalysis).checkHeartbeats},
		{"interceptor-cancellation", (*icptAnalysis).checkCancellation},
	}
	// The properties of one run are checked one after another; they share
	// one analysis of its trace.
	var last struct {
		mu  sync.Mutex
		r   *sim.Result
		a   *icptAnalysis
		err error
	}
	analysis := func(r *sim.Result) (*icptAnalysis, error) {
		last.mu.Lock()
		defer last.mu.Unlock()
		if last.r != r {
			last.r = r
			last.a, last.err = analyzeInterceptors(r.Events, spec)
		}
		return last.a, last.err
	}
	props := make([]sim.Property, len(checks))
	for i, c := range checks {
		props[i] = Property(c.name, func(r *sim.Result) error {
			a, err := analysis(r)
			if err != nil {
				return err
			}
			return c.check(a)
		})
	}
	return props, nil
}

// CheckInterceptorEvents checks events (a run's trace, or the events a
// fakes.Recorder kept outside a run, such as a replay's) against every
// interceptor property and returns the violations. Properties that need
// the engine's events (exactly once per attempt, heartbeats reaching the
// server, headers across workers) check nothing where there are none.
func CheckInterceptorEvents(events []sim.Event, names []string, decls ...Declaration) ([]sim.Violation, error) {
	props, err := InterceptorProperties(names, decls...)
	if err != nil {
		return nil, err
	}
	r := &sim.Result{Events: events}
	var out []sim.Violation
	for _, p := range props {
		if err := p.Check(r); err != nil {
			out = append(out, sim.Violation{Property: p.Name, Message: err.Error()})
		}
	}
	return out, nil
}

// LayerName is the name VerifyInterceptors gives an interceptor: its Go
// type's name without package or pointer, for example "CircuitBreaker"
// for a *fakes.CircuitBreaker.
func LayerName(i interceptor.WorkerInterceptor) string {
	t := reflect.TypeOf(i)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Name() == "" {
		return "interceptor"
	}
	return t.Name()
}

// blame names where a probe event happened, for messages.
func blame(e fakes.ProbeEvent) string {
	return fmt.Sprintf("interceptor %s, layer %s, method %s", e.Layer, e.Method.Interface(), e.Method.Name())
}

// where says which call a probe event belongs to, for messages.
func where(e fakes.ProbeEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "call %s", e.Call)
	if e.ID != "" {
		fmt.Fprintf(&b, " of activity %s", e.ID)
	}
	if e.WF != "" {
		fmt.Fprintf(&b, " in workflow %s", e.WF)
	}
	fmt.Fprintf(&b, " at %s", time.Duration(e.T)*time.Millisecond)
	return b.String()
}
