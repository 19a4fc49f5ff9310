package harness_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// Planted interceptor bugs: mistakes users make in interceptors, each of
// which the harness must catch within 500 seeds with a message naming the
// interceptor, the layer and the method.

// forgetfulSignals logs each signal and forgets to pass it on.
type forgetfulSignals struct {
	interceptor.WorkerInterceptorBase
}

func (*forgetfulSignals) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &forgetfulSignalsIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

type forgetfulSignalsIn struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (*forgetfulSignalsIn) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	workflow.GetLogger(ctx).Info("signal", "name", in.SignalName)
	return nil
}

// errorSwallower makes activity attempts "best effort": a failure is
// logged and reported as success.
type errorSwallower struct {
	interceptor.WorkerInterceptorBase
}

func (*errorSwallower) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &errorSwallowerIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type errorSwallowerIn struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *errorSwallowerIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := a.Next.ExecuteActivity(ctx, in)
	if err != nil {
		activity.GetLogger(ctx).Warn("activity failed", "error", err)
		return nil, nil
	}
	return res, nil
}

// headerScrubber keeps only allow-listed header fields on the activities a
// workflow schedules, dropping the tenant an interceptor outside it wrote.
type headerScrubber struct {
	interceptor.WorkerInterceptorBase
}

func (*headerScrubber) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &headerScrubberIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

type headerScrubberIn struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (w *headerScrubberIn) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&headerScrubberOut{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}})
}

type headerScrubberOut struct {
	interceptor.WorkflowOutboundInterceptorBase
}

func (o *headerScrubberOut) ExecuteActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	h := interceptor.WorkflowHeader(ctx)
	for k := range h {
		if k != "trace-id" {
			delete(h, k)
		}
	}
	return o.Next.ExecuteActivity(ctx, typ, args...)
}

// doubleMetrics is the reference metrics interceptor with a bug: a retry
// is counted once more, under status "retry".
type doubleMetrics struct{ *fakes.MetricsInterceptor }

func (d *doubleMetrics) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &doubleMetricsIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: d.MetricsInterceptor.InterceptActivity(ctx, next)}, d: d}
}

type doubleMetricsIn struct {
	interceptor.ActivityInboundInterceptorBase
	d *doubleMetrics
}

func (a *doubleMetricsIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if info := activity.GetInfo(ctx); info.Attempt > 1 {
		a.d.Sink.IncCounter(fakes.MetricActivityAttempts, map[string]string{"activity_type": info.ActivityType.Name, "status": "retry"}, 1)
	}
	return a.Next.ExecuteActivity(ctx, in)
}

// asyncScheduler schedules activities from a coroutine of its own, "so
// the workflow never blocks on it", and hands back a future chained to
// the real one.
type asyncScheduler struct {
	interceptor.WorkerInterceptorBase
}

func (*asyncScheduler) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &asyncSchedulerIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

type asyncSchedulerIn struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (w *asyncSchedulerIn) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&asyncSchedulerOut{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}})
}

type asyncSchedulerOut struct {
	interceptor.WorkflowOutboundInterceptorBase
}

func (o *asyncSchedulerOut) ExecuteActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	f, s := workflow.NewFuture(ctx)
	workflow.Go(ctx, func(gctx workflow.Context) { s.Chain(o.Next.ExecuteActivity(gctx, typ, args...)) })
	return f
}

// stuckBreaker opens after threshold consecutive failures of an activity
// type and never half-opens. Like the reference breaker it decides from
// the results recorded strictly before now, so runs stay deterministic.
type stuckBreaker struct {
	interceptor.WorkerInterceptorBase
	clk       clock.Clock
	threshold int
	mu        sync.Mutex
	results   map[string][]breakerResult
}

type breakerResult struct {
	at     time.Time
	failed bool
}

func (b *stuckBreaker) open(typ string, now time.Time) bool {
	b.mu.Lock()
	rs := slices.Clone(b.results[typ])
	b.mu.Unlock()
	slices.SortStableFunc(rs, func(x, y breakerResult) int {
		return cmp.Or(x.at.Compare(y.at), cmp.Compare(boolCount(x.failed), boolCount(y.failed)))
	})
	fails := 0
	for _, r := range rs {
		if !r.at.Before(now) {
			break
		}
		if !r.failed {
			fails = 0
			continue
		}
		if fails++; fails >= b.threshold {
			return true
		}
	}
	return false
}

