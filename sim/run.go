package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Options tune a run; the zero value (or nil) means defaults.
type Options struct {
	// Config, when the plan was drawn from a swarm configuration, is
	// printed at the start of the trace.
	Config *SwarmConfig
	// WallBudget bounds the wall time of a run (default 2 minutes). A run
	// that exceeds it is hung outside virtual time (a busy loop, a real
	// sleep); the process cannot stop it, so OnHang is called with the
	// goroutine stacks. The default OnHang panics with them.
	WallBudget time.Duration
	OnHang     func(stacks string)
	// Engine chooses the engine; the zero value is engine 1 (EngineTestEnv).
	Engine Engine
	// NoReplay turns the replay oracle off on engine 2: the run's
	// histories are not replayed, Result.ReplayHistories answers
	// ErrReplayOff and the nondeterminism property of harness.Safety()
	// checks nothing. Engine 1 has no histories to replay either way.
	NoReplay bool
	// WorkflowID is the id the scenario's workflow is started with; empty
	// means the scenario's name. It shows in the histories (and so in
	// what code derives from workflow.GetInfo, such as child workflow
	// ids): replaycorpus records engine-2 runs as "<scenario>-<seed>",
	// the id a real-server recording has, so replays find the scenario
	// and the seed.
	WorkflowID string
}

// workflowID is the id sc's workflow starts with under o.
func (o Options) workflowID(sc *Scenario) string {
	if o.WorkflowID != "" {
		return o.WorkflowID
	}
	return sc.Name
}

// Run executes one scenario under one plan with one seed, inside a
// testing/synctest bubble opened on t, and checks the scenario's
// properties. Under go test, t is the test's; outside it, the simrun CLI
// (cmd/simrun/cli) makes one. The same scenario, seed and plan give the
// same trace in both.
//
// The error is for bad input (a plan that does not fit the scenario, a
// scenario without Setup), or says that the engine could not end the run
// (its own goroutines or the SDK test environment's were left blocked);
// what the workflow did is in the Result.
func Run(t *testing.T, sc *Scenario, seed Seed, plan Plan, opts *Options) (*Result, error) {
	if sc == nil || sc.Setup == nil {
		return nil, errors.New("sim: scenario has no Setup")
	}
	if err := sc.Profile.Check(plan); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if err := checkDeploy(sc, plan); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
	}
	switch o.Engine {
	case EngineServer:
		return runOnServer(t, sc, seed, plan, o)
	case "", EngineTestEnv:
		if err := engine1Refuses(plan); err != nil {
			return nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	default:
		_, err := ParseEngine(string(o.Engine))
		return nil, fmt.Errorf("sim: %w", err)
	}
	defer watchWall(sc, seed, o, "")()
	var res *Result
	var err error
	if derr := runBubble(t, sc, seed, func() { res, err = runInBubble(sc, seed, plan, o) }); derr != nil {
		return nil, derr
	}
	return res, err
}

// watchWall starts a run's wall-clock watchdog and returns what ends it.
// A run hung outside virtual time (a busy loop, a real sleep) cannot be
// stopped, only reported: OnHang gets the goroutine stacks, or, without
// one, the watchdog panics with them. engine names the engine in the
// panic, empty for engine 1.
func watchWall(sc *Scenario, seed Seed, o Options, engine string) (stop func()) {
	budget := o.WallBudget
	if budget <= 0 {
		budget = 2 * time.Minute
	}
	done := make(chan struct{})
	watchdog := time.AfterFunc(budget, func() {
		select {
		case <-done:
			return
		default:
		}
		stacks := allStacks()
		if o.OnHang != nil {
			o.OnHang(stacks)
			return
		}
		panic(fmt.Sprintf("sim: scenario %s seed %d ran past its wall-clock budget of %s outside virtual time%s; goroutines:\n%s", sc.Name, seed, budget, engine, stacks))
	})
	return func() {
		close(done)
		watchdog.Stop()
	}
}

