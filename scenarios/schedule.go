package scenarios

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// schedule: a report runs on a schedule. The engine starts the workflow
// under test itself (its ID is the scenario's name) and the SDK test
// environment honours CronSchedule only for child workflows, so a
// Temporal Schedule cannot be set up around the run. This scenario
// emulates one in a workflow: a parent loop sleeps until each time of an
// interval spec (Temporal's ScheduleIntervalSpec: the instants whose
// distance from the Unix epoch, minus Offset, is a multiple of Every) and
// starts the action as a child workflow named "<parent>-<time>", the way
// a schedule names its runs. The overlap policy is SKIP, the server's
// default: a tick that finds the previous run still going starts nothing.
// Emulated: the spec, the overlap policy and a fixed number of ticks.
// Not emulated: catch-up windows, jitter, pause, backfill, calendar and
// cron specs, and runs being top-level workflows rather than children.

// ScheduleSpec is the emulated schedule.
type ScheduleSpec struct {
	Every, Offset time.Duration
	Ticks         int // how many spec times the schedule lives for
}

// first returns the first spec time at or after t.
func (s ScheduleSpec) first(t time.Time) time.Time {
	phase := (t.Sub(time.Unix(0, 0).UTC().Add(s.Offset))%s.Every + s.Every) % s.Every
	if phase == 0 {
		return t
	}
	return t.Add(s.Every - phase)
}

// ReportActivities generates reports; how long each takes is drawn per
// tick, and some take longer than the schedule's interval.
type ReportActivities struct {
	Clock     clock.Clock
	Durations []time.Duration // by tick index
}

// GenerateReport builds the report for tick i.
func (a *ReportActivities) GenerateReport(ctx context.Context, i int) (string, error) {
	if err := waitVirtual(ctx, a.Clock, a.Durations[i]); err != nil {
		return "", err
	}
	return fmt.Sprintf("report-%d", i), nil
}

// ReportWorkflow is the scheduled action.
func ReportWorkflow(ctx workflow.Context, i int) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 45 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Second, MaximumAttempts: 3},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, "GenerateReport", i).Get(ctx, &out)
	return out, err
}

// scheduleWorkflow returns the schedule loop; bug plants "overlap" (no
// overlap check) or "drift" (wait for each run, then sleep Every).
func scheduleWorkflow(bug string) func(workflow.Context, ScheduleSpec) ([]string, error) {
	return func(ctx workflow.Context, spec ScheduleSpec) ([]string, error) {
		var log []string
		var running workflow.ChildWorkflowFuture
		var started []workflow.ChildWorkflowFuture
		tick := spec.first(workflow.Now(ctx))
		for i := 0; i < spec.Ticks; i++ {
			if d := tick.Sub(workflow.Now(ctx)); d > 0 {
				if err := workflow.Sleep(ctx, d); err != nil {
					return log, err
				}
			}
			label := tick.UTC().Format("15:04")
			if running != nil && !running.IsReady() && bug != "overlap" {
				log = append(log, label+" skipped")
			} else {
				cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
					WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID + "-" + tick.UTC().Format("20060102T150405Z"),
				})
				running = workflow.ExecuteChildWorkflow(cctx, "ReportWorkflow", i)
				started = append(started, running)
				log = append(log, label+" started")
			}
			tick = tick.Add(spec.Every)
			if bug == "drift" {
				_ = running.Get(ctx, nil)
				tick = workflow.Now(ctx).Add(spec.Every)
			}
		}
		for _, run := range started {
			_ = run.Get(ctx, nil) // a failed run is the run's failure, not the schedule's
		}
		return log, nil
	}
}

// scheduleRun is one child run as the trace shows it.
type scheduleRun struct {
	id         string
	start, end int64 // ms; end is -1 while it never ended
}

func scheduleRuns(r *sim.Result) []scheduleRun {
	byID := map[string]*scheduleRun{}
	var order []string
	for _, e := range r.Events {
		switch {
		case e.Kind == "wf.start" && e.WF != r.RootWorkflowID():
			byID[e.WF] = &scheduleRun{id: e.WF, start: e.T, end: -1}
			order = append(order, e.WF)
		case e.Kind == "wf.end" && byID[e.WF] != nil:
			byID[e.WF].end = e.T
		}
	}
	runs := make([]scheduleRun, 0, len(order))
	for _, id := range order {
		runs = append(runs, *byID[id])
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].start < runs[j].start })
	return runs
}