func boolCount(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (b *stuckBreaker) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &stuckBreakerIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, b: b}
}

type stuckBreakerIn struct {
	interceptor.ActivityInboundInterceptorBase
	b *stuckBreaker
}

func (a *stuckBreakerIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (res any, err error) {
	typ := activity.GetInfo(ctx).ActivityType.Name
	if a.b.open(typ, a.b.clk.Now()) {
		return nil, temporal.NewApplicationError("circuit open", "CircuitOpen")
	}
	defer func() {
		a.b.mu.Lock()
		a.b.results[typ] = append(a.b.results[typ], breakerResult{at: a.b.clk.Now(), failed: err != nil})
		a.b.mu.Unlock()
	}()
	return a.Next.ExecuteActivity(ctx, in)
}

// detacher runs activities on a context without cancellation, "so that
// work is never left half done", and so hides cancellation and timeouts
// from the activity and the interceptors inside it.
type detacher struct {
	interceptor.WorkerInterceptorBase
}

func (*detacher) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &detacherIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type detacherIn struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *detacherIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	return a.Next.ExecuteActivity(context.WithoutCancel(ctx), in)
}

// crawlScenario runs one activity that heartbeats every five seconds for a
// minute while the workflow may be cancelled: a cancellation reaches the
// activity with its next heartbeat. Its profile has no fault that waits
// on the activity's context (start-to-close-timeout, schedule-to-close
// expiry): the engine injects those by waiting for the context the user's
// interceptors pass down, and a stack that drops cancellation would hang
// it.
func crawlScenario() *sim.Scenario {
	crawl := func(ctx context.Context, clk clock.Clock) error {
		for i := range 12 {
			select {
			case <-clk.After(5 * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
			activity.RecordHeartbeat(ctx, i)
		}
		return nil
	}
	return &sim.Scenario{
		Name:    "crawl",
		Profile: sim.Profile{Kinds: []sim.Kind{sim.WorkflowCancel}, Window: time.Minute},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterActivityWithOptions(func(ctx context.Context) error { return crawl(ctx, w.Clock()) }, activity.RegisterOptions{Name: "Crawl"})
			w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute, HeartbeatTimeout: 30 * time.Second})
				return workflow.ExecuteActivity(ctx, "Crawl").Get(ctx, nil)
			}, workflow.RegisterOptions{Name: "CrawlWorkflow"})
			return sim.Case{Workflow: "CrawlWorkflow"}
		},
	}
}

// plantedBug is one planted interceptor bug and what its report must say.
type plantedBug struct {
	name     string
	only     *sim.Scenario // the scenario to run it on, instead of the catalogue
	stack    harness.Stack
	decls    []harness.InterceptorOption
	property string // the property that must report it
	want     string // "interceptor X, layer L, method M"
}

