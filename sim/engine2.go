package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/internal/presize"
	"github.com/temporalsim/temporalsim/sim/server"
)

// Engine 2 runs a scenario on a real SDK client and worker against the
// in-process server of package sim/server (see docs/architecture.md). This
// file is its driver; engine2_trace.go turns the server's histories into
// the trace and activity records engine 1 produces.

const engine2Queue = "temporalsim"

var engine2Log = sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))

// runOnServer runs one scenario under a plan on engine 2 and checks its
// properties, returning the same Result engine 1 returns.
func runOnServer(t *testing.T, sc *Scenario, seed Seed, plan Plan, o Options) (*Result, error) {
	if sc == nil || sc.Setup == nil {
		return nil, errors.New("sim: scenario has no Setup")
	}
	if err := engine2Refuses(plan); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	if err := checkDeploy(sc, plan); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	defer holdIDs(idSeed(sc.Name, seed))()
	defer watchWall(sc, seed, o, " on engine 2")()
	var res *Result
	var err error
	if derr := runBubble(t, sc, seed, func() { res, err = runOnServerInBubble(sc, seed, plan, o) }); derr != nil {
		return nil, derr
	}
	return res, err
}

// engine2Run is what one engine-2 run keeps while it runs.
type engine2Run struct {
	sc       *Scenario
	w        *World
	regs     *registrations
	srv      *server.Server
	c        client.Client
	wk       worker.Worker
	obs      *attemptObserver
	faults   *e2faults
	budget   time.Duration
	wfID     string // the scenario workflow's id: Options.WorkflowID, or the scenario's name
	runID    string // the scenario workflow's first run
	overrun  atomic.Bool
	closeEvt *historypb.HistoryEvent
	// looping is a workflow task that kept failing (engine2_replay.go).
	looping atomic.Pointer[taskLoop]

	timed     *e2timed // timed faults (engine2_timed.go)
	mu        sync.Mutex
	workers   []*e2worker // incarnations (engine2_workers.go)
	stops     sync.WaitGroup
	workerErr error
	nondet    *ReplayFailure // the first in-run nondeterminism (engine2_nondet.go)
	nondetAt  time.Time
	next      *registrations // the new version's (Scenario.Deploy), nil without one
	deployed  bool           // a deploy fault fired: new workers run next
}

func runOnServerInBubble(sc *Scenario, seed Seed, plan Plan, o Options) (*Result, error) {
	r := &engine2Run{sc: sc, wfID: o.workflowID(sc), regs: &registrations{}, budget: sc.Budget}
	if r.budget <= 0 {
		r.budget = DefaultBudget
	}
	r.w = NewWorld(seed, plan, clock.New(), r.regs)
	defer r.w.End()
	cs := sc.Setup(r.w)
	if cs.Workflow == nil {
		return nil, fmt.Errorf("scenario %s: Setup returned no workflow", sc.Name)
	}
	if name, ok := cs.Workflow.(string); ok && !r.regs.hasWorkflow(name) {
		// The worker would fail every workflow task of the run until the
		// budget ends; engine 1 refuses it at once too.
		return nil, fmt.Errorf("scenario %s: workflow type %q is not registered by name", sc.Name, name)
	}
	if err := r.newVersion(); err != nil {
		return nil, fmt.Errorf("scenario %s: %s", sc.Name, oneLine(err.Error()))
	}
	r.obs = newAttemptObserver(r.w.origin)
	r.faults = newE2Faults(r.w, sc.Profile.withDefaults().Window, r.obs)
	if err := r.start(idSeed(sc.Name, seed)); err != nil {
		return nil, fmt.Errorf("scenario %s: engine 2 could not start its worker: %s", sc.Name, oneLine(err.Error()))
	}
	res := &Result{Scenario: sc.Name, Seed: seed, WorkflowID: r.wfID, Plan: plan, Config: o.Config, World: r.w, oracle: &oracleState{off: o.NoReplay, faults: r.faults}}
	werr := r.execute(cs, res)
	// Attempts still running end as they do on a server: the worker keeps
	// running, a heartbeat is answered NotFound (the SDK then cancels the
	// attempt's context), a result is dropped. Whatever is left after
	// DrainLimit is cut off when the worker stops.
	drained := r.obs.drain(DrainLimit)
	r.stopWorkers() // cancels the contexts of attempts still running
	if !drained {
		drained = r.obs.drain(DrainLimit)
	}
	r.w.End()
	r.c.Close()
	r.srv.Stop()
	if testHookServerStats != nil {
		testHookServerStats(r.srv.Stats())
	}
	if !drained {
		// The bubble cannot end with the attempt's goroutine blocked.
		return nil, fmt.Errorf("scenario %s: engine 2 cannot end the run: an activity attempt ignored its cancelled context for %s after the workflow closed", sc.Name, DrainLimit)
	}
	if werr == nil {
		werr = r.workerErr
	}
	if werr != nil {
		return nil, fmt.Errorf("scenario %s: engine 2 could not run the workflow: %s", sc.Name, oneLine(werr.Error()))
	}
	if u := r.srv.Unsupported(); len(u) > 0 {
		return nil, fmt.Errorf("scenario %s: engine 2 cannot run it yet: its server does not implement %s", sc.Name, strings.Join(u, "; "))
	}
	res.histories = r.srv.Histories()
	res.oracle.inRun, res.oracle.regs = r.halted(), r.version()
	r.fill(res, seed, o)
	replayOracle(res)
	checkProperties(res, append(append([]Property(nil), sc.Properties...), cs.Properties...))
	endReplayOracle(res)
	return res, nil
}

