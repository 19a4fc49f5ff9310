package fakes

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// LogSink is a deterministic log: lines stamped with virtual time and read
// back in (time, text) order, so lines written at one instant by
// concurrent activities come out the same on every run.
type LogSink struct {
	clk   clock.Clock
	mu    sync.Mutex
	lines []LogLine
}

// LogLine is one line of a LogSink.
type LogLine struct {
	At   time.Time
	Text string
}

// NewLogSink returns an empty sink that stamps activity-side lines with
// clk. Workflow-side lines carry workflow time.
func NewLogSink(clk clock.Clock) *LogSink {
	mustClock("fakes.NewLogSink", clk)
	return &LogSink{clk: clk}
}

// Log writes one line stamped at.
func (s *LogSink) Log(at time.Time, text string) {
	s.mu.Lock()
	s.lines = append(s.lines, LogLine{At: at, Text: text})
	s.mu.Unlock()
}

func (s *LogSink) add(at time.Time, format string, args ...any) {
	s.Log(at, fmt.Sprintf(format, args...))
}

// Lines returns every line in (time, text) order.
func (s *LogSink) Lines() []LogLine {
	s.mu.Lock()
	out := slices.Clone(s.lines)
	s.mu.Unlock()
	slices.SortStableFunc(out, func(a, b LogLine) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Text, b.Text)) })
	return out
}

// LogInterceptor is the logging interceptor users write: one line when an
// activity attempt starts and ends, per heartbeat, when a workflow starts
// and ends, per signal, query and update, and per activity, local
// activity, child workflow and timer the workflow schedules. Workflow
// lines are not written while the workflow replays.
type LogInterceptor struct {
	interceptor.WorkerInterceptorBase
	Sink *LogSink
}

// NewLogInterceptor returns a LogInterceptor writing to sink.
func NewLogInterceptor(sink *LogSink) *LogInterceptor { return &LogInterceptor{Sink: sink} }

// InterceptActivity implements interceptor.WorkerInterceptor.
func (l *LogInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &logActivityIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, sink: l.Sink}
}

// InterceptWorkflow implements interceptor.WorkerInterceptor.
func (l *LogInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &logWorkflowIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, sink: l.Sink}
}

type logActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	sink *LogSink
}

func (a *logActivityIn) Init(out interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&logActivityOut{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: out}, sink: a.sink})
}

func (a *logActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (res any, err error) {
	info := activity.GetInfo(ctx)
	a.sink.add(a.sink.clk.Now(), "activity %s attempt %d start", info.ActivityType.Name, info.Attempt)
	defer func() {
		status := statusOf(err)
		p := recover()
		if p != nil {
			status = "panic"
		}
		a.sink.add(a.sink.clk.Now(), "activity %s attempt %d end %s", info.ActivityType.Name, info.Attempt, status)
		if p != nil {
			panic(p)
		}
	}()
	return a.Next.ExecuteActivity(ctx, in)
}

type logActivityOut struct {
	interceptor.ActivityOutboundInterceptorBase
	sink *LogSink
}

func (o *logActivityOut) RecordHeartbeat(ctx context.Context, details ...any) {
	o.sink.add(o.sink.clk.Now(), "activity %s heartbeat", o.Next.GetInfo(ctx).ActivityType.Name)
	o.Next.RecordHeartbeat(ctx, details...)
}

type logWorkflowIn struct {
	interceptor.WorkflowInboundInterceptorBase
	sink *LogSink
}

func (w *logWorkflowIn) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&logWorkflowOut{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, sink: w.sink})
}

// log writes a workflow-side line, unless the workflow is replaying.
func (s *LogSink) log(ctx workflow.Context, format string, args ...any) {
	if workflow.IsReplaying(ctx) {
		return
	}
	s.add(workflow.Now(ctx), "%s: "+format, append([]any{workflow.GetInfo(ctx).WorkflowExecution.ID}, args...)...)
}

func (w *logWorkflowIn) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	typ := workflow.GetInfo(ctx).WorkflowType.Name
	w.sink.log(ctx, "workflow %s start", typ)
	res, err := w.Next.ExecuteWorkflow(ctx, in)
	w.sink.log(ctx, "workflow %s end %s", typ, statusOf(err))
	return res, err
}

func (w *logWorkflowIn) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	w.sink.log(ctx, "signal %s", in.SignalName)
	return w.Next.HandleSignal(ctx, in)
}

func (w *logWorkflowIn) HandleQuery(ctx workflow.Context, in *interceptor.HandleQueryInput) (any, error) {
	w.sink.log(ctx, "query %s", in.QueryType)
	return w.Next.HandleQuery(ctx, in)
}

func (w *logWorkflowIn) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	w.sink.log(ctx, "update %s", in.Name)
	return w.Next.ExecuteUpdate(ctx, in)
}

type logWorkflowOut struct {
	interceptor.WorkflowOutboundInterceptorBase
	sink *LogSink
}

func (o *logWorkflowOut) ExecuteActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	o.sink.log(ctx, "schedule activity %s", typ)
	return o.Next.ExecuteActivity(ctx, typ, args...)
}

func (o *logWorkflowOut) ExecuteLocalActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	o.sink.log(ctx, "schedule local activity %s", typ)
	return o.Next.ExecuteLocalActivity(ctx, typ, args...)
}

func (o *logWorkflowOut) ExecuteChildWorkflow(ctx workflow.Context, typ string, args ...any) workflow.ChildWorkflowFuture {
	o.sink.log(ctx, "start child %s", typ)
	return o.Next.ExecuteChildWorkflow(ctx, typ, args...)
}

func (o *logWorkflowOut) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	o.sink.log(ctx, "timer %s", d)
	return o.Next.NewTimerWithOptions(ctx, d, opts)
}

// statusOf names an outcome for logs and metric labels.
func statusOf(err error) string {
	switch {
	case err == nil:
		return "ok"
	case isCanceled(err):
		return "canceled"
	}
	return "error"
}
