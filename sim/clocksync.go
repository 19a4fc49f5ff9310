package sim

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"
	"unsafe"

	fbclock "github.com/facebookgo/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// This file is the engine's one dependence on the SDK's internals: it
// reads unexported fields of the SDK test environment, which no public API
// exposes, to give workflow and activity code one clock and to end the
// coroutines of a run the engine stops. docs/architecture.md ("Clock
// slaving") explains why; engine 2 needs none of it.
//
// The test environment keeps workflow time on a mock clock that it moves
// only when no activity is running, and arms wall-clock timers while
// activities run. Inside a synctest bubble the wall clock is virtual. The
// engine (1) pins the environment's running count above zero, so every
// timer fires on the bubble's clock and workflow time never jumps on its
// own, and (2) moves the mock clock up to the bubble's time at each point
// where the workflow can observe time: before an activity or local
// activity result is delivered, before engine-injected events, and when
// workflow code reads the time or starts a timer. Together these keep
// workflow.Now() equal to the activity clock after every step.
//
// Every field is looked up once, from the types alone, before the first
// run: a field that is missing or has changed type is an error naming the
// SDK version, never a silently skipped step. TestSDKInternalsGuard fails
// when an SDK upgrade moves one.

// envLayout is where each field the engine reads lives: index paths for
// reflect.Value.FieldByIndex.
type envLayout struct {
	impl []int // TestWorkflowEnvironment.impl, a pointer

	// In the environment implementation (the root's and each child's).
	mockClock, runningCount, runningWorkflows []int
	workflowDef, completed, done, doneOnce    []int

	handleEnv []int // in a runningWorkflows handle, the child's environment
}

var (
	mockClockType = reflect.TypeFor[*fbclock.Mock]()
	closerType    = reflect.TypeFor[interface{ Close() }]()
	doneChanType  = reflect.TypeFor[chan struct{}]()
	onceType      = reflect.TypeFor[sync.Once]()
)

// sdkLayout resolves the layout of the SDK's own test environment once.
var sdkLayout = sync.OnceValues(func() (*envLayout, error) {
	return resolveEnvLayout(reflect.TypeFor[testsuite.TestWorkflowEnvironment]())
})