// runsNeverOverlap holds when no run started before the previous one ended.
func runsNeverOverlap() sim.Property {
	return harness.Property("runs-never-overlap", func(r *sim.Result) error {
		runs := scheduleRuns(r)
		for i := 1; i < len(runs); i++ {
			if prev := runs[i-1]; prev.end < 0 || runs[i].start < prev.end {
				return fmt.Errorf("%s started at %s while %s (started %s) was still running", runs[i].id,
					sim.FormatOffset(runs[i].start), prev.id, sim.FormatOffset(prev.start))
			}
		}
		return nil
	})
}

// workflowTaskTimeout is the server's default workflow task timeout, which
// the catalogue's workflows keep.
const workflowTaskTimeout = 10 * time.Second

// everyTickAccounted holds when runs start only at spec times, and every
// spec time of the schedule's life either started a run or found one
// running (a SKIP). The spec times are computed here, not taken from the
// workflow. A workflow task the plan fails or leaves to time out delays
// what the workflow does next by up to the task's timeout, as on a real
// server, so under such faults a run may start that much (per fault)
// after its spec time.
func everyTickAccounted(spec ScheduleSpec, origin time.Time) sim.Property {
	return harness.Property("every-tick-accounted", func(r *sim.Result) error {
		runs := scheduleRuns(r)
		var late int64
		for _, f := range r.Plan.Faults {
			if f.Kind == sim.WorkflowTaskFailure || f.Kind == sim.WorkflowTaskTimeout {
				late += (workflowTaskTimeout + time.Second).Milliseconds()
			}
		}
		first := spec.first(origin).Sub(origin)
		var ticks []int64
		for i := 0; i < spec.Ticks; i++ {
			ticks = append(ticks, (first + time.Duration(i)*spec.Every).Milliseconds())
		}
		at := func(start, tick int64) bool { return start >= tick && start <= tick+late }
		for _, run := range runs {
			if !slices.ContainsFunc(ticks, func(t int64) bool { return at(run.start, t) }) {
				return fmt.Errorf("%s started at %s, which is not a spec time", run.id, sim.FormatOffset(run.start))
			}
		}
		for _, t := range ticks {
			covered := false
			for _, run := range runs {
				covered = covered || at(run.start, t) || (run.start < t && (run.end < 0 || run.end >= t))
			}
			if !covered {
				return fmt.Errorf("spec time %s started no run and found none running", sim.FormatOffset(t))
			}
		}
		return nil
	})
}

func scheduleScenario(name, bug, plant string) *sim.Scenario {
	spec := ScheduleSpec{Every: 15 * time.Minute, Offset: 5 * time.Minute, Ticks: 8}
	window := 2 * time.Hour
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "an emulated schedule (every 15m, offset 5m, overlap SKIP) starting a report child workflow per tick",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.Latency, sim.StartToCloseTimeout, sim.WorkerShutdown, sim.WorkerCrash, sim.ChildWorkflowFailure},
			Activities: []string{"GenerateReport"},
			Children:   []string{"ReportWorkflow"},
			Window:     window,
			MaxCall:    spec.Ticks,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			// Most reports take 1-12 minutes; one in four takes 16-35, more
			// than the interval, so the next tick finds it running.
			draw := w.Rand("report-durations")
			durations := make([]time.Duration, spec.Ticks)
			for i := range durations {
				durations[i] = time.Minute + drawMillis(draw, 11*time.Minute)
				if draw.IntN(4) == 0 {
					durations[i] = 16*time.Minute + drawMillis(draw, 19*time.Minute)
				}
			}
			w.RegisterWorkflowWithOptions(scheduleWorkflow(plant), workflow.RegisterOptions{Name: "ScheduleWorkflow"})
			w.RegisterWorkflow(ReportWorkflow)
			w.RegisterActivity(&ReportActivities{Clock: w.Clock(), Durations: durations})
			return sim.Case{Workflow: "ScheduleWorkflow", Args: []any{spec}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed),
				harness.Terminates(window, 3*time.Hour),
				runsNeverOverlap(),
				everyTickAccounted(spec, w.Clock().Now()),
			}}
		},
	}
}

func init() {
	register(scheduleScenario("schedule", "", ""))
	register(planted(scheduleScenario("schedule/bug-overlap",
		"the loop never checks whether the previous run is still going, so a slow report overlaps the next (policy ALLOW_ALL, not SKIP)", "overlap"),
		"runs-never-overlap", "one report in four takes longer than the interval, so nearly every run has a tick that finds the previous run going"))
	register(planted(scheduleScenario("schedule/bug-drift",
		"the loop waits for each run and then sleeps the interval, so runs drift off the spec and ticks are missed", "drift"),
		"every-tick-accounted", "waiting for each run and then the interval drifts off the spec in every run"))
}
