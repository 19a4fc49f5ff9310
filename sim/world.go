package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// World is one run's view of the simulated world, handed to
// Scenario.Setup: the seed's random streams, the virtual clock, and the
// registration calls. It keeps the SDK's test environment behind the
// engine's own types.
type World struct {
	seed         Seed
	reg          Registrar
	env          *testsuite.TestWorkflowEnvironment // nil outside the engine
	clk          clock.Clock
	origin       time.Time
	plan         Plan
	interceptors []interceptor.WorkerInterceptor
	dc           converter.DataConverter
	decoders     map[string]func(string) ([]any, error)
	values       map[any]any

	firedMu sync.Mutex
	fired   map[int]bool // ids of faults that took effect

	completerMu sync.Mutex
	completer   ActivityCompleter // see complete.go
	namespace   string

	// deploying is set while Scenario.Deploy runs; deployChanged then
	// names what it changed that a deploy may not (engine2_deploy.go).
	deploying     bool
	deployChanged string

	done    chan struct{} // see Done
	endOnce sync.Once
}

// fire notes that fault id took effect.
func (w *World) fire(id int) {
	w.firedMu.Lock()
	if w.fired == nil {
		w.fired = map[int]bool{}
	}
	w.fired[id] = true
	w.firedMu.Unlock()
}

// Fired lists the ids of the plan's faults that took effect so far, in
// order. A planned fault may never fire: its target was not called, or
// not within the fault window.
func (w *World) Fired() []int {
	w.firedMu.Lock()
	defer w.firedMu.Unlock()
	ids := make([]int, 0, len(w.fired))
	for id := range w.fired {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	return ids
}

// Seed is the run's seed.
func (w *World) Seed() Seed { return w.seed }

// Rand returns the random stream named name (see Seed.Stream). Give each
// fake and each use its own name.
func (w *World) Rand(name string) *rand.Rand { return w.seed.Stream(name) }

// Clock is the virtual clock shared by workflow and activity code. Pass it
// to activities and fakes as a github.com/benbjohnson/clock Clock; in
// production they get clock.New().
func (w *World) Clock() clock.Clock { return w.clk }

// Origin is the virtual time the run started at.
func (w *World) Origin() time.Time { return w.origin }

// Since is the virtual time elapsed since the run started.
func (w *World) Since() time.Duration { return w.clk.Now().Sub(w.origin) }

// Plan is the fault plan this run is driven by.
func (w *World) Plan() Plan { return w.plan }

// Registrar is what a World's registrations go to: the SDK test
// environment under the engine, or a worker.Worker when a scenario runs
// against a real server (both satisfy it).
type Registrar interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// NewWorld makes a World outside the engine, for running a scenario's
// Setup against a real worker: registrations go to r, the clock is clk
// (clock.New() in real time), the plan's faults are what ActiveFault
// reports. Interceptors and DataConverter tell the caller how to build
// the worker and client.
func NewWorld(seed Seed, plan Plan, clk clock.Clock, r Registrar) *World {
	return &World{seed: seed, reg: r, clk: clk, origin: clk.Now(), plan: plan,
		dc: converter.GetDefaultDataConverter(), decoders: map[string]func(string) ([]any, error){}, values: map[any]any{}, done: make(chan struct{})}
}

// RegisterWorkflow registers a workflow function.
func (w *World) RegisterWorkflow(fn any) {
	w.reg.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{})
}

// RegisterWorkflowWithOptions registers a workflow function under options.
func (w *World) RegisterWorkflowWithOptions(fn any, o workflow.RegisterOptions) {
	w.reg.RegisterWorkflowWithOptions(fn, o)
}

// RegisterActivity registers an activity function or a struct whose
// exported methods are activities.
func (w *World) RegisterActivity(a any) {
	w.reg.RegisterActivityWithOptions(a, activity.RegisterOptions{})
}

// RegisterActivityWithOptions registers an activity under options.
func (w *World) RegisterActivityWithOptions(a any, o activity.RegisterOptions) {
	w.reg.RegisterActivityWithOptions(a, o)
}

// Interceptors lists the interceptors added with AddInterceptor, outermost
// first.
func (w *World) Interceptors() []interceptor.WorkerInterceptor {
	return append([]interceptor.WorkerInterceptor(nil), w.interceptors...)
}

// Decode turns a plan's text value for the signal, update or query called
// name into the arguments to send (see SetDecoder).
func (w *World) Decode(name, value string) ([]any, error) { return w.decode(name, value) }

// AddInterceptor adds a worker interceptor. The first added is the
// outermost. The engine's own interceptors sit outside and inside all of
// them, so user interceptors see every attempt, heartbeat and call.
func (w *World) AddInterceptor(i interceptor.WorkerInterceptor) {
	if w.deploying {
		w.deployChanged = "adds an interceptor"
		return
	}
	w.interceptors = append(w.interceptors, i)
}

// SetDataConverter sets the data converter (for example one with a payload
// codec) used for workflow and activity payloads.
func (w *World) SetDataConverter(dc converter.DataConverter) {
	if w.deploying {
		w.deployChanged = "sets the data converter"
		return
	}
	w.dc = dc
	if w.env != nil {
		w.env.SetDataConverter(dc)
	}
}

// DataConverter is the run's data converter.
func (w *World) DataConverter() converter.DataConverter { return w.dc }

// SetDecoder says how a plan's text value for the signal, update or query
// called name becomes the Go value sent. Without one the text is sent as a
// string; an empty value sends no argument. For a message that takes
// several arguments, use SetArgsDecoder.
func (w *World) SetDecoder(name string, decode func(value string) (any, error)) {
	w.decoders[name] = func(value string) ([]any, error) {
		v, err := decode(value)
		if err != nil {
			return nil, err
		}
		return []any{v}, nil
	}
}

// SetArgsDecoder says how a plan's text value for the signal, update or
// query called name becomes the arguments sent, in order: for an update
// handler func(ctx, sku string, qty int), decode returns []any{sku, qty}.
// A signal sent with several arguments carries them all (as a client of
// another SDK sends them); a Go workflow's signal channel receives the
// first, and a workflow interceptor's HandleSignal sees every one. It
// replaces a SetDecoder for the same name.
func (w *World) SetArgsDecoder(name string, decode func(value string) ([]any, error)) {
	w.decoders[name] = decode
}

func (w *World) decode(name, value string) ([]any, error) {
	if dec, ok := w.decoders[name]; ok {
		args, err := dec(value)
		if err != nil {
			return nil, fmt.Errorf("decoding value %q for %s: %w", value, name, err)
		}
		return args, nil
	}
	if value == "" {
		return nil, nil
	}
	return []any{value}, nil
}

// Set keeps a value for this run under key, for properties to read back
// with Get (for example a fake they inspect).
func (w *World) Set(key, value any) { w.values[key] = value }

// Get returns the value kept under key.
func (w *World) Get(key any) any { return w.values[key] }

// ActiveFault returns the first fault of kind k whose window [At, At+Dur)
// contains the current virtual time and whose target is target or empty.
// Scenario code uses it to inject faults the engine cannot reach by
// itself, such as a payload codec failure.
func (w *World) ActiveFault(k Kind, target string) (Fault, bool) {
	now := w.Since()
	for _, f := range w.plan.Faults {
		if f.Kind == k && (f.Target == "" || f.Target == target) && now >= f.At && now < f.At+f.Dur {
			w.fire(f.ID)
			return f, true
		}
	}
	return Fault{}, false
}
