package fakes

import (
	"context"
	"errors"
	"fmt"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// Metric names the MetricsInterceptor writes.
const (
	MetricActivityAttempts = "activity_attempts_total"   // counter {activity_type, status}
	MetricActivityDuration = "activity_duration_seconds" // histogram {activity_type, status}
	MetricWorkflowsEnded   = "workflows_ended_total"     // counter {workflow_type, status}
)

// MetricsInterceptor is the metrics interceptor users write: per activity
// attempt, a counter and a duration histogram labelled with the activity
// type and the status (ok, error, canceled, panic); per workflow run that
// ends (not while replaying), a counter by type and status.
type MetricsInterceptor struct {
	interceptor.WorkerInterceptorBase
	Sink  *MetricsSink
	Clock clock.Clock
}

// NewMetricsInterceptor returns a MetricsInterceptor writing to sink and
// timing attempts on clk.
func NewMetricsInterceptor(sink *MetricsSink, clk clock.Clock) *MetricsInterceptor {
	mustClock("fakes.NewMetricsInterceptor", clk)
	return &MetricsInterceptor{Sink: sink, Clock: clk}
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (m *MetricsInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &metricsActivityIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, m: m}
}

// InterceptWorkflow implements interceptor.WorkerInterceptor.
func (m *MetricsInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &metricsWorkflowIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, m: m}
}

type metricsActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	m *MetricsInterceptor
}

func (a *metricsActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (res any, err error) {
	typ := activity.GetInfo(ctx).ActivityType.Name
	start := a.m.Clock.Now()
	defer func() {
		status := statusOf(err)
		p := recover()
		if p != nil {
			status = "panic"
		}
		labels := map[string]string{"activity_type": typ, "status": status}
		a.m.Sink.IncCounter(MetricActivityAttempts, labels, 1)
		a.m.Sink.ObserveDuration(MetricActivityDuration, labels, a.m.Clock.Since(start))
		if p != nil {
			panic(p)
		}
	}()
	return a.Next.ExecuteActivity(ctx, in)
}

type metricsWorkflowIn struct {
	interceptor.WorkflowInboundInterceptorBase
	m *MetricsInterceptor
}

func (w *metricsWorkflowIn) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	res, err := w.Next.ExecuteWorkflow(ctx, in)
	if !workflow.IsReplaying(ctx) {
		w.m.Sink.IncCounter(MetricWorkflowsEnded, map[string]string{"workflow_type": workflow.GetInfo(ctx).WorkflowType.Name, "status": statusOf(err)}, 1)
	}
	return res, err
}

// AttemptsRecorded is the total of the attempt counter over every label.
func (m *MetricsInterceptor) AttemptsRecorded() int {
	total := 0
	for _, s := range m.Sink.Snapshot() {
		if s.Kind == KindCounter && s.Name == MetricActivityAttempts {
			total += int(s.Value)
		}
	}
	return total
}

// Property checks the interceptor against the run's probe events: it
// recorded one attempt for every activity call that entered its layer
// (named layer in the probed stack), no more, no fewer.
func (m *MetricsInterceptor) Property(layer string) sim.Property {
	return sim.Property{Name: "metrics-one-per-attempt", Check: func(r *sim.Result) error {
		probes, err := ParseProbeEvents(r.Events)
		if err != nil {
			return err
		}
		calls := 0
		for _, p := range probes {
			if p.Layer == layer && p.Method == ActivityExecute && p.Enter() {
				calls++
			}
		}
		if got := m.AttemptsRecorded(); got != calls {
			return fmt.Errorf("interceptor %s, layer ActivityInbound, method ExecuteActivity: recorded %d attempts in %s for %d calls that entered it",
				layer, got, MetricActivityAttempts, calls)
		}
		return nil
	}}
}

func isCanceled(err error) bool {
	var ce *temporal.CanceledError
	return errors.As(err, &ce) || errors.Is(err, context.Canceled)
}
