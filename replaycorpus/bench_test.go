package replaycorpus

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The benchmark corpus: 50 histories of a workflow that runs n activities
// one after the other, n from 14 to 18, so about 100 events each.
const (
	loopWorkflowType = "LoopWorkflow"
	benchHistories   = 50
)

func loopWorkflow(ctx workflow.Context, n int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, orderActivityOptions)
	sum := 0
	for i := range n {
		var out int
		if err := workflow.ExecuteActivity(ctx, "Step", i).Get(ctx, &out); err != nil {
			return 0, err
		}
		sum += out
	}
	return sum, nil
}

// loopHistory is what loopWorkflow(n) records when Step(i) returns i.
func loopHistory(n int) *historypb.History {
	b := newHistoryBuilder(loopWorkflowType, n)
	b.workflowTask()
	sum := 0
	for i := range n {
		b.activity("Step", i)
		b.workflowTask()
		sum += i
	}
	b.complete(sum)
	return b.history()
}

// writeLoopCorpus writes count histories to dir and returns their paths
// and the total number of events.
func writeLoopCorpus(tb testing.TB, dir string, count int) ([]string, int) {
	tb.Helper()
	var files []string
	events := 0
	for i := range count {
		h := loopHistory(14 + i%5)
		events += len(h.Events)
		path := filepath.Join(dir, fmt.Sprintf("loop_%02d.json", i))
		if err := os.WriteFile(path, cliJSON(h), 0o644); err != nil {
			tb.Fatal(err)
		}
		files = append(files, path)
	}
	return files, events
}

func loopOptions() Options {
	return Options{NamedWorkflows: map[string]any{loopWorkflowType: loopWorkflow}}
}

// TestLoopCorpusReplays keeps the benchmark honest: its histories replay
// cleanly with both replayers.
func TestLoopCorpusReplays(t *testing.T) {
	files, events := writeLoopCorpus(t, t.TempDir(), 5)
	if events < 5*90 || events > 5*115 {
		t.Errorf("5 loop histories have %d events, want about 100 each", events)
	}
	if s := Summarize(mustReplayer(t, loopOptions()).ReplayFiles(files)); s.Passed != 5 {
		t.Errorf("batch: %v", s)
	}
	if err := sdkReplayLoop(files); err != nil {
		t.Error(err)
	}
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}

// sdkReplayLoop is the baseline: the SDK's replayer, one history after the
// other, each read with client.HistoryFromJSON.
func sdkReplayLoop(files []string) error {
	rep := worker.NewWorkflowReplayer()
	rep.RegisterWorkflowWithOptions(loopWorkflow, workflow.RegisterOptions{Name: loopWorkflowType})
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
		f.Close()
		if err != nil {
			return err
		}
		if err := rep.ReplayWorkflowHistory(nopLogger{}, h); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	return nil
}

func batchReplay(r *Replayer, files []string) error {
	if s := Summarize(r.ReplayFiles(files)); s.Passed != len(files) {
		return fmt.Errorf("batch replay: %v", s)
	}
	return nil
}

func BenchmarkBatchReplay(b *testing.B) {
	files, events := writeLoopCorpus(b, b.TempDir(), benchHistories)
	r := mustReplayer(b, loopOptions())
	runs := 0
	for b.Loop() {
		if err := batchReplay(r, files); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	b.ReportMetric(float64(events*runs)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkSDKReplayerLoop(b *testing.B) {
	files, events := writeLoopCorpus(b, b.TempDir(), benchHistories)
	runs := 0
	for b.Loop() {
		if err := sdkReplayLoop(files); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	b.ReportMetric(float64(events*runs)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkBatchVsSDKLoop runs both on the same corpus in each iteration,
// alternating which goes first so neither always pays for the other's
// garbage, and reports how many times faster the batch replayer is.
func BenchmarkBatchVsSDKLoop(b *testing.B) {
	files, events := writeLoopCorpus(b, b.TempDir(), benchHistories)
	r := mustReplayer(b, loopOptions())
	var batch, loop time.Duration
	timed := func(total *time.Duration, run func() error) {
		start := time.Now()
		if err := run(); err != nil {
			b.Fatal(err)
		}
		*total += time.Since(start)
	}
	runBatch := func() { timed(&batch, func() error { return batchReplay(r, files) }) }
	runLoop := func() { timed(&loop, func() error { return sdkReplayLoop(files) }) }
	runs := 0
	for b.Loop() {
		if runs%2 == 0 {
			runBatch()
			runLoop()
		} else {
			runLoop()
			runBatch()
		}
		runs++
	}
	b.ReportMetric(loop.Seconds()/batch.Seconds(), "x-vs-sdk-loop")
	b.ReportMetric(float64(events*runs)/batch.Seconds(), "batch-events/s")
	b.ReportMetric(float64(events*runs)/loop.Seconds(), "loop-events/s")
}
