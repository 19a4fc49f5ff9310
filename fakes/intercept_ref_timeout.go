package fakes

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
)

// ActivityTimeout is the per-activity timeout interceptor users write: it
// runs each attempt of the listed activity types under a deadline of its
// own, tighter than the workflow's start-to-close timeout. An activity
// that honours its context then returns context.DeadlineExceeded, which
// the interceptor passes on unchanged (the server retries it as any
// other error). The deadline is on the context's clock: virtual under
// the simulator.
type ActivityTimeout struct {
	interceptor.WorkerInterceptorBase
	// PerType maps activity types to their timeout.
	PerType map[string]time.Duration
	// Default applies to types not in PerType; 0 means no timeout.
	Default time.Duration
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (t *ActivityTimeout) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &timeoutActivityIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, t: t}
}

type timeoutActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	t *ActivityTimeout
}

func (a *timeoutActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	d, ok := a.t.PerType[activity.GetInfo(ctx).ActivityType.Name]
	if !ok {
		d = a.t.Default
	}
	if d <= 0 {
		return a.Next.ExecuteActivity(ctx, in)
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return a.Next.ExecuteActivity(ctx, in)
}