// runBubble runs f in a synctest bubble on t. A bubble that ends with
// only the engine's or the SDK's goroutines blocked is reported as an
// error that says so (engineDeadlock); any other panic goes on.
func runBubble(t *testing.T, sc *Scenario, seed Seed, f func()) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if err = engineDeadlock(sc, seed, p, allStacks()); err == nil {
				panic(p)
			}
		}
	}()
	synctest.Test(t, func(*testing.T) { f() })
	return nil
}

func runInBubble(sc *Scenario, seed Seed, plan Plan, o Options) (*Result, error) {
	suite := &testsuite.WorkflowTestSuite{}
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	hooks, err := hookEnv(env)
	if err != nil {
		return nil, err
	}
	budget := sc.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	w := NewWorld(seed, plan, clock.New(), env)
	w.env = env
	e := newEngine(w, env, hooks, budget)
	w.SetActivityCompleter(engineCompleter{e}, "default")
	defer w.End()
	e.window = sc.Profile.withDefaults().Window
	c := sc.Setup(w)
	if c.Workflow == nil {
		return nil, fmt.Errorf("scenario %s: Setup returned no workflow", sc.Name)
	}
	interceptors := append([]interceptor.WorkerInterceptor{&engineInterceptor{e: e}}, w.interceptors...)
	env.SetWorkerOptions(worker.Options{Interceptors: append(interceptors, &faultInterceptor{})})
	env.SetStartTime(w.origin)
	// A server gives workflows no run timeout unless asked; the test
	// environment defaults to ten years. The budget must stop a run first.
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: o.workflowID(sc), TaskQueue: "temporalsim", WorkflowExecutionTimeout: budget + time.Hour})
	env.SetTestTimeout(2 * budget)
	e.listen()
	if err := e.scheduleTimedFaults(); err != nil {
		return nil, err
	}
	hooks.pinRunning()
	e.gate = newGate(e.trace.flush)

	e.trace.add(w.origin, Event{Kind: "run.start", Name: sc.Name, Detail: fmt.Sprintf("seed=%d", seed)})
	if o.Config != nil {
		e.trace.add(w.origin, Event{Kind: "run.config", Detail: o.Config.String()})
	}
	for _, f := range plan.Faults {
		e.trace.add(w.origin, Event{Kind: "plan.fault", Fault: f.ID, Detail: f.String()})
	}
	stuck, stacks, failure := e.execute(c)
	elapsed := time.Since(w.origin)
	e.drain(stuck)
	e.gate.close()
	e.trace.flushAll()
	w.End()
	if failure != nil {
		return nil, fmt.Errorf("scenario %s: the SDK test environment could not run the workflow: %s", sc.Name, oneLine(failure.Error()))
	}

	r := &Result{Scenario: sc.Name, Seed: seed, WorkflowID: o.workflowID(sc), Plan: plan, Config: o.Config, World: w, Stacks: stacks}
	r.Elapsed = elapsed
	e.outcome(r, stuck)
	r.Events = e.trace.Events()
	r.Activities = e.activityRecords()
	r.CancelRequested = e.cancelRequested
	r.Fired = w.Fired()
	checkProperties(r, append(append([]Property(nil), sc.Properties...), c.Properties...))
	return r, nil
}

// DrainLimit is how much virtual time activities still running when the
// workflow closes get to finish. A server drops their tasks (they learn
// of it when their next heartbeat is answered with NotFound) and retries
// none of them; an activity that neither heartbeats nor returns within
// the limit is cut off and its attempt ends as run-over.
const DrainLimit = time.Hour

