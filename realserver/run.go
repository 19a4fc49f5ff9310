package realserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// RunOptions say which scenario to run against a real server, and how.
type RunOptions struct {
	// Scenario, Seed and Plan are what the engine runs: the plan must fit
	// the scenario's profile.
	Scenario *sim.Scenario
	Seed     sim.Seed
	Plan     sim.Plan
	// Scale is the speed-up K (virtual seconds per real second); zero
	// means DefaultScale(Scenario). Below 1, the run is slower than real
	// time.
	Scale float64
	// MinTimeout is the least an activity or child workflow timeout is
	// scaled down to; zero means DefaultMinTimeout. MinHeartbeatTimeout is
	// the same for heartbeat timeouts; zero means
	// DefaultMinHeartbeatTimeout.
	MinTimeout, MinHeartbeatTimeout time.Duration
	// WorkflowID defaults to the scenario name and the seed
	// ("parallel-activities-7"); TaskQueue defaults to the workflow id.
	WorkflowID, TaskQueue string
	// Timeout is the wall-clock budget of the run; a workflow still open
	// then is terminated and the run reported stuck. Zero means a minute.
	Timeout time.Duration
	// Interceptors are added to every worker after the World's, inside
	// the runner's outer one and outside its inner one (see
	// interceptors.go): they see unscaled durations and every attempt.
	Interceptors []interceptor.WorkerInterceptor
	// Log receives the SDK's warnings and errors; nil discards them.
	Log io.Writer
}

// Result is what a run against a real server produced.
type Result struct {
	Scenario string
	Seed     sim.Seed
	Plan     sim.Plan
	Scale    float64
	// WorkflowID and RunID name the run's first workflow execution, the
	// one whose history History is; TaskQueue is where it ran.
	WorkflowID, RunID, TaskQueue string
	// WorkflowType is the started workflow's type.
	WorkflowType string
	// Outcome is how the first execution ended, read from its close
	// event; Err is its error when it did not complete (for
	// continue-as-new, the *workflow.ContinueAsNewError with the next
	// run's input), ErrType the error's Temporal failure type chain.
	Outcome sim.Outcome
	Err     error
	ErrType string
	// Output is the workflow's result as JSON, when it completed.
	Output string
	// Elapsed is the virtual time from the workflow's start to its close
	// (read from the history's event times); Wall the real time from the
	// start request to the close.
	Elapsed, Wall time.Duration
	// Activities lists every activity a worker ran, with its attempts.
	Activities []Activity
	// Faults lists the plan's timed faults and what became of them.
	Faults []FiredFault
	// Workers is how many worker incarnations ran (1 + worker shutdowns
	// carried out); Replays counts workflow executions a worker rebuilt by
	// replaying history (after a shutdown, a cache eviction or a failed
	// workflow task).
	Workers, Replays int
	// History is every event of the first execution, as the server
	// returns it.
	History *historypb.History
	// World is the run's world, for properties that read its fakes.
	World *sim.World
}

// FiredFault is a timed fault of the plan (cancel, signal, update, query,
// worker shutdown, codec failure) and what happened when it was due.
type FiredFault struct {
	Fault sim.Fault
	// At is the virtual offset it was carried out at (zero if it was not).
	At time.Duration
	// Result is "ok", the error the server returned (for an update, the
	// update's outcome: its validator's rejection or its handler's
	// error), "not due: the workflow closed first", or for a query its
	// JSON answer after "ok: ".
	Result string
}

// serverLacks are the fault kinds Run cannot carry out against a dev
// server: the replay kinds, which engine 2's in-process server brings
// about. A plan with one is refused, never run without it.
var serverLacks = map[sim.Kind]bool{sim.CacheEviction: true, sim.WorkflowTaskFailure: true, sim.WorkflowTaskTimeout: true}

// Run runs one scenario under one plan and seed on a real worker against
// srv, and returns the history and what was observed. The error is for
// bad input and for infrastructure failures (cannot connect, cannot start
// the workflow); how the workflow ended is in the Result.
func Run(ctx context.Context, srv *Server, opts RunOptions) (*Result, error) {
	sc := opts.Scenario
	if sc == nil || sc.Setup == nil {
		return nil, errors.New("realserver.Run: RunOptions.Scenario with a Setup is required")
	}
	if err := sc.Profile.Check(opts.Plan); err != nil {
		return nil, fmt.Errorf("plan does not fit scenario %s: %w", sc.Name, err)
	}
	for _, f := range opts.Plan.Faults {
		if f.Kind == sim.Deploy {
			return nil, fmt.Errorf("fault f%d: realserver does not carry out deploy (the new version of the code taking over mid-run); engine 2 does (-engine server)", f.ID)
		}
		if serverLacks[f.Kind] {
			return nil, fmt.Errorf("realserver.Run: fault f%d: %w: %s (a dev server cannot be told to drop a worker's cache or fail a workflow task; engine 2, the in-process server, carries it out)", f.ID, sim.ErrEngineLacksKind, f.Kind)
		}
	}
	r := newRun(srv, opts)
	defer r.close()
	if err := r.setup(ctx); err != nil {
		return nil, err
	}
	return r.execute(ctx)
}

// run is the state of one Run.
type run struct {
	srv   *Server
	opts  RunOptions
	clk   *ScaledClock
	regs  *Registrations
	world *sim.World
	kase  sim.Case
	c     client.Client
	in    *injector
	tq    string

	// started is closed when the clock starts: when a worker first runs
	// the workflow, so that the server's and worker's latency before the
	// first workflow task (which a loaded machine can make seconds long)
	// does not count as K times as much virtual time.
	started   chan struct{}
	startOnce sync.Once

	mu        sync.Mutex
	workers   []worker.Worker // by incarnation - 1
	stopped   int             // workers[:stopped] have been stopped
	graces    []time.Duration // WorkerStopTimeout by incarnation - 1
	fired     []FiredFault
	execs     []workflow.Execution // every execution a worker ran, first seen first
	replays   atomic.Int32
	closeOnce sync.Once
}

