package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"
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

// instantClock is the real clock whose sleeps return at once: outside a
// bubble the activities' 30s-120s sleeps would otherwise take that long.
type instantClock struct{ clock.Clock }

func (instantClock) After(time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	c <- time.Now()
	return c
}

func (instantClock) Sleep(time.Duration) {}

// benchSwarm runs seeds of every correct scenario on p goroutines and
// returns the report.
func (a *app) benchSwarm(t *testing.T, seeds uint64, p int) *swarmReport {
	o := swarmOpts{scenarios: a.correct(), start: 1, seeds: seeds, parallel: p}
	prog := &progress{w: io.Discard, total: int(seeds) * len(o.scenarios)}
	return runSwarm(t, o, prog, swarmHooks{onHangFor: a.onHang})
}

// replayCorpus is the replay half of the bench: a corpus of generated
// ParallelWorkflow histories in a temporary directory.
type replayCorpus struct {
	dir    string
	files  []string
	events int
}

func newReplayCorpus(count int) (*replayCorpus, error) {
	dir, err := os.MkdirTemp("", "simrun-bench-")
	if err != nil {
		return nil, err
	}
	files, events, err := writeBenchCorpus(dir, count)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &replayCorpus{dir: dir, files: files, events: events}, nil
}

func (c *replayCorpus) remove() { os.RemoveAll(c.dir) }

// batch replays the corpus with the batch replayer, par histories at a
// time (0: GOMAXPROCS).
func (c *replayCorpus) batch(par int) (time.Duration, error) {
	r, err := replaycorpus.NewReplayer(replaycorpus.Options{Workflows: []any{scenarios.ParallelWorkflow}, Parallelism: par})
	if err != nil {
		return 0, err
	}
	began := time.Now()
	sum := replaycorpus.Summarize(r.ReplayFiles(c.files))
	d := time.Since(began)
	if !sum.OK() {
		return 0, fmt.Errorf("replay benchmark: the batch replayer failed on the generated corpus: %s", sum)
	}
	return d, nil
}

// sdkLoop replays the corpus with the SDK's replayer, one file after the
// other, as a hand-written loop would.
func (c *replayCorpus) sdkLoop() (time.Duration, error) {
	rep := worker.NewWorkflowReplayer()
	rep.RegisterWorkflow(scenarios.ParallelWorkflow)
	logger := sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))
	began := time.Now()
	for _, f := range c.files {
		if err := rep.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
			return 0, fmt.Errorf("replay benchmark: the SDK replayer failed on %s: %w", f, err)
		}
	}
	return time.Since(began), nil
}
