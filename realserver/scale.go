package realserver

import (
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// Scenarios hard-code durations of minutes to days. Against a real server
// a run is sped up by a factor K: workflow timers and activity and child
// workflow timeouts and retry intervals are divided by K on their way to
// the SDK (the innermost workflow outbound interceptor), and activity code
// runs on a ScaledClock. Replay compares neither timer nor timeout
// durations, so a history recorded this way replays against the
// unmodified workflow code.
//
// workflow.Now is left alone: it is the server's real time, and replay
// feeds the recorded times back to the code, which may derive command
// attributes from them that replay does compare (a child workflow id made
// from Now, as the schedule scenario's). Code that computes a duration from
// Now therefore sees real time, in which the scaled timers are K times
// shorter.

// DefaultMinTimeout is the least an activity or child workflow timeout is
// scaled down to: shorter ones would fire on the server's and worker's own
// real-time latencies rather than on the workflow's behaviour.
const DefaultMinTimeout = 500 * time.Millisecond

// DefaultMinHeartbeatTimeout is the least a heartbeat timeout is scaled
// down to. The SDK sends heartbeats at most every 80% of the timeout, so a
// short one leaves the heartbeat's round trip a few hundred milliseconds
// at most, which a loaded machine misses.
const DefaultMinHeartbeatTimeout = time.Second

// minTimer is the least a timer or retry interval is scaled down to: a
// zero timer would fire without a command, and a zero retry interval means
// the server's default of one second.
const minTimer = time.Millisecond

// DefaultScale is the speed-up for a scenario: its profile's fault window
// (the span in which its interesting behaviour happens) takes two seconds
// of real time. It is at least 1.
func DefaultScale(sc *sim.Scenario) float64 {
	window := sc.Profile.Window
	if window <= 0 {
		window = 10 * time.Minute // the profile's own default
	}
	return max(float64(window)/float64(2*time.Second), 1)
}

// scaler divides durations by the clock's scale.
type scaler struct {
	clk                 *ScaledClock
	minTimeout, minBeat time.Duration
}

func (s scaler) timer(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return max(s.clk.Real(d), minTimer)
}

func (s scaler) timeout(d time.Duration) time.Duration { return s.floored(d, s.minTimeout) }

func (s scaler) heartbeat(d time.Duration) time.Duration { return s.floored(d, s.minBeat) }

// floored scales d down, but not below floor (nor above d).
func (s scaler) floored(d, floor time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return max(s.clk.Real(d), min(floor, d))
}

// retry scales a retry policy, filling in the server's defaults (initial
// interval 1s, maximum 100 times that) so that they are scaled too.
func (s scaler) retry(p *temporal.RetryPolicy) *temporal.RetryPolicy {
	out := temporal.RetryPolicy{}
	if p != nil {
		out = *p
	}
	if out.InitialInterval <= 0 {
		out.InitialInterval = time.Second
	}
	if out.MaximumInterval <= 0 {
		out.MaximumInterval = 100 * out.InitialInterval
	}
	out.InitialInterval = s.timer(out.InitialInterval)
	out.MaximumInterval = max(s.timer(out.MaximumInterval), out.InitialInterval)
	return &out
}

type scalingOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	s scaler
}

// NewTimer and NewTimerWithOptions are where every timer passes: the SDK's
// Sleep, Await and AwaitWithTimeout call NewTimerWithOptions through the
// interceptor chain, so they are not scaled again here.
func (o *scalingOutbound) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	return o.Next.NewTimer(ctx, o.s.timer(d))
}

func (o *scalingOutbound) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	return o.Next.NewTimerWithOptions(ctx, o.s.timer(d), opts)
}

func (o *scalingOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	opts := workflow.GetActivityOptions(ctx)
	opts.ScheduleToCloseTimeout = o.s.timeout(opts.ScheduleToCloseTimeout)
	opts.ScheduleToStartTimeout = o.s.timeout(opts.ScheduleToStartTimeout)
	opts.StartToCloseTimeout = o.s.timeout(opts.StartToCloseTimeout)
	opts.HeartbeatTimeout = o.s.heartbeat(opts.HeartbeatTimeout)
	opts.RetryPolicy = o.s.retry(opts.RetryPolicy)
	return o.Next.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activityType, args...)
}

func (o *scalingOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	opts := workflow.GetLocalActivityOptions(ctx)
	opts.ScheduleToCloseTimeout = o.s.timeout(opts.ScheduleToCloseTimeout)
	opts.StartToCloseTimeout = o.s.timeout(opts.StartToCloseTimeout)
	opts.RetryPolicy = o.s.retry(opts.RetryPolicy)
	return o.Next.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, opts), activityType, args...)
}

// ExecuteChildWorkflow scales a child's execution and run timeouts and
// retry intervals when the code set any; otherwise the options are left
// alone. The child's own timers are scaled by its own interceptor.
func (o *scalingOutbound) ExecuteChildWorkflow(ctx workflow.Context, childType string, args ...any) workflow.ChildWorkflowFuture {
	opts := workflow.GetChildWorkflowOptions(ctx)
	if opts.WorkflowExecutionTimeout > 0 || opts.WorkflowRunTimeout > 0 || opts.RetryPolicy != nil {
		opts.WorkflowExecutionTimeout = o.s.timeout(opts.WorkflowExecutionTimeout)
		opts.WorkflowRunTimeout = o.s.timeout(opts.WorkflowRunTimeout)
		if opts.RetryPolicy != nil {
			opts.RetryPolicy = o.s.retry(opts.RetryPolicy)
		}
		ctx = workflow.WithChildOptions(ctx, opts)
	}
	return o.Next.ExecuteChildWorkflow(ctx, childType, args...)
}
