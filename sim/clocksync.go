package sim

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"time"
	"unsafe"

	fbclock "github.com/facebookgo/clock"
	"go.temporal.io/sdk/testsuite"
)

// envHooks reaches two fields of the SDK test environment that no public
// API exposes; both are needed to give workflow and activity code one clock.
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
// The SDK version is pinned in go.mod; TestEnvHooks fails if an upgrade
// moves these fields.
type envHooks struct {
	mock         *fbclock.Mock
	runningCount *int
	impl         reflect.Value
	workflowDef  interface{ Close() }
	children     []reflect.Value // child workflow environments seen (noteChildren)
}

func hookEnv(env *testsuite.TestWorkflowEnvironment) (*envHooks, error) {
	implField := reflect.ValueOf(env).Elem().FieldByName("impl")
	if !implField.IsValid() || implField.Kind() != reflect.Pointer || implField.IsNil() {
		return nil, fmt.Errorf("sim: unsupported go.temporal.io/sdk version: TestWorkflowEnvironment.impl not found")
	}
	impl := implField.Elem()
	mockField := impl.FieldByName("mockClock")
	if !mockField.IsValid() || mockField.Type() != reflect.TypeOf((*fbclock.Mock)(nil)) {
		return nil, fmt.Errorf("sim: unsupported go.temporal.io/sdk version: test environment mock clock not found")
	}
	rcField := impl.FieldByName("runningCount")
	if !rcField.IsValid() || rcField.Kind() != reflect.Int {
		return nil, fmt.Errorf("sim: unsupported go.temporal.io/sdk version: test environment running count not found")
	}
	h := &envHooks{
		mock:         *(**fbclock.Mock)(unsafe.Pointer(mockField.UnsafeAddr())),
		runningCount: (*int)(unsafe.Pointer(rcField.UnsafeAddr())),
	}
	h.impl = impl
	return h, nil
}

// loadWorkflowDef reads the environment's workflow definition once the
// workflow has started.
func (h *envHooks) loadWorkflowDef() {
	f := h.impl.FieldByName("workflowDef")
	if !f.IsValid() || f.Kind() != reflect.Interface {
		return
	}
	v := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	if c, ok := v.Interface().(interface{ Close() }); ok {
		h.workflowDef = c
	}
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
	h.loadWorkflowDef()
	if h.workflowDef != nil {
		h.workflowDef.Close()
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
	for _, env := range h.children {
		if done := unexported(env.Elem(), "isWorkflowCompleted"); !done.IsValid() || done.Kind() != reflect.Bool || !done.Bool() {
			if def := unexported(env.Elem(), "workflowDef"); def.IsValid() && def.Kind() == reflect.Interface && !def.IsNil() {
				if c, ok := def.Interface().(interface{ Close() }); ok {
					c.Close()
				}
			}
		}
		// The child's event loop goroutine waits on its done channel; a
		// child that completed has closed it already (the Once says so).
		done, once := unexported(env.Elem(), "doneChannel"), unexported(env.Elem(), "doneChannelOnce")
		if done.IsValid() && done.Kind() == reflect.Chan && once.IsValid() && once.Type() == reflect.TypeOf(sync.Once{}) {
			ch := done.Interface().(chan struct{})
			(*sync.Once)(unsafe.Pointer(once.UnsafeAddr())).Do(func() { close(ch) })
		}
	}
}

// noteChildren remembers the environment of every child workflow run
// registered now. The test environment drops a child run that continued
// as new from its registry without closing its done channel, so the
// engine must know it from before. Call on the event loop.
func (h *envHooks) noteChildren() {
	rw := unexported(h.impl, "runningWorkflows")
	if !rw.IsValid() || rw.Kind() != reflect.Map {
		return
	}
	iter := rw.MapRange()
	for iter.Next() {
		handle := iter.Value()
		if handle.Kind() != reflect.Pointer || handle.IsNil() {
			continue
		}
		env := unexported(handle.Elem(), "env")
		if !env.IsValid() || env.Kind() != reflect.Pointer || env.IsNil() || env.Pointer() == h.impl.Addr().Pointer() {
			continue
		}
		if !slices.ContainsFunc(h.children, func(v reflect.Value) bool { return v.Pointer() == env.Pointer() }) {
			h.children = append(h.children, env)
		}
	}
}

// unexported returns struct field name of v, readable through Interface.
func unexported(v reflect.Value, name string) reflect.Value {
	f := v.FieldByName(name)
	if !f.IsValid() || !f.CanAddr() {
		return reflect.Value{}
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}
