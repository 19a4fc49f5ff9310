package fakes_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/temporalsim/temporalsim/fakes"
)

// activityEnv runs f with an SDK activity test environment that has the
// given interceptors, inside a synctest bubble.
func activityEnv(t *testing.T, interceptors []interceptor.WorkerInterceptor, f func(env *testsuite.TestActivityEnvironment)) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		var suite testsuite.WorkflowTestSuite
		suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
		env := suite.NewTestActivityEnvironment()
		env.SetWorkerOptions(worker.Options{Interceptors: interceptors})
		f(env)
	})
}

func errorType(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}

func TestCircuitBreaker(t *testing.T) {
	clk := clock.NewMock()
	b := fakes.NewCircuitBreaker(clk, 2, 10*time.Second)
	runs := 0
	flaky := func(_ context.Context, fail bool) error {
		runs++
		if fail {
			return errBoom
		}
		return nil
	}
	activityEnv(t, []interceptor.WorkerInterceptor{b}, func(env *testsuite.TestActivityEnvironment) {
		env.RegisterActivityWithOptions(flaky, activity.RegisterOptions{Name: "Flaky"})
		call := func(at time.Duration, fail bool) error {
			clk.Set(time.Unix(0, 0).Add(at))
			_, err := env.ExecuteActivity("Flaky", fail)
			return err
		}
		require.Error(t, call(0, true))
		require.Error(t, call(time.Second, true))
		require.Equal(t, fakes.BreakerOpen, b.State("Flaky", clk.Now().Add(time.Millisecond)), "two failures open it")
		before := runs
		require.Equal(t, "CircuitOpen", errorType(call(2*time.Second, false)))
		require.Equal(t, before, runs, "an open breaker does not run the activity")
		require.Equal(t, fakes.BreakerHalfOpen, b.State("Flaky", time.Unix(11, 0)), "half-open a cool-down after the failure that opened it")
		require.Error(t, call(11*time.Second, true), "the trial runs")
		require.Equal(t, "CircuitOpen", errorType(call(12*time.Second, false)), "a failed trial reopens it")
		require.NoError(t, call(21*time.Second, false), "the next trial runs")
		require.Equal(t, fakes.BreakerClosed, b.State("Flaky", time.Unix(22, 0)), "a successful trial closes it")

		// Results at one instant count only once that instant has passed,
		// and then successes first, whatever order they arrived in.
		require.Error(t, call(40*time.Second, true))
		require.Error(t, call(41*time.Second, true))
		require.NoError(t, call(41*time.Second, false), "still closed at the instant of the second failure")
		require.Equal(t, fakes.BreakerClosed, b.State("Flaky", time.Unix(42, 0)), "fail, then success and fail at one instant: one failure in a row")
	})
}

func TestTenantAndAuth(t *testing.T) {
	stack := []interceptor.WorkerInterceptor{&fakes.TenantPropagator{}, &fakes.AuthInterceptor{}}
	whoAmI := func(ctx context.Context) (string, error) {
		t, ok := fakes.TenantFrom(ctx)
		if !ok {
			return "", errors.New("no tenant")
		}
		return t, nil
	}
	var got string
	activityEnv(t, stack, func(env *testsuite.TestActivityEnvironment) {
		env.RegisterActivityWithOptions(whoAmI, activity.RegisterOptions{Name: "WhoAmI"})
		env.SetHeader(&commonpb.Header{Fields: map[string]*commonpb.Payload{fakes.TenantHeader: jsonPayload(t, "globex")}})
		v, err := env.ExecuteActivity("WhoAmI")
		require.NoError(t, err)
		require.NoError(t, v.Get(&got))
	})
	require.Equal(t, "globex", got)

	activityEnv(t, stack, func(env *testsuite.TestActivityEnvironment) {
		ran := false
		env.RegisterActivityWithOptions(func(context.Context) error { ran = true; return nil }, activity.RegisterOptions{Name: "Open"})
		_, err := env.ExecuteActivity("Open")
		require.Equal(t, "Unauthenticated", errorType(err))
		require.False(t, ran, "a rejected call does not run the activity")
	})
}