// idSeed gives each scenario and seed its own run ids: the SDK's sticky
// cache is process-wide, and the same seed must give the same histories.
// Runs that share it take turns (holdIDs).
func idSeed(name string, seed Seed) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return h.Sum64() ^ uint64(seed)
}

// start brings up the server, a client and one worker with the scenario's
// registrations, interceptors and data converter.
func (r *engine2Run) start(ids uint64) error {
	r.srv = server.New(&server.Options{IDSeed: ids, OnScheduled: r.faults.scheduled, OnWorkflowTaskFailed: r.taskFailed, OnTaskRetry: r.taskRetry})
	// Worker heartbeats are off: the server does not take them, and the
	// SDK's heartbeat manager probes the host at every Dial.
	c, err := client.Dial(client.Options{HostPort: "passthrough:///temporalsim", Identity: "sim-client", Logger: engine2Log,
		DataConverter: r.w.DataConverter(), WorkerHeartbeatInterval: -1,
		ConnectionOptions: client.ConnectionOptions{DialOptions: r.dialOptions()}})
	if err != nil {
		r.srv.Stop()
		return err
	}
	r.c = c
	r.w.SetActivityCompleter(e2completer{c: c, obs: r.obs}, "default")
	if err := r.startWorker(); err != nil {
		c.Close()
		r.srv.Stop()
		return err
	}
	return nil
}

// execute starts the workflow and waits for its first run to close. Like
// engine 1 it stops at the first continue-as-new, and it reports the run
// stuck when the virtual-time budget runs out first.
func (r *engine2Run) execute(cs Case, res *Result) error {
	ctx := context.Background()
	presize.Stack() // the client visits the start request's payloads on this goroutine
	run, err := r.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: r.wfID, TaskQueue: engine2Queue,
		WorkflowExecutionTimeout: r.budget + time.Hour}, cs.Workflow, cs.Args...)
	if err != nil {
		return err
	}
	r.runID = run.GetRunID()
	if err := r.armTimed(); err != nil {
		return err
	}
	defer r.disarmTimed()
	stop := time.AfterFunc(r.budget, func() {
		r.overrun.Store(true)
		_ = r.c.TerminateWorkflow(ctx, r.wfID, "", "virtual-time budget exhausted")
	})
	it := r.c.GetWorkflowHistory(ctx, r.wfID, r.runID, true, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
	for it.HasNext() && r.closeEvt == nil {
		if r.closeEvt, err = it.Next(); err != nil {
			stop.Stop()
			return err
		}
	}
	stop.Stop()
	if r.closeEvt == nil {
		return errors.New("the server sent no close event")
	}
	if a := r.closeEvt.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
		// Engine 1 ends at continue-as-new; end the chain here too.
		res.Outcome, res.Err = ContinuedAsNew, continuedAsNew(a)
		// The next run may have closed already: the error is no news.
		_ = r.c.TerminateWorkflow(ctx, r.wfID, "", "the simulation stops at the first continue-as-new")
		return nil
	}
	return r.outcome(ctx, res)
}

