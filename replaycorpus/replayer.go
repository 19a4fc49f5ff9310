package replaycorpus

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Options configure a Replayer: the workflows to replay against and the
// worker settings the histories were recorded with. They mirror
// worker.WorkflowReplayerOptions.
type Options struct {
	// Workflows are registered under their function names, as
	// worker.RegisterWorkflow does.
	Workflows []any
	// NamedWorkflows are registered under the given names (the map key is
	// the workflow type).
	NamedWorkflows map[string]any
	// Register, if set, is called on every SDK replayer after the
	// registrations above, for anything else (dynamic workflows,
	// registration options). It may run on several goroutines at once.
	Register func(worker.WorkflowReplayer)

	// DataConverter, FailureConverter, Interceptors and ContextPropagators
	// are passed to worker.WorkflowReplayerOptions; use the worker's own.
	DataConverter      converter.DataConverter
	FailureConverter   converter.FailureConverter
	Interceptors       []interceptor.WorkerInterceptor
	ContextPropagators []workflow.ContextPropagator

	// Parallelism is how many histories replay at once; 0 means
	// GOMAXPROCS. Each goroutine uses its own SDK replayer.
	Parallelism int
}

// Replayer replays histories against registered workflows and classifies
// failures. It is safe for concurrent use: it keeps a pool of SDK
// replayers and never shares one between goroutines.
type Replayer struct {
	opts Options
	mu   sync.Mutex
	free []worker.WorkflowReplayer
}

// NewReplayer returns a Replayer for opts. It fails if the workflows
// cannot be registered (not a function, a name used twice, ...).
func NewReplayer(opts Options) (*Replayer, error) {
	r := &Replayer{opts: opts}
	sdk, err := r.newSDKReplayer()
	if err != nil {
		return nil, err
	}
	r.free = append(r.free, sdk)
	return r, nil
}

func (r *Replayer) newSDKReplayer() (rep worker.WorkflowReplayer, err error) {
	// Registration reports bad workflows by panicking.
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("replaycorpus: registering workflows: %v", p)
		}
	}()
	rep, err = worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter:      r.opts.DataConverter,
		FailureConverter:   r.opts.FailureConverter,
		Interceptors:       r.opts.Interceptors,
		ContextPropagators: r.opts.ContextPropagators,
	})
	if err != nil {
		return nil, fmt.Errorf("replaycorpus: %w", err)
	}
	for _, w := range r.opts.Workflows {
		rep.RegisterWorkflow(w)
	}
	for _, name := range slices.Sorted(maps.Keys(r.opts.NamedWorkflows)) {
		rep.RegisterWorkflowWithOptions(r.opts.NamedWorkflows[name], workflow.RegisterOptions{Name: name})
	}
	if r.opts.Register != nil {
		r.opts.Register(rep)
	}
	return rep, nil
}

func (r *Replayer) acquire() (worker.WorkflowReplayer, error) {
	r.mu.Lock()
	if n := len(r.free); n > 0 {
		rep := r.free[n-1]
		r.free = r.free[:n-1]
		r.mu.Unlock()
		return rep, nil
	}
	r.mu.Unlock()
	return r.newSDKReplayer()
}

func (r *Replayer) release(rep worker.WorkflowReplayer) {
	r.mu.Lock()
	r.free = append(r.free, rep)
	r.mu.Unlock()
}

// ReplayHistory replays one history held in memory and compares the
// outcome with exp. name is used as the Result's File.
func (r *Replayer) ReplayHistory(name string, h *historypb.History, exp Expectation) Result {
	res := Result{File: name, WorkflowType: WorkflowType(h), Events: len(h.GetEvents()), Expected: exp}
	res.Err, res.Log = r.replay(h)
	if res.Err != nil {
		res.Err.File = name
	}
	res.Pass = exp.Met(res.Err)
	return res
}

// replay runs the SDK replayer on h with the SDK's log kept in memory.
func (r *Replayer) replay(h *historypb.History) (*ReplayError, string) {
	rep, err := r.acquire()
	if err != nil {
		return &ReplayError{Kind: Other, WorkflowType: WorkflowType(h), Message: err.Error(), Err: err}, ""
	}
	logger := &captureLogger{}
	panicked := false
	err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				panicked = true
				err = fmt.Errorf("replaycorpus: the SDK replayer panicked: %v", p)
			}
		}()
		return rep.ReplayWorkflowHistory(logger, h)
	}()
	re := Classify(err, h)
	// After a deadlock the workflow's goroutine may still be running; after
	// a panic the replayer's state is unknown. Build a fresh one next time.
	if !panicked && (re == nil || re.Kind != Deadlock) {
		r.release(rep)
	}
	return re, logger.String()
}
