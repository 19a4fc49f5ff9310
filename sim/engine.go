package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// engine is the state of one run.
type engine struct {
	w      *World
	env    *testsuite.TestWorkflowEnvironment
	hooks  *envHooks
	trace  *Trace
	gate   *gate
	budget time.Duration
	window time.Duration // the scenario's fault window

	mu         sync.Mutex
	runs       map[string]*activityRun
	perWF      map[string]int
	calls      map[string]int // activity type -> calls so far
	laSeen     map[string]int // workflow/local activity type -> calls so far
	childCalls map[string]int
	gen        *workerGen
	// bySDKID maps the test environment's activity ids to runs, and
	// canceledIDs holds cancel requests that came before the run was bound.
	bySDKID     map[string]*activityRun
	canceledIDs map[string]bool
	// signalArgs holds the arguments of signals sent with several, by the
	// stand-in token sent in their place (inject.go).
	signalArgs map[string]*commonpb.Payloads
	// async holds the attempts an external completer may finish, by task
	// token (complete_testenv.go).
	async map[string]*asyncSlot

	cancelRequested bool // the workflow was asked to cancel (event loop only)
	closed          bool // the workflow has closed; no more retries
	// stopAt is the virtual instant at which the run is over: the budget,
	// or once the workflow closes, the end of the drain. Supervisors decide
	// from it, not from which of stop and a same-instant event they saw
	// first, so a run stopped at that instant ends the same way every time.
	stopAt time.Time

	stop     chan struct{} // closed when the run is over
	attempts sync.WaitGroup
}

// workerGen is one incarnation of the simulated worker. A shutdown closes
// stop, then after the grace period closes kill; a crash sets crashed and
// closes both at once. A new incarnation takes over at once.
type workerGen struct {
	n    int
	stop chan struct{}
	kill chan struct{}
	// crashed is set before kill closes when the worker process died
	// rather than stopped: its attempts' results never reach the server.
	crashed bool
	// fault is the id of the plan's fault that stopped or crashed this
	// incarnation, set before kill closes.
	fault int
}

func newWorkerGen(n int) *workerGen {
	return &workerGen{n: n, stop: make(chan struct{}), kill: make(chan struct{})}
}

func (g *workerGen) killed() bool {
	select {
	case <-g.kill:
		return true
	default:
		return false
	}
}

func newEngine(w *World, env *testsuite.TestWorkflowEnvironment, hooks *envHooks, budget time.Duration) *engine {
	return &engine{
		w: w, env: env, hooks: hooks, trace: newTrace(w.origin), budget: budget,
		runs: map[string]*activityRun{}, perWF: map[string]int{}, calls: map[string]int{},
		laSeen: map[string]int{}, childCalls: map[string]int{},
		bySDKID: map[string]*activityRun{}, canceledIDs: map[string]bool{}, signalArgs: map[string]*commonpb.Payloads{},
		async: map[string]*asyncSlot{},
		gen:   newWorkerGen(1), stop: make(chan struct{}), stopAt: w.origin.Add(budget),
	}
}

// runOver reports whether the run is over at virtual time now.
func (e *engine) runOver(now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return !now.Before(e.stopAt)
}

// newRun registers a scheduled activity; called from workflow code, so in
// the deterministic order of the event loop.
func (e *engine) newRun(wf, typ string, opts workflow.ActivityOptions) *activityRun {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.perWF[wf]++
	e.calls[typ]++
	run := &activityRun{
		key:       fmt.Sprintf("%s/a%04d", wf, e.perWF[wf]),
		wf:        wf,
		typ:       typ,
		call:      e.calls[typ],
		opts:      opts,
		policy:    serverRetryPolicy(opts.RetryPolicy),
		scheduled: time.Now(),
		cancelReq: make(chan struct{}),
	}
	e.runs[run.key] = run
	return run
}

// takeRun finds the run named in an activity's header and removes the
// engine's entry from the header before user interceptors see it.
func (e *engine) takeRun(h map[string]*commonpb.Payload) *activityRun {
	p, ok := h[headerKey]
	if !ok {
		return nil
	}
	delete(h, headerKey)
	var key string
	if err := e.w.dc.FromPayload(p, &key); err != nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.runs[key]
}

func sdkID(info *activity.Info) string {
	return info.WorkflowExecution.ID + "/" + info.WorkflowExecution.RunID + "/" + info.ActivityID
}