// outcome fills in how the first run ended, as engine 1's outcome does.
func (r *engine2Run) outcome(ctx context.Context, res *Result) error {
	if r.halted() != nil || (r.overrun.Load() && r.closeEvt.GetWorkflowExecutionTerminatedEventAttributes() != nil) {
		res.Outcome = Stuck
		return nil
	}
	var v any
	err := r.c.GetWorkflow(ctx, r.wfID, r.runID).Get(ctx, &v)
	var wee *temporal.WorkflowExecutionError
	if errors.As(err, &wee) {
		err = errors.Unwrap(wee)
	} else if err != nil {
		return err
	}
	res.Err, res.ErrType = err, ErrorType(err)
	top, _, _ := strings.Cut(res.ErrType, ">")
	switch {
	case err == nil:
		res.Outcome = Completed
		// A workflow that returns only an error has no output, as on engine 1.
		if len(r.closeEvt.GetWorkflowExecutionCompletedEventAttributes().GetResult().GetPayloads()) == 0 {
			break
		}
		if b, jerr := json.Marshal(v); jerr == nil {
			res.Output = string(b)
		}
	case top == "CanceledError":
		res.Outcome = Canceled
	case strings.HasPrefix(top, "TimeoutError"):
		res.Outcome = TimedOut
	default:
		res.Outcome = Failed
	}
	return nil
}

// continuedAsNew is the error engine 1 reports for a run that continued as
// new, rebuilt from the close event, so properties can decode the next
// run's input.
func continuedAsNew(a *historypb.WorkflowExecutionContinuedAsNewEventAttributes) error {
	return &workflow.ContinueAsNewError{
		WorkflowType:        &workflow.Type{Name: a.GetWorkflowType().GetName()},
		Input:               a.GetInput(),
		Header:              a.GetHeader(),
		TaskQueueName:       a.GetTaskQueue().GetName(),
		WorkflowRunTimeout:  a.GetWorkflowRunTimeout().AsDuration(),
		WorkflowTaskTimeout: a.GetWorkflowTaskTimeout().AsDuration(),
	}
}

// registrations keeps what a scenario's Setup (or Deploy) registers: the
// worker needs the data converter Setup chooses before it can be built.
type registrations struct {
	workflows  []workflowReg
	activities []activityReg
}

type workflowReg struct {
	fn any
	o  workflow.RegisterOptions
}

type activityReg struct {
	a any
	o activity.RegisterOptions
}

func (g *registrations) RegisterWorkflowWithOptions(w any, o workflow.RegisterOptions) {
	g.workflows = append(g.workflows, workflowReg{w, o})
}

// hasWorkflow reports whether a workflow was registered under name; it
// cannot see the names the SDK derives from functions, so it also answers
// true when any workflow was registered without one.
func (g *registrations) hasWorkflow(name string) bool {
	for _, w := range g.workflows {
		if w.o.Name == name || w.o.Name == "" {
			return true
		}
	}
	return false
}

func (g *registrations) RegisterActivityWithOptions(a any, o activity.RegisterOptions) {
	g.activities = append(g.activities, activityReg{a, o})
}

func (g *registrations) apply(r Registrar) {
	g.applyWorkflows(r)
	for _, a := range g.activities {
		r.RegisterActivityWithOptions(a.a, a.o)
	}
}

func (g *registrations) applyWorkflows(r Registrar) {
	for _, w := range g.workflows {
		r.RegisterWorkflowWithOptions(w.fn, w.o)
	}
}

// idHolds are the run-id seeds of the engine-2 runs under way or waiting
// in this process.
var (
	idHoldsMu sync.Mutex
	idHolds   = map[uint64]*idHold{}
)

type idHold struct {
	mu      sync.Mutex
	holders int // holding or waiting
}

// holdIDs waits until no other engine-2 run of the process uses the run-id
// seed ids and returns its release. Runs of the same scenario and seed at
// once (two parallel tests of one scenario, say) would have the same run
// ids, and the SDK's sticky cache is process-wide and keyed by run id: a
// worker that finds another bubble's run under its run's id closes that
// run's coroutines, from the wrong bubble, and the runtime stops the
// process ("send on synctest channel from outside bubble"). Taking turns
// keeps their histories equal, as the same seed's must be
// (TestEngine2SameSeedAtOnce). It is called outside the bubble: a bubble's
// goroutine blocked on a mutex is not durably blocked.
func holdIDs(ids uint64) (release func()) {
	idHoldsMu.Lock()
	h := idHolds[ids]
	if h == nil {
		h = &idHold{}
		idHolds[ids] = h
	}
	h.holders++
	idHoldsMu.Unlock()
	h.mu.Lock()
	return func() {
		h.mu.Unlock()
		idHoldsMu.Lock()
		if h.holders--; h.holders == 0 {
			delete(idHolds, ids)
		}
		idHoldsMu.Unlock()
	}
}