// resolveEnvLayout finds every field the engine reads in env, the type of
// the SDK's TestWorkflowEnvironment (a test passes look-alike types).
func resolveEnvLayout(env reflect.Type) (*envLayout, error) {
	var l envLayout
	var err error
	field := func(t reflect.Type, name string, ok func(reflect.Type) bool, want string) []int {
		if err != nil {
			return nil
		}
		f, found := t.FieldByName(name)
		switch {
		case !found:
			err = fmt.Errorf("field %s.%s not found", t.Name(), name)
		case !ok(f.Type):
			err = fmt.Errorf("field %s.%s is %s, want %s", t.Name(), name, f.Type, want)
		}
		return f.Index
	}
	is := func(want reflect.Type) func(reflect.Type) bool {
		return func(t reflect.Type) bool { return t == want }
	}
	kind := func(k reflect.Kind) func(reflect.Type) bool {
		return func(t reflect.Type) bool { return t.Kind() == k }
	}
	structPtr := func(t reflect.Type) bool { return t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct }
	l.impl = field(env, "impl", structPtr, "a pointer to a struct")
	if err == nil {
		implPtr := env.FieldByIndex(l.impl).Type
		impl := implPtr.Elem()
		l.mockClock = field(impl, "mockClock", is(mockClockType), mockClockType.String())
		l.runningCount = field(impl, "runningCount", kind(reflect.Int), "int")
		l.workflowDef = field(impl, "workflowDef", func(t reflect.Type) bool {
			return t.Kind() == reflect.Interface && t.Implements(closerType)
		}, "an interface with Close()")
		l.completed = field(impl, "isWorkflowCompleted", kind(reflect.Bool), "bool")
		l.done = field(impl, "doneChannel", is(doneChanType), "chan struct{}")
		l.doneOnce = field(impl, "doneChannelOnce", is(onceType), "sync.Once")
		l.runningWorkflows = field(impl, "runningWorkflows", func(t reflect.Type) bool {
			return t.Kind() == reflect.Map && structPtr(t.Elem())
		}, "a map of pointers to structs")
		if err == nil {
			handle := impl.FieldByIndex(l.runningWorkflows).Type.Elem().Elem()
			l.handleEnv = field(handle, "env", is(implPtr), implPtr.String())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("sim: go.temporal.io/sdk %s is not supported: its test environment changed (%v); use the SDK version in temporalsim's go.mod", temporal.SDKVersion, err)
	}
	return &l, nil
}

// envHooks reaches the fields of one test environment.
type envHooks struct {
	layout           *envLayout
	mock             *fbclock.Mock
	runningCount     *int
	runningWorkflows reflect.Value   // the map field, read when used
	impl             reflect.Value   // the environment implementation (a struct)
	children         []reflect.Value // child workflow environments seen (noteChildren)
}

func hookEnv(env *testsuite.TestWorkflowEnvironment) (*envHooks, error) {
	l, err := sdkLayout()
	if err != nil {
		return nil, err
	}
	implPtr := reflect.ValueOf(env).Elem().FieldByIndex(l.impl)
	if implPtr.IsNil() {
		return nil, fmt.Errorf("sim: go.temporal.io/sdk %s: the test environment has no implementation; create it with WorkflowTestSuite.NewTestWorkflowEnvironment", temporal.SDKVersion)
	}
	h := &envHooks{layout: l, impl: implPtr.Elem()}
	// The three fields sit behind an embedded pointer, nil only if the
	// environment was not made by the SDK.
	var fields [3]reflect.Value
	for i, index := range [][]int{l.mockClock, l.runningCount, l.runningWorkflows} {
		if fields[i], err = h.impl.FieldByIndexErr(index); err != nil {
			return nil, fmt.Errorf("sim: go.temporal.io/sdk %s: test environment state: %v", temporal.SDKVersion, err)
		}
	}
	h.mock = *(**fbclock.Mock)(unsafe.Pointer(fields[0].UnsafeAddr()))
	h.runningCount = (*int)(unsafe.Pointer(fields[1].UnsafeAddr()))
	h.runningWorkflows = fields[2]
	return h, nil
}

// pinRunning keeps the environment from skipping workflow time on its own.
// Call before the workflow starts (no other goroutine touches the field
// then).
func (h *envHooks) pinRunning() { *h.runningCount++ }

// sync moves the workflow's mock clock up to the bubble's now. It must run
// on the environment's event loop (a callback, or workflow code).
func (h *envHooks) sync() {
	if d := time.Since(h.mock.Now()); d > 0 {
		h.mock.Add(d)
	}
}

// closeWorkflow ends the workflow's coroutines when the engine stops a
// stuck run, so they do not outlive it.
func (h *envHooks) closeWorkflow() {
	if def := readable(h.impl.FieldByIndex(h.layout.workflowDef)); !def.IsNil() {
		def.Interface().(interface{ Close() }).Close()
	}
	h.closeChildren()
}

// closeChildren ends the coroutines of child workflows still running when
// the run ends (a parent that closed without waiting for them). The test
// environment leaves them blocked; a synctest bubble must not end with
// blocked goroutines. On a server they would go on (or be terminated, per
// the parent close policy); the engine's run is over either way. It also
// ends the goroutines of child runs that continued as new, which the
// test environment forgets without ending (noteChildren saw them).
func (h *envHooks) closeChildren() {
	h.noteChildren()
	l := h.layout
	for _, env := range h.children {
		child := env.Elem()
		if !child.FieldByIndex(l.completed).Bool() {
			if def := readable(child.FieldByIndex(l.workflowDef)); !def.IsNil() {
				def.Interface().(interface{ Close() }).Close()
			}
		}
		// The child's event loop goroutine waits on its done channel; a
		// child that completed has closed it already (the Once says so).
		ch := readable(child.FieldByIndex(l.done)).Interface().(chan struct{})
		once := (*sync.Once)(unsafe.Pointer(child.FieldByIndex(l.doneOnce).UnsafeAddr()))
		once.Do(func() { close(ch) })
	}
}

// noteChildren remembers the environment of every child workflow run
// registered now. The test environment drops a child run that continued
// as new from its registry without closing its done channel, so the
// engine must know it from before. Call on the event loop.
func (h *envHooks) noteChildren() {
	l := h.layout
	iter := h.runningWorkflows.MapRange()
	for iter.Next() {
		handle := iter.Value()
		if handle.IsNil() {
			continue
		}
		env := handle.Elem().FieldByIndex(l.handleEnv)
		if env.IsNil() || env.Pointer() == h.impl.Addr().Pointer() {
			continue
		}
		if !slices.ContainsFunc(h.children, func(v reflect.Value) bool { return v.Pointer() == env.Pointer() }) {
			h.children = append(h.children, env)
		}
	}
}

// readable returns the addressable field f with the read-only flag of an
// unexported field removed, so that Interface works on it.
func readable(f reflect.Value) reflect.Value {
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}