func TestMetricsInterceptor(t *testing.T) {
	clk := clock.NewMock()
	sink := fakes.NewMetricsSink(clk)
	m := fakes.NewMetricsInterceptor(sink, clk)
	work := func(_ context.Context, outcome string) error {
		clk.Add(3 * time.Second)
		switch outcome {
		case "error":
			return errBoom
		case "panic":
			panic("work")
		}
		return nil
	}
	activityEnv(t, []interceptor.WorkerInterceptor{m}, func(env *testsuite.TestActivityEnvironment) {
		env.RegisterActivityWithOptions(work, activity.RegisterOptions{Name: "Work"})
		for _, o := range []string{"ok", "ok", "error", "panic"} {
			func() {
				defer func() { _ = recover() }()
				_, _ = env.ExecuteActivity("Work", o)
			}()
		}
	})
	labels := func(status string) map[string]string {
		return map[string]string{"activity_type": "Work", "status": status}
	}
	require.EqualValues(t, 2, sink.Counter(fakes.MetricActivityAttempts, labels("ok")))
	require.EqualValues(t, 1, sink.Counter(fakes.MetricActivityAttempts, labels("error")))
	require.EqualValues(t, 1, sink.Counter(fakes.MetricActivityAttempts, labels("panic")))
	require.Equal(t, []float64{3, 3}, sink.Histogram(fakes.MetricActivityDuration, labels("ok")))
	require.Equal(t, 4, m.AttemptsRecorded())
}

func TestActivityTimeout(t *testing.T) {
	wait := func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}
	quick := func(ctx context.Context) (bool, error) {
		dl, has := ctx.Deadline()
		return has && time.Until(dl) > time.Minute, nil
	}
	timeout := &fakes.ActivityTimeout{PerType: map[string]time.Duration{"Wait": 5 * time.Second}}
	activityEnv(t, []interceptor.WorkerInterceptor{timeout}, func(env *testsuite.TestActivityEnvironment) {
		env.RegisterActivityWithOptions(wait, activity.RegisterOptions{Name: "Wait"})
		env.RegisterActivityWithOptions(quick, activity.RegisterOptions{Name: "Other"})
		start := time.Now()
		_, err := env.ExecuteActivity("Wait")
		require.Error(t, err)
		require.Contains(t, err.Error(), context.DeadlineExceeded.Error())
		require.Equal(t, 5*time.Second, time.Since(start), "the deadline is the interceptor's, on the bubble's clock")
		v, err := env.ExecuteActivity("Other")
		require.NoError(t, err)
		var untouched bool
		require.NoError(t, v.Get(&untouched))
		require.True(t, untouched, "types not listed keep the environment's deadline")
	})
}

func TestLogInterceptor(t *testing.T) {
	clk := clock.NewMock()
	sink := fakes.NewLogSink(clk)
	beat := func(ctx context.Context) error {
		clk.Add(time.Second)
		activity.RecordHeartbeat(ctx, 1)
		clk.Add(time.Second)
		return errBoom
	}
	activityEnv(t, []interceptor.WorkerInterceptor{fakes.NewLogInterceptor(sink)}, func(env *testsuite.TestActivityEnvironment) {
		env.RegisterActivityWithOptions(beat, activity.RegisterOptions{Name: "Beat"})
		_, _ = env.ExecuteActivity("Beat")
	})
	var got []string
	for _, l := range sink.Lines() {
		got = append(got, l.At.Sub(time.Unix(0, 0)).String()+" "+l.Text)
	}
	require.Equal(t, []string{"0s activity Beat attempt 1 start", "1s activity Beat heartbeat", "2s activity Beat attempt 1 end error"}, got)
}

func TestLogSinkOrder(t *testing.T) {
	clk := clock.NewMock()
	sink := fakes.NewLogSink(clk)
	requireOrderFree(t, func(reverse bool) []fakes.LogLine {
		s := fakes.NewLogSink(clk)
		concurrently(4, reverse, func(i int) {
			s.Log(time.Unix(int64(1-i%2), 0), string(rune('a'+i)))
		})
		return s.Lines()
	})
	lines := requireOrderFree(t, func(bool) []fakes.LogLine { return nil })
	require.Empty(t, lines)
	require.Empty(t, sink.Lines())
}