// bindRun links the test environment's id for an activity to its run, so
// that a cancel request (which the environment reports by that id) reaches
// the run.
func (e *engine) bindRun(info activity.Info, run *activityRun) {
	id := sdkID(&info)
	e.mu.Lock()
	e.bySDKID[id] = run
	canceled := e.canceledIDs[id]
	e.mu.Unlock()
	if canceled {
		e.cancelRun(run)
	}
}

// activityCanceled is the test environment's listener for activity
// cancellations, which it reports when the workflow requests one. On a
// server the request waits for the activity's next heartbeat.
func (e *engine) activityCanceled(info *activity.Info) {
	id := sdkID(info)
	e.mu.Lock()
	run := e.bySDKID[id]
	if run == nil {
		e.canceledIDs[id] = true
	}
	e.mu.Unlock()
	if run != nil {
		e.trace.add(time.Now(), Event{Kind: "act.cancel-request", WF: run.wf, Name: run.typ, ID: run.key})
		e.cancelRun(run)
	}
}

func (e *engine) cancelRun(run *activityRun) {
	run.mu.Lock()
	run.canceledByWorkflow = true
	run.mu.Unlock()
	run.requestCancel()
}

func (e *engine) workflowClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

func (e *engine) currentGen() *workerGen {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.gen
}

// postSync asks the event loop to move workflow time up to now before it
// handles what this goroutine posts next.
func (e *engine) postSync() { e.env.RegisterDelayedCallback(e.hooks.sync, 0) }

// activityFaults lists the plan's faults that hit attempt n of run.
func (e *engine) activityFaults(run *activityRun, n int, now time.Time) []Fault {
	return e.matcher().activity(run.typ, run.call, n, now.Sub(e.w.origin))
}

// matcher is the engine-neutral fault matching (faultmatch.go).
func (e *engine) matcher() faultMatcher { return faultMatcher{w: e.w, window: e.window} }

// localActivityFault picks the key of a local activity attempt and the
// fault that hits it, if any; h is the attempt's header. Local activities
// run on the worker, which retries them itself; the SDK does that here too.
func (e *engine) localActivityFault(info activity.Info, h map[string]*commonpb.Payload) (string, Fault, bool) {
	call := e.localCall(h)
	key := fmt.Sprintf("%s/l%04s/%02d", info.WorkflowExecution.ID, info.ActivityID, info.Attempt)
	f, ok := e.matcher().local(info.ActivityType.Name, call, int(info.Attempt), time.Since(e.w.origin))
	return key, f, ok
}

// localHeaderKey carries a local activity's call number from the workflow
// side, where calls are numbered in the event loop's order.
const localHeaderKey = "temporalsim-local-call"

// nextLocalCall numbers a local activity call of typ in workflow wf.
func (e *engine) nextLocalCall(wf, typ string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.laSeen[wf+"/"+typ]++
	return e.laSeen[wf+"/"+typ]
}

// localCall reads the call number the workflow side put in a local
// activity's header. The key stays: the SDK retries a local activity with
// the same header, so user interceptors of local activities see it (every
// engine header key starts with "temporalsim-").
func (e *engine) localCall(h map[string]*commonpb.Payload) int {
	p, ok := h[localHeaderKey]
	if !ok {
		return 0
	}
	var call int
	if err := e.w.dc.FromPayload(p, &call); err != nil {
		return 0
	}
	return call
}

// childFault says whether the next child workflow of type typ fails.
func (e *engine) childFault(typ string) (Fault, bool) {
	e.childCalls[typ]++
	return e.matcher().child(typ, e.childCalls[typ], time.Since(e.w.origin))
}

// resultName is how traces name an outcome: "ok" or the error's type.
func resultName(err error) string {
	if err == nil {
		return "ok"
	}
	if errors.Is(err, errRunOver) {
		return "run-over"
	}
	if workflow.IsContinueAsNewError(err) {
		return "continue-as-new"
	}
	return ErrorType(err)
}

func itoa(n int) string { return strconv.Itoa(n) }

func faultIDs(fs []Fault) string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = "f" + itoa(f.ID)
	}
	return strings.Join(ids, ",")
}

// sortedKeys returns m's keys in order, for deterministic iteration.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var _ interceptor.WorkerInterceptor = (*engineInterceptor)(nil)

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "unencodable"
	}
	return string(b)
}
