package sim_test

import (
	"log/slog"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/internal/cputime"
	"github.com/temporalsim/temporalsim/internal/testrun"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// bareParallel runs scenarios.ParallelWorkflow(4) on a bare SDK test
// environment with the scenario's activities and fakes.
func bareParallel(t *testing.T) {
	suite := &testsuite.WorkflowTestSuite{}
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetTestTimeout(time.Hour) // virtual in a bubble, where activities sleep for minutes
	clk := clock.New()
	env.RegisterWorkflow(scenarios.ParallelWorkflow)
	env.RegisterActivity(&scenarios.ParallelActivities{Clock: clk, Notify: fakes.NewNotificationSink(clk, sim.Seed(1).Stream("notify"), nil)})
	env.ExecuteWorkflow(scenarios.ParallelWorkflow, 4)
	if err := env.GetWorkflowError(); err != nil || !env.IsWorkflowCompleted() {
		t.Fatalf("bare run: completed %v, %v", env.IsWorkflowCompleted(), err)
	}
}

// BenchmarkEngine2ParallelVsBareEnv runs parallel-activities (no faults) on
// engine 2 and the same workflow on a bare TestWorkflowEnvironment in a
// bubble, in blocks of 10 runs that take turns, and reports the wall and CPU
// time ratios. Garbage is collected before each block, outside the
// measurement: each block pays for its own collections, not for those the
// garbage of the block before it brings about (alternating single runs
// charged the bare runs with much of engine 2's).
func BenchmarkEngine2ParallelVsBareEnv(b *testing.B) {
	sc, err := scenarios.Lookup("parallel-activities")
	if err != nil {
		b.Fatal(err)
	}
	var bareWall, bareCPU, engWall, engCPU time.Duration
	ok := testrun.Once(b.Name(), func(t *testing.T) {
		for done := 0; done < b.N; done += 10 {
			k := min(10, b.N-done)
			runtime.GC()
			w, c := time.Now(), cputime.Used()
			for range k {
				synctest.Test(t, bareParallel)
			}
			bareWall, bareCPU = bareWall+time.Since(w), bareCPU+cputime.Used()-c
			runtime.GC()
			w, c = time.Now(), cputime.Used()
			for range k {
				r, err := sim.Run(t, sc, 1, sim.Plan{}, &sim.Options{Engine: sim.EngineServer})
				if err != nil || r.Outcome != sim.Completed {
					t.Fatalf("engine-2 run: %v", err)
				}
			}
			engWall, engCPU = engWall+time.Since(w), engCPU+cputime.Used()-c
		}
	})
	if !ok {
		b.Fatal("benchmark body failed")
	}
	b.ReportMetric(float64(bareWall.Microseconds())/float64(b.N), "bare-µs/run")
	b.ReportMetric(float64(engWall.Microseconds())/float64(b.N), "engine2-µs/run")
	b.ReportMetric(float64(engWall)/float64(bareWall), "engine2/bare")
	b.ReportMetric(float64(engCPU)/float64(bareCPU), "cpu-engine2/bare")
}
