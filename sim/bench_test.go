package sim

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"go.temporal.io/sdk/activity"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/internal/testrun"
)

// benchActivity fails its first attempt, then works for d with two heartbeats.
func benchActivity(ctx context.Context, d time.Duration) (int, error) {
	if activity.GetInfo(ctx).Attempt == 1 {
		return 0, temporal.NewApplicationError("first attempt fails", "Flaky")
	}
	time.Sleep(d / 2)
	activity.RecordHeartbeat(ctx, 1)
	time.Sleep(d / 2)
	return 1, nil
}

// benchWorkflow: three parallel activities with a retry each, then a long timer.
func benchWorkflow(ctx workflow.Context) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	var fs []workflow.Future
	for i := 1; i <= 3; i++ {
		fs = append(fs, workflow.ExecuteActivity(ctx, benchActivity, time.Duration(i)*time.Millisecond))
	}
	sum := 0
	for _, f := range fs {
		var n int
		if err := f.Get(ctx, &n); err != nil {
			return 0, err
		}
		sum += n
	}
	if err := workflow.Sleep(ctx, 30*24*time.Hour); err != nil {
		return 0, err
	}
	return sum, nil
}

var benchScenario = &Scenario{
	Name: "bench",
	Setup: func(w *World) Case {
		w.RegisterWorkflow(benchWorkflow)
		w.RegisterActivity(benchActivity)
		return Case{Workflow: benchWorkflow}
	},
}

func bareRun(b *testing.B) {
	suite := &testsuite.WorkflowTestSuite{}
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(benchWorkflow)
	env.RegisterActivity(benchActivity)
	env.ExecuteWorkflow(benchWorkflow)
	var n int
	if err := env.GetWorkflowResult(&n); err != nil || n != 3 {
		b.Fatalf("bare run: %d, %v", n, err)
	}
}

func engineRun(b *testing.B, t *testing.T) {
	r, err := Run(t, benchScenario, 1, Plan{}, nil)
	if err != nil || r.Output != "3" {
		b.Fatalf("engine run: %v %v %s", err, r.Err, r.Output)
	}
}

// BenchmarkEngineVsBareEnv runs the same workflow (three parallel
// activities, one retry each, a 30-day timer) on the engine and on a bare
// SDK TestWorkflowEnvironment (inside a synctest bubble, so its
// activity sleeps cost no wall time either) and reports the ratio.
func BenchmarkEngineVsBareEnv(b *testing.B) {
	var bare, eng time.Duration
	runAsTest(b, func(t *testing.T) {
		for i := 0; i < b.N; i++ {
			start := time.Now()
			synctest.Test(t, func(*testing.T) { bareRun(b) })
			bare += time.Since(start)
			start = time.Now()
			engineRun(b, t)
			eng += time.Since(start)
		}
	})
	b.ReportMetric(float64(bare.Microseconds())/float64(b.N), "bare-µs/run")
	b.ReportMetric(float64(eng.Microseconds())/float64(b.N), "engine-µs/run")
	b.ReportMetric(float64(eng)/float64(bare), "engine/bare")
}

// BenchmarkTenThousandTimers: a workflow with 10,000 timers spread over
// ten simulated years.
func BenchmarkTenThousandTimers(b *testing.B) {
	sc := &Scenario{
		Name:   "timers",
		Budget: 20 * 365 * 24 * time.Hour,
		Setup: func(w *World) Case {
			wf := func(ctx workflow.Context) (int, error) {
				step := 10 * 365 * 24 * time.Hour / 10000
				for i := 0; i < 10000; i++ {
					if err := workflow.Sleep(ctx, step); err != nil {
						return i, err
					}
				}
				return 10000, nil
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "timers"})
			return Case{Workflow: "timers"}
		},
	}
	runAsTest(b, func(t *testing.T) {
		for i := 0; i < b.N; i++ {
			r, err := Run(t, sc, 1, Plan{}, nil)
			if err != nil || r.Output != "10000" || r.Elapsed < 10*365*24*time.Hour-time.Hour {
				b.Fatalf("timers: %v %s %s", err, r.Output, r.Elapsed)
			}
		}
	})
}

// runAsTest gives a benchmark a *testing.T for the engine's bubbles.
func runAsTest(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	if !testrun.Once(b.Name(), f) {
		b.Fatal("benchmark body failed")
	}
}