// drain lets activities of the closed workflow end as they would on a
// server, then stops whatever is left.
func (e *engine) drain(stuck bool) {
	e.mu.Lock()
	e.closed = true
	if now := time.Now(); stuck {
		e.stopAt = now
	} else {
		e.stopAt = now.Add(DrainLimit)
	}
	runs := make([]*activityRun, 0, len(e.runs))
	for _, k := range sortedKeys(e.runs) {
		runs = append(runs, e.runs[k])
	}
	e.mu.Unlock()
	for _, run := range runs {
		run.requestCancel()
	}
	// An activity the workflow scheduled in its last task may not have
	// reached the engine's interceptor yet; let everything runnable run.
	e.gate.barrier()
	done := make(chan struct{})
	go func() {
		e.attempts.Wait()
		close(done)
	}()
	if !stuck {
		t := time.NewTimer(DrainLimit)
		select {
		case <-done:
			t.Stop()
			return
		case <-t.C:
		}
	}
	close(e.stop)
	<-done
}

// errBudget unwinds the event loop when the virtual-time budget runs out.
var errBudget = errors.New("sim: virtual-time budget exhausted")

// execute runs the workflow to its end, or until the budget stops it.
func (e *engine) execute(c Case) (stuck bool, stacks string, failure error) {
	e.env.RegisterDelayedCallback(func() {
		if e.env.IsWorkflowCompleted() {
			return
		}
		stacks = allStacks()
		e.trace.add(time.Now(), Event{Kind: "run.stuck", Detail: "virtual-time budget " + e.budget.String() + " exhausted"})
		e.hooks.closeWorkflow()
		panic(errBudget)
	}, e.budget)
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		stuck = true
		if p != errBudget && !isTestTimeout(p) {
			// The SDK panics on input it cannot run, such as a workflow
			// type nobody registered; that is the scenario's mistake.
			failure = fmt.Errorf("%v", p)
		}
		if stacks == "" {
			stacks = allStacks()
			e.hooks.closeWorkflow()
		}
	}()
	e.env.ExecuteWorkflow(c.Workflow, c.Args...)
	e.hooks.closeChildren()
	return !e.env.IsWorkflowCompleted(), "", nil
}

func isTestTimeout(p any) bool {
	s, ok := p.(string)
	return ok && strings.HasPrefix(s, "test timeout")
}

// outcome fills in how the workflow ended.
func (e *engine) outcome(r *Result, stuck bool) {
	if stuck {
		r.Outcome = Stuck
		return
	}
	err := e.env.GetWorkflowError()
	// The test environment wraps the workflow's error in a
	// WorkflowExecutionError, as a client would; the outcome is about
	// what the workflow returned.
	var wee *temporal.WorkflowExecutionError
	if errors.As(err, &wee) {
		err = errors.Unwrap(wee)
	}
	r.Err, r.ErrType = err, ErrorType(err)
	top, _, _ := strings.Cut(r.ErrType, ">")
	switch {
	case err == nil:
		r.Outcome = Completed
		var v any
		if e.env.GetWorkflowResult(&v) == nil {
			if b, jerr := json.Marshal(v); jerr == nil {
				r.Output = string(b)
			}
		}
	case workflow.IsContinueAsNewError(err):
		r.Outcome, r.ErrType = ContinuedAsNew, ""
	case top == "CanceledError" || (e.cancelRequested && temporal.IsCanceledError(err)):
		r.Outcome = Canceled
	case strings.HasPrefix(top, "TimeoutError"):
		r.Outcome = TimedOut
	default:
		r.Outcome = Failed
	}
}

// checkProperties runs each property, turning a panic into a violation
// that names the property.
func checkProperties(r *Result, props []Property) {
	for _, p := range props {
		if err := safeCheck(p, r); err != nil {
			r.Violations = append(r.Violations, Violation{Property: p.Name, Message: err.Error()})
		}
	}
}

func safeCheck(p Property, r *Result) (err error) {
	defer func() {
		if x := recover(); x != nil {
			err = fmt.Errorf("property panicked: %v", x)
		}
	}()
	return p.Check(r)
}

// oneLine keeps the first line of s: errors here are one line.
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// allStacks returns every goroutine's stack.
func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
