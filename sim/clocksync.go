package sim

import (
	"fmt"
	"reflect"
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
	if d := time.Now().Sub(h.mock.Now()); d > 0 {
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
}