func newRun(srv *Server, opts RunOptions) *run {
	if opts.Scale <= 0 {
		opts.Scale = DefaultScale(opts.Scenario)
	}
	if opts.MinTimeout <= 0 {
		opts.MinTimeout = DefaultMinTimeout
	}
	if opts.MinHeartbeatTimeout <= 0 {
		opts.MinHeartbeatTimeout = DefaultMinHeartbeatTimeout
	}
	if opts.WorkflowID == "" {
		opts.WorkflowID = opts.Scenario.Name + "-" + strconv.FormatUint(uint64(opts.Seed), 10)
	}
	if opts.TaskQueue == "" {
		opts.TaskQueue = opts.WorkflowID
	}
	if opts.Timeout <= 0 {
		opts.Timeout = time.Minute
	}
	// Virtual time starts at the real time, as the workflow's does, and
	// then runs K times faster.
	clk := NewScaledClock(time.Now(), opts.Scale)
	return &run{srv: srv, opts: opts, clk: clk, tq: opts.TaskQueue, regs: &Registrations{}, started: make(chan struct{})}
}

// setup runs the scenario's Setup, connects with its data converter and
// starts the first worker. The clock does not run yet: it starts when the
// workflow does (startClock).
func (r *run) setup(ctx context.Context) error {
	r.world = sim.NewWorld(r.opts.Seed, r.opts.Plan, r.clk, r.regs)
	r.kase = r.opts.Scenario.Setup(r.world)
	c, err := r.srv.Dial(ctx, client.Options{DataConverter: r.world.DataConverter(),
		Identity: "temporalsim-client", Logger: quietLogger(r.opts.Log)})
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", r.srv.Address(), err)
	}
	r.c = c
	// Async completions (World.CompleteActivity) go through the run's client.
	r.world.SetActivityCompleter(c, r.srv.Namespace())
	window := r.opts.Scenario.Profile.Window
	if window <= 0 {
		window = 10 * time.Minute // the profile's default
	}
	r.in = &injector{plan: r.opts.Plan, window: window, clk: r.clk, calls: newCallNumbers(c), rec: newRecorder(r.clk), ended: make(chan struct{})}
	for _, f := range sortedFaults(r.opts.Plan) {
		switch f.Kind {
		case sim.WorkerShutdown:
			r.graces = append(r.graces, r.clk.Real(f.Dur))
		case sim.WorkerCrash:
			r.graces = append(r.graces, 0) // its attempts hold their results anyway
		}
	}
	return r.startWorker()
}

// startWorker starts the next worker incarnation. Its stop timeout is the
// grace period of the worker-shutdown fault that will stop it.
func (r *run) startWorker() error {
	r.mu.Lock()
	n := len(r.workers) + 1
	grace := time.Duration(0)
	if n <= len(r.graces) {
		grace = r.graces[n-1]
	}
	r.mu.Unlock()
	ics := []interceptor.WorkerInterceptor{&outerInterceptor{r: r}}
	ics = append(append(ics, r.world.Interceptors()...), r.opts.Interceptors...)
	ics = append(ics, &innerInterceptor{r: r, worker: n})
	w := worker.New(r.c, r.tq, worker.Options{
		Interceptors:      ics,
		WorkerStopTimeout: grace,
		Identity:          "temporalsim-worker-" + strconv.Itoa(n),
	})
	r.regs.ApplyWorkflows(w)
	r.regs.ApplyActivities(w)
	if err := w.Start(); err != nil {
		return fmt.Errorf("starting worker %d: %w", n, err)
	}
	r.mu.Lock()
	r.workers = append(r.workers, w)
	r.mu.Unlock()
	return nil
}

// stopWorker stops the current worker: its stop channel closes, running
// activities get its stop timeout to finish, and its sticky cache goes
// with it, so the next worker replays the workflow from history.
func (r *run) stopWorker() {
	r.mu.Lock()
	var w worker.Worker
	if r.stopped < len(r.workers) {
		w = r.workers[r.stopped]
		r.stopped++
	}
	r.mu.Unlock()
	if w != nil {
		w.Stop()
	}
}

// close stops every worker still running and closes the client.
func (r *run) close() {
	r.closeOnce.Do(func() {
		if r.world != nil {
			r.world.End()
		}
		for {
			r.mu.Lock()
			done := r.stopped >= len(r.workers)
			r.mu.Unlock()
			if done {
				break
			}
			r.stopWorker()
		}
		if r.in != nil {
			r.in.end()
		}
		if r.c != nil {
			r.c.Close()
		}
	})
}

// seen notes a workflow execution a worker runs, so that whatever is left
// open when the run ends (an abandoned child, the next run of a
// continue-as-new chain) can be terminated.
func (r *run) seen(e workflow.Execution) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.execs, e) {
		r.execs = append(r.execs, e)
	}
}

// startClock starts the clock when the run's workflow first runs.
func (r *run) startClock(e workflow.Execution) {
	if e.ID != r.opts.WorkflowID {
		return
	}
	r.startOnce.Do(func() {
		r.clk.Start()
		close(r.started)
	})
}

func (r *run) elapsed() time.Duration { return r.clk.Now().Sub(r.clk.Origin()) }

func (r *run) note(f sim.Fault, at time.Duration, result string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fired = append(r.fired, FiredFault{Fault: f, At: at, Result: result})
}
