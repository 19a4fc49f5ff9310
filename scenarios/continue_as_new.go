package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// continue-as-new: a workflow sums the sizes of many pages. Each run reads
// a bounded chunk of pages, then continues as new, carrying its position
// and running total, so no single run's history grows without bound. The
// engine stops at the continue-as-new (it does not start the next run), so
// each seed starts from a drawn point of the loop and the property checks
// the state handed to the next run.

// CounterState is what one run of CounterWorkflow hands the next.
type CounterState struct {
	Next  int // the next page to read
	Total int // the summed sizes of pages 0..Next-1
	Runs  int // runs finished before this one
}

const (
	counterPages = 10 // pages in all
	counterChunk = 3  // pages a run reads before it continues as new
)

// pageSize is the size of page i: what the PageSize activity reports.
func pageSize(i int) int { return 10*i + 7 }

// CounterActivities reads pages.
type CounterActivities struct {
	Clock clock.Clock
}

// PageSize fetches page i (20s) and returns its size.
func (a *CounterActivities) PageSize(ctx context.Context, i int) (int, error) {
	select {
	case <-a.Clock.After(20 * time.Second):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return pageSize(i), nil
}

// CounterWorkflow reads up to counterChunk pages from s.Next on, then
// continues as new with the updated state, or returns the total after the
// last page.
func CounterWorkflow(ctx workflow.Context, s CounterState) (int, error) {
	ctx = withCounterOptions(ctx)
	end := min(s.Next+counterChunk, counterPages)
	for ; s.Next < end; s.Next++ {
		var size int
		if err := workflow.ExecuteActivity(ctx, "PageSize", s.Next).Get(ctx, &size); err != nil {
			return 0, err
		}
		s.Total += size
	}
	if s.Next < counterPages {
		s.Runs++
		return 0, workflow.NewContinueAsNewError(ctx, "CounterWorkflow", s)
	}
	return s.Total, nil
}

// counterDropsTotal is CounterWorkflow with the planted bug: each run sums
// its own chunk and hands that on, dropping what earlier runs counted.
func counterDropsTotal(ctx workflow.Context, s CounterState) (int, error) {
	ctx = withCounterOptions(ctx)
	end := min(s.Next+counterChunk, counterPages)
	total := 0
	for ; s.Next < end; s.Next++ {
		var size int
		if err := workflow.ExecuteActivity(ctx, "PageSize", s.Next).Get(ctx, &size); err != nil {
			return 0, err
		}
		total += size
	}
	s.Total = total
	if s.Next < counterPages {
		s.Runs++
		return 0, workflow.NewContinueAsNewError(ctx, "CounterWorkflow", s)
	}
	return s.Total, nil
}

// counterSkipsFailedPage is CounterWorkflow with a planted bug: a page
// whose read fails for good is logged and skipped, so the run hands on a
// total that misses it.
func counterSkipsFailedPage(ctx workflow.Context, s CounterState) (int, error) {
	ctx = withCounterOptions(ctx)
	end := min(s.Next+counterChunk, counterPages)
	for ; s.Next < end; s.Next++ {
		var size int
		if err := workflow.ExecuteActivity(ctx, "PageSize", s.Next).Get(ctx, &size); err != nil {
			workflow.GetLogger(ctx).Warn("skipping unreadable page", "page", s.Next, "error", err)
			continue
		}
		s.Total += size
	}
	if s.Next < counterPages {
		s.Runs++
		return 0, workflow.NewContinueAsNewError(ctx, "CounterWorkflow", s)
	}
	return s.Total, nil
}

func withCounterOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
}

// counterStart is the state a run starts from when earlier runs read
// runs chunks without a fault.
func counterStart(runs int) CounterState {
	s := CounterState{Next: min(runs*counterChunk, counterPages), Runs: runs}
	for i := 0; i < s.Next; i++ {
		s.Total += pageSize(i)
	}
	return s
}

// stateCarried holds when a run that started from start either continued
// as new handing on the state after one more chunk, or, after the last
// chunk, completed with the total of every page.
func stateCarried(start CounterState) sim.Property {
	return harness.Property("state-carried", func(r *sim.Result) error {
		want := counterStart(start.Runs + 1)
		switch r.Outcome {
		case sim.ContinuedAsNew:
			var got CounterState
			if err := nextRunInput(r, &got); err != nil {
				return err
			}
			if want.Next >= counterPages {
				return fmt.Errorf("the last chunk continued as new with %+v instead of completing", got)
			}
			if got != want {
				return fmt.Errorf("run starting at %+v handed on %+v, want %+v", start, got, want)
			}
		case sim.Completed:
			if want.Next < counterPages {
				return fmt.Errorf("run starting at %+v completed with pages left", start)
			}
			if r.Output != fmt.Sprint(want.Total) {
				return fmt.Errorf("completed with total %s, want %d", r.Output, want.Total)
			}
		case sim.Failed:
			if !strings.HasPrefix(r.ErrType, "ActivityError>") {
				return fmt.Errorf("failed with %s; only a page read that ran out of attempts may fail the run", r.ErrType)
			}
		}
		return nil
	})
}

func continueAsNewScenario(name, bug string, wf any) *sim.Scenario {
	window := 2 * time.Minute
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "read pages a chunk per run, continuing as new with the position and running total",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"PageSize"},
			Window:     window,
			MaxCall:    counterChunk,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			// Which run this is: each seed checks one hand-over of the loop.
			start := counterStart(w.Rand("counter.start").IntN(counterPages/counterChunk + 1))
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "CounterWorkflow"})
			w.RegisterActivity(&CounterActivities{Clock: w.Clock()})
			return sim.Case{Workflow: "CounterWorkflow", Args: []any{start}, Properties: []sim.Property{
				harness.Outcomes(sim.ContinuedAsNew, sim.Completed, sim.Failed),
				harness.Terminates(window, time.Hour),
				stateCarried(start),
			}}
		},
	}
}

func init() {
	register(continueAsNewScenario("continue-as-new", "", CounterWorkflow))
	register(planted(continueAsNewScenario("continue-as-new/bug-total-dropped",
		"each run hands on only its own chunk's total, dropping what earlier runs counted", counterDropsTotal),
		"state-carried", "every hand-over after the first drops the earlier runs' total; only seeds that start at the first run pass"))
	register(planted(continueAsNewScenario("continue-as-new/bug-skips-failed-page",
		"a page whose read fails for good is skipped, so the state handed on misses its size", counterSkipsFailedPage),
		"state-carried", ""))
}
