package server

import (
	"context"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/internal/cputime"
	"github.com/temporalsim/temporalsim/internal/testrun"
)

// runAsTest gives a benchmark a *testing.T for synctest bubbles.
func runAsTest(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	if !testrun.Once(b.Name(), f) {
		b.Fatal("benchmark body failed")
	}
}

func bareTwoStep(t *testing.T) {
	suite := &testsuite.WorkflowTestSuite{}
	suite.SetLogger(quiet)
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(time.Hour)
	registerTwoStep(env)
	env.ExecuteWorkflow(TwoStepWorkflow, "b")
	var s string
	if err := env.GetWorkflowResult(&s); err != nil || s != "hello b!" {
		t.Fatalf("bare run: %q, %v", s, err)
	}
}

func serverTwoStep(t *testing.T) {
	runOnce(t, registerTwoStep, func(t *testing.T, c client.Client) {
		var s string
		if err := execute(context.Background(), c, "two-step", TwoStepWorkflow, &s, "b"); err != nil || s != "hello b!" {
			t.Fatalf("server run: %q, %v", s, err)
		}
	})
}

// BenchmarkTwoStepServerVsTestEnv runs TwoStepWorkflow (two activities and
// a timer) on the in-process server with a real worker and on a bare
// TestWorkflowEnvironment, both in synctest bubbles, in the same run.
func BenchmarkTwoStepServerVsTestEnv(b *testing.B) {
	comparePair(b, bareTwoStep, serverTwoStep)
}

// cost is what a run spent: wall time and the process's CPU time.
type cost struct{ wall, cpu time.Duration }

// measure runs f k times, each in a fresh bubble, and adds their cost to
// c. CPU time is the steadier figure on a shared machine: neighbours
// stretch wall time, not the CPU a run uses.
func (c *cost) measure(t *testing.T, k int, f func(*testing.T)) {
	w0, c0 := time.Now(), cputime.Used()
	for range k {
		synctest.Test(t, f)
	}
	c.wall += time.Since(w0)
	c.cpu += cputime.Used() - c0
}

// comparePair runs bare and srv b.N times each, in blocks of 10 runs that
// take turns with garbage collected before each block (outside the
// measurement, so each block pays for its own collections only), and
// reports both per-run figures and the server/testenv ratios of wall and
// CPU time.
func comparePair(b *testing.B, bare, srv func(*testing.T)) {
	var cb, cs cost
	runAsTest(b, func(t *testing.T) {
		for done := 0; done < b.N; done += 10 {
			k := min(10, b.N-done)
			runtime.GC()
			cb.measure(t, k, bare)
			runtime.GC()
			cs.measure(t, k, srv)
		}
	})
	b.ReportMetric(float64(cb.wall.Microseconds())/float64(b.N), "testenv-µs/run")
	b.ReportMetric(float64(cs.wall.Microseconds())/float64(b.N), "server-µs/run")
	b.ReportMetric(float64(cs.wall)/float64(cb.wall), "server/testenv")
	b.ReportMetric(float64(cs.cpu)/float64(cb.cpu), "cpu-server/testenv")
}

func bareSequential(t *testing.T, n int) {
	suite := &testsuite.WorkflowTestSuite{}
	suite.SetLogger(quiet)
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(time.Hour)
	env.RegisterWorkflow(SequentialWorkflow)
	env.RegisterActivity(greet)
	env.ExecuteWorkflow(SequentialWorkflow, n)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSequential50 runs 50 activities one after another, on the server
// (sticky queue: each task carries only its new events) and on a bare
// TestWorkflowEnvironment.
func BenchmarkSequential50(b *testing.B) {
	comparePair(b, func(t *testing.T) { bareSequential(t, 50) }, serverSequential50)
}

func serverSequential50(t *testing.T) {
	runOnce(t, registerSequential, func(t *testing.T, c client.Client) {
		var n int
		if err := execute(context.Background(), c, "seq", SequentialWorkflow, &n, 50); err != nil || n != 50 {
			t.Fatalf("server run: %d, %v", n, err)
		}
	})
}

// TimersWorkflow sleeps n times, spreading the sleeps over total.
func TimersWorkflow(ctx workflow.Context, n int, total time.Duration) (int, error) {
	for i := range n {
		if err := workflow.Sleep(ctx, total/time.Duration(n)); err != nil {
			return i, err
		}
	}
	return n, nil
}

// BenchmarkTenThousandTimers: 10,000 timers over ten virtual years on the
// server (goal: under 2 s wall a run).
func BenchmarkTenThousandTimers(b *testing.B) {
	const years10 = 10 * 365 * 24 * time.Hour
	runAsTest(b, func(t *testing.T) {
		for i := 0; i < b.N; i++ {
			synctest.Test(t, func(t *testing.T) {
				runOnce(t, func(w workerRegistry) { w.RegisterWorkflow(TimersWorkflow) }, func(t *testing.T, c client.Client) {
					start := time.Now()
					var n int
					if err := execute(context.Background(), c, "timers", TimersWorkflow, &n, 10000, years10); err != nil || n != 10000 {
						t.Fatalf("timers: %d, %v", n, err)
					}
					if el := time.Since(start); el < years10 {
						t.Fatalf("virtual time %v, want at least ten years", el)
					}
				})
			})
		}
	})
}

// BenchmarkTwoStepServer runs TwoStepWorkflow on the server alone, for CPU
// profiles that hold only engine-2 work (server versus SDK worker).
func BenchmarkTwoStepServer(b *testing.B) {
	runAsTest(b, func(t *testing.T) {
		for i := 0; i < b.N; i++ {
			synctest.Test(t, serverTwoStep)
		}
	})
}

// BenchmarkSequential50Server runs SequentialWorkflow(50) on the server
// alone, for CPU profiles of a long workflow on sticky queues.
func BenchmarkSequential50Server(b *testing.B) {
	runAsTest(b, func(t *testing.T) {
		for i := 0; i < b.N; i++ {
			synctest.Test(t, serverSequential50)
		}
	})
}
