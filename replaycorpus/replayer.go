package replaycorpus

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
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

	// Converters are named data converters, for corpora recorded with
	// different ones. A manifest picks one for its directory, or for one
	// entry, with "data_converter": "NAME"; PathConverters pick one by
	// path. Histories that pick none replay with DataConverter.
	Converters map[string]Converter
	// PathConverters maps a history file or a directory (compared after
	// filepath.Clean with the paths the batch was given; "." matches
	// every path) to a key of Converters. The longest matching path wins,
	// and it wins over the manifest.
	PathConverters map[string]string

	// DisableDeadlockDetection turns off the SDK's check that workflow
	// code yields within a second (worker.WorkflowReplayerOptions has the
	// same field): for a debugger, or a slow machine.
	DisableDeadlockDetection bool

	// CheckResult, if set, is called after each clean replay of a history
	// that ends in WorkflowExecutionCompleted, with the result the
	// replayed code returned. An error makes the replay a ResultMismatch
	// whose message starts with the error's text. It may run on several
	// goroutines at once. A manifest entry's "result" is checked too.
	CheckResult func(file string, result Value) error

	// Parallelism is how many histories replay at once; 0 means
	// GOMAXPROCS. Each goroutine uses its own SDK replayer.
	Parallelism int
}

// Converter is a data converter with payload codecs around it, as a worker
// built with converter.NewCodecDataConverter has.
type Converter struct {
	// DataConverter is nil for the SDK's default.
	DataConverter converter.DataConverter
	// Codecs wrap DataConverter, the first one outermost, as in
	// converter.NewCodecDataConverter.
	Codecs []converter.PayloadCodec
}

// dataConverter is c's DataConverter with its codecs.
func (c Converter) dataConverter() converter.DataConverter {
	dc := c.DataConverter
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	if len(c.Codecs) > 0 {
		dc = converter.NewCodecDataConverter(dc, c.Codecs...)
	}
	return dc
}

// Replayer replays histories against registered workflows and classifies
// failures. It is safe for concurrent use: it keeps a pool of SDK
// replayers and never shares one between goroutines.
type Replayer struct {
	opts Options
	mu   sync.Mutex
	free map[string][]worker.WorkflowReplayer // by converter name; "" is the default
}

// NewReplayer returns a Replayer for opts. It fails if the workflows
// cannot be registered (not a function, a name used twice, ...) or a
// PathConverters entry names no converter.
func NewReplayer(opts Options) (*Replayer, error) {
	cleaned := map[string]string{}
	for _, p := range slices.Sorted(maps.Keys(opts.PathConverters)) {
		name := opts.PathConverters[p]
		if !hasConverter(opts, name) {
			return nil, fmt.Errorf("replaycorpus: PathConverters[%q] is %q, which is not in Options.Converters", p, name)
		}
		if prev, dup := cleaned[filepath.Clean(p)]; dup && prev != name {
			return nil, fmt.Errorf("replaycorpus: PathConverters names %s twice, with %q and %q", filepath.Clean(p), prev, name)
		}
		cleaned[filepath.Clean(p)] = name
	}
	r := &Replayer{opts: opts, free: map[string][]worker.WorkflowReplayer{}}
	sdk, err := r.newSDKReplayer("")
	if err != nil {
		return nil, err
	}
	r.release("", sdk)
	return r, nil
}

func hasConverter(opts Options, name string) bool {
	_, ok := opts.Converters[name]
	return ok || name == ""
}

// replayerOptions are the SDK replayer's options with converter conv.
func (r *Replayer) replayerOptions(conv string) worker.WorkflowReplayerOptions {
	o := worker.WorkflowReplayerOptions{
		DataConverter:            r.opts.DataConverter,
		FailureConverter:         r.opts.FailureConverter,
		Interceptors:             r.opts.Interceptors,
		ContextPropagators:       r.opts.ContextPropagators,
		DisableDeadlockDetection: r.opts.DisableDeadlockDetection,
	}
	if c, ok := r.opts.Converters[conv]; ok && conv != "" {
		o.DataConverter = c.dataConverter()
	}
	return o
}

func (r *Replayer) newSDKReplayer(conv string) (rep worker.WorkflowReplayer, err error) {
	// Registration reports bad workflows by panicking.
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("replaycorpus: registering workflows: %v", p)
		}
	}()
	rep, err = worker.NewWorkflowReplayerWithOptions(r.replayerOptions(conv))
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

func (r *Replayer) acquire(conv string) (worker.WorkflowReplayer, error) {
	r.mu.Lock()
	if free := r.free[conv]; len(free) > 0 {
		rep := free[len(free)-1]
		r.free[conv] = free[:len(free)-1]
		r.mu.Unlock()
		return rep, nil
	}
	r.mu.Unlock()
	return r.newSDKReplayer(conv)
}

func (r *Replayer) release(conv string, rep worker.WorkflowReplayer) {
	r.mu.Lock()
	r.free[conv] = append(r.free[conv], rep)
	r.mu.Unlock()
}

// ReplayHistory replays one history held in memory, with the default data
// converter, and compares the outcome with exp. name is used as the
// Result's File and passed to CheckResult.
func (r *Replayer) ReplayHistory(name string, h *historypb.History, exp Expectation) Result {
	res := Result{File: name, WorkflowType: WorkflowType(h), Events: len(h.GetEvents()), Expected: exp}
	res.Err, res.Log = r.replay(h, replayJob{file: name})
	if res.Err != nil {
		res.Err.File = name
	}
	res.Pass = exp.Met(res.Err)
	return res
}

// replayJob is what one replay needs besides the history.
type replayJob struct {
	file   string          // for CheckResult
	conv   string          // a key of Options.Converters, "" for the default
	result json.RawMessage // the manifest's expected result, if any
}

// replay runs the SDK replayer on h with the SDK's log kept in memory.
func (r *Replayer) replay(h *historypb.History, job replayJob) (*ReplayError, string) {
	rep, err := r.acquire(job.conv)
	if err != nil {
		return &ReplayError{Kind: Other, WorkflowType: WorkflowType(h), Message: clip(err.Error(), maxMessage), SDKMessage: err.Error(), Err: err}, ""
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
	if re == nil {
		re = r.checkResult(rep, h, job)
	}
	if re != nil && re.Kind != Malformed {
		re.Hint = converterHint(re, h, r.replayerOptions(job.conv).DataConverter)
	}
	// After a deadlock the workflow's goroutine may still be running; after
	// a panic the replayer's state is unknown. Build a fresh one next time.
	if !panicked && (re == nil || re.Kind != Deadlock) {
		r.release(job.conv, rep)
	}
	return re, logger.String()
}
