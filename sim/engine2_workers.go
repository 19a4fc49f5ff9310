package sim

import (
	"context"
	"fmt"
	"math"
	"sort"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/temporalsim/temporalsim/internal/presize"
	"github.com/temporalsim/temporalsim/sim/server"
)

// Worker incarnations on engine 2. Incarnation k is ended by the k-th
// worker-shutdown, worker-crash or deploy of the plan (by time, then id),
// and the next starts in its place at once, as on engine 1. A deploy stops
// the worker as a shutdown does, with DeployGrace, and the workers after
// it run the new version's registrations (engine2_deploy.go). A shutdown is
// worker.Stop() with the fault's Dur as WorkerStopTimeout: the SDK sends
// ShutdownWorker, running attempts get the grace period, then their
// contexts are cancelled, and what they return still reaches the server.
// A crash cuts the worker off: every later call fails before reaching the
// server and the polls the server holds for it are dropped, so results
// and heartbeats are lost and the server times them out; a task for its
// sticky queue waits out the sticky timeout (or goes to the normal queue
// once the queue has had no poller for 10s), and the fresh worker (a new
// SDK worker: the SDK's cache does not hand it the old worker's runs)
// replays the full history.
// The dead worker is then stopped so that none of its goroutines outlives
// the run (see docs/architecture.md).

// e2worker is one worker incarnation.
type e2worker struct {
	n        int
	identity string // in every request it sends
	wk       worker.Worker
	end      Fault // the fault that ends it; ID 0 for none
	cut      atomic.Bool
}

// workerFaults are the plan's worker faults in the order they end
// incarnations.
func workerFaults(p Plan) []Fault {
	var fs []Fault
	for _, f := range p.Faults {
		if f.Kind == WorkerShutdown || f.Kind == WorkerCrash || f.Kind == Deploy {
			fs = append(fs, f)
		}
	}
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].At != fs[j].At {
			return fs[i].At < fs[j].At
		}
		return fs[i].ID < fs[j].ID
	})
	return fs
}

// startWorker starts the next incarnation and makes it current.
func (r *engine2Run) startWorker() error {
	w, err := r.newWorker()
	if err != nil {
		return err
	}
	return w.wk.Start()
}

// newWorker creates the next incarnation, not yet started, and makes it
// current.
func (r *engine2Run) newWorker() (*e2worker, error) {
	w := &e2worker{n: len(r.workers) + 1}
	if fs := workerFaults(r.w.plan); w.n <= len(fs) {
		w.end = fs[w.n-1]
	}
	identity := "sim-worker"
	if w.n > 1 {
		identity = fmt.Sprintf("sim-worker-%d", w.n)
	}
	w.identity = identity
	var grace time.Duration
	switch w.end.Kind {
	case WorkerShutdown:
		grace = w.end.Dur
	case Deploy:
		grace = DeployGrace
	}
	// The observer is outermost, so it sees what the server will see; the
	// fault interceptors sit just inside it and innermost (engine2_faults.go).
	ics := append([]interceptor.WorkerInterceptor{r.obs.forWorker(w.n), &e2faultInterceptor{f: r.faults}}, r.w.Interceptors()...)
	ics = append(ics, &e2faultInterceptor{f: r.faults, inner: true})
	tuner, err := presize.Tuner()
	if err != nil {
		return nil, err
	}
	//lint:ignore SA1019 a fixed build id keeps the binary's hash out of the worker's requests
	w.wk = worker.New(r.c, engine2Queue, worker.Options{BuildID: "temporalsim", Identity: identity,
		Interceptors: ics, WorkerActivitiesPerSecond: math.Inf(1), WorkerStopTimeout: grace, Tuner: tuner})
	if err := applyRegs(r.version(), w.wk); err != nil {
		return nil, err
	}
	// Known before Start, which sends the first polls: the crash cut finds
	// a worker's calls by its identity.
	r.mu.Lock()
	r.workers = append(r.workers, w)
	r.wk = w.wk
	r.mu.Unlock()
	if testHookWorker != nil {
		testHookWorker("new", w.n)
	}
	return w, nil
}

// testHookWorker, set by tests only, hears of each incarnation created
// ("new") and of each Stop begun ("stop").
var testHookWorker func(event string, n int)

// errCrashed is what a crashed worker's calls get instead of an answer.
var errCrashed = status.Error(codes.Canceled, "temporalsim: the worker crashed; its calls no longer reach the server")

// dialOptions connect the driver's client to the server, with the
// driver's interceptors in front of it: the stack rewriter
// (engine2_stacks.go), the heartbeat windows, and the crash cut when the
// plan has a crash. Successful calls skip the SDK's own gRPC interceptors
// (Server.DialOptions); tests set testHookFullChain to keep them.
func (r *engine2Run) dialOptions() []grpc.DialOption {
	ics := []grpc.UnaryClientInterceptor{r.obs.stacks.intercept, r.faults.hb.note}
	for _, f := range r.w.plan.Faults {
		if f.Kind == WorkerCrash {
			ics = append(ics, r.intercept)
			break
		}
	}
	if testHookFullChain {
		return []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithChainUnaryInterceptor(append(ics, r.srv.Handle)...)}
	}
	return r.srv.DialOptions(ics...)
}

