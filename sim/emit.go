package sim

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/sdk/workflow"
)

// eventSink collects the events user code emits during one activity
// attempt. It is closed when the engine decides the attempt; events that
// arrive later (from an attempt that outlived its timeout) are dropped.
// The engine decides only once every goroutine at that instant has run, so
// which events are kept depends on virtual time alone.
type eventSink struct {
	mu     sync.Mutex
	events []Event
	closed bool
}

func (s *eventSink) add(e Event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.events = append(s.events, e)
	return true
}

// drain closes the sink and returns its events.
func (s *eventSink) drain() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	out := s.events
	s.events = nil
	return out
}

type sinkKey struct{}

type sinkRef struct {
	sink    *eventSink
	wf      string
	key     string
	attempt int
	e       *engine
}

// Emit records an event in the run's trace from activity code or an
// activity interceptor; ctx is the activity's context. The event's T is
// set to the current virtual time; WF, ID and Attempt, when empty, to the
// activity's. It is placed with the attempt's other events, so its
// position does not depend on goroutine scheduling. Emit reports false outside a
// simulated run, or when the attempt has already been decided (its result
// would not reach the server).
func Emit(ctx context.Context, e Event) bool {
	ref, ok := ctx.Value(sinkKey{}).(*sinkRef)
	if !ok {
		return false
	}
	if e.WF == "" {
		e.WF = ref.wf
	}
	if e.ID == "" {
		e.ID = ref.key
	}
	if e.Attempt == 0 {
		e.Attempt = ref.attempt
	}
	e.T = ref.e.trace.offset(time.Now())
	return ref.sink.add(e)
}

type engineKey struct{}

// EmitWorkflow records an event in the run's trace from workflow code or a
// workflow interceptor. It reports false outside a simulated run.
func EmitWorkflow(ctx workflow.Context, e Event) bool {
	eng, ok := ctx.Value(engineKey{}).(*engine)
	if !ok {
		return false
	}
	if e.WF == "" {
		e.WF = workflow.GetInfo(ctx).WorkflowExecution.ID
	}
	eng.hooks.sync()
	eng.trace.add(time.Now(), e)
	return true
}

// InSimulation reports whether ctx is an activity context of a simulated
// run.
func InSimulation(ctx context.Context) bool {
	_, ok := ctx.Value(sinkKey{}).(*sinkRef)
	return ok
}