func plantedBugs() []plantedBug {
	one := func(name string, i interceptor.WorkerInterceptor) harness.Stack {
		return func(*sim.World) []fakes.Layer { return []fakes.Layer{{Name: name, Interceptor: i}} }
	}
	const coolDown = 20 * time.Second
	return append([]plantedBug{
		{name: "forgets next on signals", stack: one("Forgetful", &forgetfulSignals{}),
			property: "interceptor-next", want: "interceptor Forgetful, layer WorkflowInbound, method HandleSignal"},
		{name: "swallows an activity error", stack: one("Swallower", &errorSwallower{}),
			property: "interceptor-outcome", want: "interceptor Swallower, layer ActivityInbound, method ExecuteActivity"},
		{name: "drops a header", stack: func(*sim.World) []fakes.Layer {
			return []fakes.Layer{{Name: "Scrubber", Interceptor: &headerScrubber{}}, {Name: "Tenant", Interceptor: &fakes.TenantPropagator{Default: "acme"}}}
		}, property: "interceptor-headers", want: "interceptor Scrubber, layer WorkflowOutbound, method ExecuteActivity"},
		{name: "records a metric twice on retry", stack: func(w *sim.World) []fakes.Layer {
			m := &doubleMetrics{fakes.NewMetricsInterceptor(fakes.NewMetricsSink(w.Clock()), w.Clock())}
			harness.AddRunProperties(w, m.Property("Metrics"))
			return []fakes.Layer{{Name: "Metrics", Interceptor: m}}
		}, property: "metrics-one-per-attempt", want: "interceptor Metrics, layer ActivityInbound, method ExecuteActivity"},
		{name: "calls next in a goroutine", stack: one("Async", &asyncScheduler{}),
			property: "interceptor-order", want: "interceptor Async, layer WorkflowOutbound, method ExecuteActivity"},
		{name: "circuit breaker never half-opens", stack: func(w *sim.World) []fakes.Layer {
			harness.AddRunProperties(w, fakes.BreakerProperty("StuckBreaker", coolDown))
			return []fakes.Layer{{Name: "StuckBreaker", Interceptor: &stuckBreaker{clk: w.Clock(), threshold: 3, results: map[string][]breakerResult{}}}}
		}, decls: []harness.InterceptorOption{harness.Declaration{Interceptor: "StuckBreaker", ShortCircuits: []fakes.Method{fakes.ActivityExecute}}},
			property: "breaker-half-opens", want: "interceptor StuckBreaker, layer ActivityInbound, method ExecuteActivity"},
		{name: "hides cancellation from inner interceptors", only: crawlScenario(), stack: func(*sim.World) []fakes.Layer {
			return []fakes.Layer{{Name: "Detacher", Interceptor: &detacher{}}, {Name: "Inner", Interceptor: &interceptor.WorkerInterceptorBase{}}}
		}, property: "interceptor-cancellation", want: "interceptor Detacher, layer ActivityInbound, method ExecuteActivity"},
	}, oncePlantedBugs()...)
}

// TestPlantedInterceptorBugsCaught runs each planted bug over the workout
// and the catalogue, scenario by scenario, until one reports it: within
// 500 seeds, by the right property, naming the interceptor, the layer and
// the method. It runs its own seeds whatever -sim.checks, -sim.seed,
// SIM_CHECKS or SIM_SEED say.
func TestPlantedInterceptorBugsCaught(t *testing.T) {
	for _, bug := range plantedBugs() {
		t.Run(bug.name, func(t *testing.T) {
			scs := icptCatalogue()
			if bug.only != nil {
				scs = []*sim.Scenario{bug.only}
			}
			for _, sc := range scs {
				rep, err := harness.CheckInterceptors(t, bug.stack, []*sim.Scenario{sc}, append(bug.decls, harness.FixedSeeds(500))...)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range rep.Failures {
					for _, v := range f.Violations {
						if v.Property == bug.property && strings.Contains(v.Message, bug.want) {
							t.Logf("caught on %s seed %d: %s", f.Scenario, f.Seed, v)
							return
						}
					}
					t.Logf("%s seed %d failed, but not as expected: %v", f.Scenario, f.Seed, f.Violations)
				}
			}
			t.Errorf("not caught within 500 seeds of any scenario; want %s reporting %q", bug.property, bug.want)
		})
	}
}

// TestInterceptorFailureReport shows what a user sees: the violation, the
// plan and a command that runs the failing seed alone.
func TestInterceptorFailureReport(t *testing.T) {
	rep, err := harness.CheckInterceptors(t, plantedBugs()[1].stack, icptCatalogue()[:1], harness.FixedSeeds(50))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 1 {
		t.Fatalf("%d failures, want 1 (the first failing seed)", len(rep.Failures))
	}
	f := rep.Failures[0]
	got := f.String()
	for _, want := range []string{
		fmt.Sprintf("scenario interceptor-workout, seed %d:", f.Seed),
		"interceptor-outcome: interceptor Swallower, layer ActivityInbound, method ExecuteActivity: next gave it error",
		"it returned no error: swallowed",
		`harness.Declaration{Interceptor: "Swallower", Transforms: []fakes.Method{fakes.ActivityExecute}}`,
		fmt.Sprintf("-run '^TestInterceptorFailureReport$' -sim.seed=%d", f.Seed),
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report does not contain %q:\n%s", want, got)
		}
	}
}
