package scenarios

import (
	"context"
	"fmt"
	"slices"
	"sort"
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

// custom-metrics: a worker interceptor counts activity executions and
// records schedule-to-start latency, labelled by activity type, into a
// metrics backend. Dashboards and alerts trust those numbers, so the
// property is that the counter equals the attempts the server saw, per
// activity type, whatever retries, timeouts and worker restarts happened.
// The workflow fetches three pages of a feed (the first, then the other
// two at once) and stores them.

// Metric names the interceptor writes.
const (
	metricExecutions      = "activity_executions_total"
	metricScheduleToStart = "activity_schedule_to_start_seconds"
)

// MetricsInterceptor is a worker interceptor that writes activity metrics
// into Sink.
type MetricsInterceptor struct {
	interceptor.WorkerInterceptorBase
	Sink *fakes.MetricsSink
	// CountRetriesTwice is the planted bug: a retry is counted again under
	// the executions metric by a "retries" branch that reused its name.
	CountRetriesTwice bool
}

// InterceptActivity wraps each activity's inbound calls.
func (m *MetricsInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &metricsInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, m: m}
}

type metricsInbound struct {
	interceptor.ActivityInboundInterceptorBase
	m *MetricsInterceptor
}

// ExecuteActivity counts every attempt. activity.Info carries the first
// attempt's schedule time only, so schedule-to-start is recorded for
// first attempts, where it is exact.
func (i *metricsInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	info := activity.GetInfo(ctx)
	labels := map[string]string{"activity_type": info.ActivityType.Name, "workflow_type": ""}
	if info.WorkflowType != nil {
		labels["workflow_type"] = info.WorkflowType.Name
	}
	i.m.Sink.IncCounter(metricExecutions, labels, 1)
	if info.Attempt == 1 {
		i.m.Sink.ObserveDuration(metricScheduleToStart, labels, info.StartedTime.Sub(info.ScheduledTime))
	} else if i.m.CountRetriesTwice {
		i.m.Sink.IncCounter(metricExecutions, labels, 1)
	}
	return i.Next.ExecuteActivity(ctx, in)
}

// FeedActivities fetches feed pages and stores them.
type FeedActivities struct{ Clock clock.Clock }

// Fetch returns one page of the feed.
func (a *FeedActivities) Fetch(ctx context.Context, page int) (string, error) {
	if err := waitVirtual(ctx, a.Clock, 3*time.Second); err != nil {
		return "", err
	}
	return fmt.Sprintf("page-%d", page), nil
}

// Store saves the fetched pages and returns how many it saved.
func (a *FeedActivities) Store(ctx context.Context, pages []string) (int, error) {
	if err := waitVirtual(ctx, a.Clock, 2*time.Second); err != nil {
		return 0, err
	}
	return len(pages), nil
}

// FeedWorkflow fetches page 1 (which says how many follow), then pages 2
// and 3 in parallel, then stores them.
func FeedWorkflow(ctx workflow.Context) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 20 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 5 * time.Second, MaximumAttempts: 6},
	})
	pages := make([]string, 3)
	if err := workflow.ExecuteActivity(ctx, "Fetch", 1).Get(ctx, &pages[0]); err != nil {
		return 0, err
	}
	f2 := workflow.ExecuteActivity(ctx, "Fetch", 2)
	f3 := workflow.ExecuteActivity(ctx, "Fetch", 3)
	if err := f2.Get(ctx, &pages[1]); err != nil {
		return 0, err
	}
	if err := f3.Get(ctx, &pages[2]); err != nil {
		return 0, err
	}
	var n int
	err := workflow.ExecuteActivity(ctx, "Store", pages).Get(ctx, &n)
	return n, err
}

// metricsMatchAttempts holds when, for each activity type, the executions
// counter equals the attempts the engine recorded, and schedule-to-start
// holds one observation per scheduled activity: the time from its
// scheduling to its first attempt's start, as the engine recorded them.
func metricsMatchAttempts(sink *fakes.MetricsSink) sim.Property {
	return harness.Property("metrics-match-attempts", func(r *sim.Result) error {
		attempts := map[string]int{}
		latencies := map[string][]float64{}
		for _, a := range r.Activities {
			attempts[a.Type] += len(a.Attempts)
			if len(a.Attempts) > 0 {
				latencies[a.Type] = append(latencies[a.Type], (a.Attempts[0].Start - a.Scheduled).Seconds())
			}
		}
		types := make([]string, 0, len(attempts))
		for typ := range attempts {
			types = append(types, typ)
		}
		sort.Strings(types)
		for _, typ := range types {
			labels := map[string]string{"activity_type": typ, "workflow_type": "FeedWorkflow"}
			if got := sink.Counter(metricExecutions, labels); got != int64(attempts[typ]) {
				return fmt.Errorf("%s%s is %d, the server saw %d attempts", metricExecutions, fakes.LabelString(labels), got, attempts[typ])
			}
			want := latencies[typ]
			sort.Float64s(want)
			got := sink.Histogram(metricScheduleToStart, labels)
			sort.Float64s(got)
			if !slices.Equal(got, want) {
				return fmt.Errorf("%s%s observed %v, the server saw %v", metricScheduleToStart, fakes.LabelString(labels), got, want)
			}
		}
		return nil
	})
}

func customMetricsScenario(name, bug string, countRetriesTwice bool) *sim.Scenario {
	window := 8 * time.Second
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "an activity interceptor counts executions and schedule-to-start latency per activity type",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"Fetch", "Store"},
			Window:     window,
			MaxCall:    3,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			sink := fakes.NewMetricsSink(w.Clock())
			w.AddInterceptor(&MetricsInterceptor{Sink: sink, CountRetriesTwice: countRetriesTwice})
			w.RegisterWorkflow(FeedWorkflow)
			w.RegisterActivity(&FeedActivities{Clock: w.Clock()})
			return sim.Case{Workflow: FeedWorkflow, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, 10*time.Minute),
				metricsMatchAttempts(sink),
			}}
		},
	}
}

func init() {
	register(customMetricsScenario("custom-metrics", "", false))
	register(planted(customMetricsScenario("custom-metrics/bug-retry-counted-twice",
		"a retry increments the executions counter twice, so retried activities are over-counted", true),
		"metrics-match-attempts", ""))
}