// testHookFullChain, set by tests only, sends every call through the SDK's
// gRPC interceptors.
var testHookFullChain bool

// testHookServerStats, set by tests only, gets the server's counters at the
// end of each run.
var testHookServerStats func(server.Stats)

// crashable finds the incarnation a request comes from, by the identity
// every worker request carries, if that incarnation ends in a crash.
func (r *engine2Run) crashable(req any) *e2worker {
	m, ok := req.(interface{ GetIdentity() string })
	if !ok {
		return nil
	}
	id := m.GetIdentity()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, w := range r.workers {
		if w.identity == id && w.end.Kind == WorkerCrash {
			return w
		}
	}
	return nil
}

// intercept stands between a crashable worker and the server: once the
// worker has crashed, nothing it sends arrives and no answer reaches it;
// the server drops the polls it holds for the worker (Disconnect). Workers share
// the driver's connection (one connection keeps the server's step times
// the same from run to run), so calls are told apart by identity.
func (r *engine2Run) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	w := r.crashable(req)
	if w == nil {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	if w.cut.Load() {
		return errCrashed
	}
	err := invoker(ctx, method, req, reply, cc, opts...)
	if w.cut.Load() {
		return errCrashed
	}
	return err
}

// runWorkerFaults carries out the worker faults fs, in order, each at its
// time, until the workflow closes.
func (r *engine2Run) runWorkerFaults(fs []Fault) {
	t := time.NewTimer(0)
	defer t.Stop()
	for _, f := range fs {
		t.Reset(time.Until(r.w.origin.Add(f.At)))
		select {
		case <-t.C:
		case <-r.timed.closed:
			return
		}
		r.workerFault(f)
	}
}

// workerFault ends the current incarnation as f says and starts the next.
func (r *engine2Run) workerFault(f Fault) {
	r.mu.Lock()
	old := r.workers[len(r.workers)-1]
	r.mu.Unlock()
	now := time.Now()
	r.w.fire(f.ID)
	switch f.Kind {
	case WorkerCrash:
		old.cut.Store(true)
		r.srv.Disconnect(old.identity)
		r.timed.add(now, f, Event{Kind: "worker.crash", Fault: f.ID, Detail: "worker=" + itoa(old.n)})
	case Deploy:
		r.mu.Lock()
		r.deployed = true
		r.mu.Unlock()
		r.timed.add(now, f, Event{Kind: "worker.stop", Fault: f.ID, Detail: fmt.Sprintf("worker=%d grace=%s next=%d deploy", old.n, DeployGrace, old.n+1)})
		r.timed.add(now.Add(DeployGrace), f, Event{Kind: "worker.kill", Fault: f.ID, Detail: "worker=" + itoa(old.n)})
	default:
		r.timed.add(now, f, Event{Kind: "worker.stop", Fault: f.ID, Detail: fmt.Sprintf("worker=%d grace=%s next=%d", old.n, f.Dur, old.n+1)})
		r.timed.add(now.Add(f.Dur), f, Event{Kind: "worker.kill", Fault: f.ID, Detail: "worker=" + itoa(old.n)})
	}
	// The next incarnation exists before the old one stops. The SDK's sticky
	// cache is process-wide, and the Stop that leaves the process with no
	// SDK worker clears it on its own goroutine, closing every cached run's
	// coroutines: those of another bubble's run too, which the runtime
	// refuses ("send on synctest channel from outside bubble"). A run that
	// keeps a worker from its first to its last Stop never leaves that gap
	// while it has runs cached (TestEngine2NextWorkerExistsBeforeOldStops).
	next, err := r.newWorker()
	r.stops.Add(1)
	go func() {
		defer r.stops.Done()
		if testHookWorker != nil {
			testHookWorker("stop", old.n)
		}
		old.wk.Stop()
	}()
	if err == nil {
		err = next.wk.Start()
	}
	if err != nil {
		r.mu.Lock()
		r.workerErr = err
		r.mu.Unlock()
	}
}

// stopWorkers stops the current incarnation and waits for the earlier
// ones' stops to return.
func (r *engine2Run) stopWorkers() {
	r.mu.Lock()
	cur := r.workers[len(r.workers)-1]
	r.mu.Unlock()
	cur.wk.Stop()
	r.stops.Wait()
}

// workerOf is the incarnation numbered n.
func (r *engine2Run) workerOf(n int) *e2worker {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n < 1 || n > len(r.workers) {
		return nil
	}
	return r.workers[n-1]
}

// workerObserver tags the attempts one incarnation runs with its number.
type workerObserver struct {
	*attemptObserver
	n int
}

func (o *attemptObserver) forWorker(n int) interceptor.WorkerInterceptor {
	return &workerObserver{attemptObserver: o, n: n}
}

func (o *workerObserver) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &observerActivity{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, o: o.attemptObserver, worker: o.n}
}

// applyRegs registers g on a new worker, turning the SDK's panic on a
// registration it refuses into an error.
func applyRegs(g *registrations, wk worker.Worker) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the SDK refuses a registration: %v", p)
		}
	}()
	g.apply(wk)
	return nil
}
