package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/replaycorpus"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// The bench measures wall time on purpose: it is the one command whose
// output is a measurement. Nothing here feeds a trace.

// perRun times fn run n times and returns the mean wall time of one run.
func perRun(n int, fn func() error) (time.Duration, error) {
	began := time.Now()
	for range n {
		if err := fn(); err != nil {
			return 0, err
		}
	}
	return time.Since(began) / time.Duration(n), nil
}

// benchEngine runs parallel-activities through the engine with no faults.
func benchEngine(t *testing.T, n int) (time.Duration, error) {
	sc, err := scenarios.Lookup("parallel-activities")
	if err != nil {
		return 0, err
	}
	return perRun(n, func() error {
		r, err := sim.Run(t, sc, 1, sim.Plan{}, nil)
		if err == nil && r.Outcome != sim.Completed {
			err = fmt.Errorf("engine run of parallel-activities ended %s", r.Outcome)
		}
		return err
	})
}

// bareParallelRun runs scenarios.ParallelWorkflow(4) in a plain SDK test
// environment, with the same activities and fakes as the scenario, on clk.
func bareParallelRun(clk clock.Clock) error {
	suite := &testsuite.WorkflowTestSuite{}
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	// The default 3s test timeout is wall time outside a bubble and
	// virtual time inside one, where the activities sleep for minutes.
	env.SetTestTimeout(time.Hour)
	env.RegisterWorkflow(scenarios.ParallelWorkflow)
	env.RegisterActivity(&scenarios.ParallelActivities{Clock: clk, Notify: fakes.NewNotificationSink(clk, sim.Seed(1).Stream("notify"), nil)})
	env.ExecuteWorkflow(scenarios.ParallelWorkflow, 4)
	if !env.IsWorkflowCompleted() {
		return fmt.Errorf("bare run of ParallelWorkflow did not complete")
	}
	return env.GetWorkflowError()
}

// benchBareBubble runs the bare environment inside a synctest bubble, as
// the engine does, so activity sleeps are virtual: the fair comparison.
func benchBareBubble(t *testing.T, n int) (time.Duration, error) {
	var runErr error
	d, err := perRun(n, func() error {
		synctest.Test(t, func(*testing.T) { runErr = bareParallelRun(clock.New()) })
		return runErr
	})
	return d, err
}

// instantClock is the real clock whose sleeps return at once: outside a
// bubble the activities' 30s-120s sleeps would otherwise take that long.
type instantClock struct{ clock.Clock }

func (instantClock) After(time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	c <- time.Now()
	return c
}

func (instantClock) Sleep(time.Duration) {}

// benchBare runs the bare environment outside any bubble.
func benchBare(n int) (time.Duration, error) {
	return perRun(n, func() error { return bareParallelRun(instantClock{clock.New()}) })
}

// benchSwarm runs seeds of every correct scenario on p goroutines and
// returns the report.
func (a *app) benchSwarm(t *testing.T, seeds uint64, p int) *swarmReport {
	o := swarmOpts{scenarios: a.correct(), start: 1, seeds: seeds, parallel: p}
	prog := &progress{w: io.Discard, total: int(seeds) * len(o.scenarios)}
	return runSwarm(t, o, prog, swarmHooks{onHangFor: a.onHang})
}

// replayBench is the replay half of the bench.
type replayBench struct {
	histories, events        int
	batch, batch1, sdkLoop   time.Duration
	batchFailed, sdkFailures int
}

// benchReplay writes a corpus of ParallelWorkflow histories and replays
// it with the batch replayer (all CPUs, then one at a time) and with the
// SDK's replayer in a loop over the same files.
func benchReplay(count int) (*replayBench, error) {
	dir, err := os.MkdirTemp("", "simrun-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	files, events, err := writeBenchCorpus(dir, count)
	if err != nil {
		return nil, err
	}
	rb := &replayBench{histories: len(files), events: events}
	for _, par := range []int{0, 1} {
		r, err := replaycorpus.NewReplayer(replaycorpus.Options{Workflows: []any{scenarios.ParallelWorkflow}, Parallelism: par})
		if err != nil {
			return nil, err
		}
		began := time.Now()
		sum := replaycorpus.Summarize(r.ReplayFiles(files))
		if par == 0 {
			rb.batch = time.Since(began)
		} else {
			rb.batch1 = time.Since(began)
		}
		rb.batchFailed = max(rb.batchFailed, sum.Unexpected)
	}
	rep := worker.NewWorkflowReplayer()
	rep.RegisterWorkflow(scenarios.ParallelWorkflow)
	logger := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	began := time.Now()
	for _, f := range files {
		if err := rep.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
			rb.sdkFailures++
		}
	}
	rb.sdkLoop = time.Since(began)
	return rb, nil
}
