package fakes_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/sim"
)

func jsonPayload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func TestHeaderFormatRoundTrip(t *testing.T) {
	h := map[string]*commonpb.Payload{
		"tenant": jsonPayload(t, "acme, inc"),
		"quote":  jsonPayload(t, `say "hi"`),
		"bin":    {Metadata: map[string][]byte{"encoding": []byte("binary/plain")}, Data: []byte{0, 1, 2}},
		"long":   jsonPayload(t, strings.Repeat("x", 60)),
	}
	s := fakes.FormatHeader(h)
	require.True(t, strings.HasPrefix(s, "bin=#"), "fields sorted by key, binary hashed: %s", s)
	got, err := fakes.ParseHeader(s)
	require.NoError(t, err)
	require.Len(t, got, 4)
	require.Equal(t, `"\"acme, inc\""`, got["tenant"])
	require.Equal(t, `"\"say \\\"hi\\\"\""`, got["quote"])
	require.True(t, strings.HasPrefix(got["long"], "#"), "long values are hashed: %s", got["long"])
	require.Equal(t, s, fakes.FormatHeader(h), "formatting is stable")

	empty, err := fakes.ParseHeader(fakes.FormatHeader(nil))
	require.NoError(t, err)
	require.Empty(t, empty)
	_, err = fakes.ParseHeader("novalue")
	require.Error(t, err)
}

func TestParseProbeEventsRejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    sim.Event
	}{
		{"no layer", sim.Event{Kind: fakes.KindEnter, Name: "ActivityInbound.ExecuteActivity", Detail: "call=a1"}},
		{"unknown method", sim.Event{Kind: fakes.KindEnter, Name: "L:ActivityInbound.Nope", Detail: "call=a1"}},
		{"unknown token", sim.Event{Kind: fakes.KindEnter, Name: "L:ActivityInbound.ExecuteActivity", Detail: "call=a1 odd"}},
		{"no call id", sim.Event{Kind: fakes.KindExit, Name: "L:ActivityInbound.ExecuteActivity", Detail: "effect=passed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fakes.ParseProbeEvents([]sim.Event{{Kind: "act.start"}, tc.e})
			require.Error(t, err)
		})
	}
	ps, err := fakes.ParseProbeEvents([]sim.Event{{Kind: fakes.KindExit, Name: "L:ActivityInbound.ExecuteActivity",
		Result: "ok", Detail: `call=a2 effect=passed cancel-lost h=tenant="\"x y\""`}})
	require.NoError(t, err)
	require.Equal(t, fakes.ProbeEvent{Kind: fakes.KindExit, Layer: "L", Method: fakes.ActivityExecute, Call: "a2", Result: "ok",
		Effect: fakes.EffectPassed, CancelLost: true, Header: `tenant="\"x y\""`, HasHeader: true}, ps[0])
}

func TestWrapRejectsBadNames(t *testing.T) {
	base := &interceptor.WorkerInterceptorBase{}
	for _, tc := range []struct {
		want   string
		layers []fakes.Layer
	}{
		{"empty layer name", []fakes.Layer{{Name: "", Interceptor: base}}},
		{"contains ':' or a space", []fakes.Layer{{Name: "a:b", Interceptor: base}}},
		{"contains ':' or a space", []fakes.Layer{{Name: "a b", Interceptor: base}}},
		{"used twice", []fakes.Layer{{Name: "a", Interceptor: base}, {Name: "a", Interceptor: base}}},
		{"has no interceptor", []fakes.Layer{{Name: "a"}}},
	} {
		func() {
			defer func() {
				p := recover()
				require.NotNil(t, p, "%v did not panic", tc.layers)
				require.Contains(t, p, tc.want)
			}()
			fakes.NewRecorder().Wrap(tc.layers...)
		}()
	}
}

// layerFunc is an activity interceptor whose ExecuteActivity is f.
type layerFunc struct {
	interceptor.WorkerInterceptorBase
	f func(ctx context.Context, in *interceptor.ExecuteActivityInput, next interceptor.ActivityInboundInterceptor) (any, error)
}

func (l *layerFunc) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &layerFuncIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, l: l}
}

type layerFuncIn struct {
	interceptor.ActivityInboundInterceptorBase
	l *layerFunc
}

func (a *layerFuncIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	return a.l.f(ctx, in, a.Next)
}

// runActivity runs fn once in the SDK's activity test environment (inside
// a synctest bubble) with the given interceptors, and returns its error.
func runActivity(t *testing.T, interceptors []interceptor.WorkerInterceptor, header map[string]*commonpb.Payload, fn any, args ...any) (res converter.EncodedValue, err error) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		var suite testsuite.WorkflowTestSuite
		suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
		env := suite.NewTestActivityEnvironment()
		env.SetWorkerOptions(worker.Options{Interceptors: interceptors})
		if header != nil {
			env.SetHeader(&commonpb.Header{Fields: header})
		}
		env.RegisterActivity(fn)
		func() {
			defer func() {
				if p := recover(); p != nil {
					err = errors.New("panic escaped the environment")
				}
			}()
			res, err = env.ExecuteActivity(fn, args...)
		}()
	})
	return res, err
}

var errBoom = errors.New("boom")

func failing(context.Context) error { return errBoom }

func succeeding(context.Context) error { return nil }

// TestProbeEffects: outside a simulated run, the probes record into the
// Recorder, and the effect on a layer's exit says what it did with next's
// outcome.
func TestProbeEffects(t *testing.T) {
	errOther := temporal.NewApplicationError("other", "Other")
	for _, tc := range []struct {
		name  string
		fn    any
		layer func(ctx context.Context, in *interceptor.ExecuteActivityInput, next interceptor.ActivityInboundInterceptor) (any, error)
		want  string
	}{
		{"passed", failing, func(ctx context.Context, in *interceptor.ExecuteActivityInput, next interceptor.ActivityInboundInterceptor) (any, error) {
			return next.ExecuteActivity(ctx, in)
		}, fakes.EffectPassed},
		{"swallowed", failing, func(ctx context.Context, in *interceptor.ExecuteActivityInput, next interceptor.ActivityInboundInterceptor) (any, error) {
			_, _ = next.ExecuteActivity(ctx, in)
			return nil, nil
		}, fakes.EffectSwallowed},
		{"replaced", failing, func(ctx context.Context, in *interceptor.ExecuteActivityInput, next interceptor.ActivityInboundInterceptor) (any, error) {
			_, _ = next.ExecuteActivity(ctx, in)
			return nil, errOther
		}, fakes.EffectReplaced},
		{"added", succeeding, func(ctx context.Context, in *interceptor.ExecuteActivityInput, next interceptor.ActivityInboundInterceptor) (any, error) {
			_, _ = next.ExecuteActivity(ctx, in)
			return nil, errOther
		}, fakes.EffectAdded},
		{"short-circuit", succeeding, func(context.Context, *interceptor.ExecuteActivityInput, interceptor.ActivityInboundInterceptor) (any, error) {
			return nil, errOther
		}, fakes.EffectShortCircuit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := fakes.NewRecorder()
			stack := rec.Wrap(fakes.Layer{Name: "L", Interceptor: &layerFunc{f: tc.layer}})
			_, _ = runActivity(t, stack, nil, tc.fn)
			probes, err := fakes.ParseProbeEvents(rec.Events())
			require.NoError(t, err)
			var exit *fakes.ProbeEvent
			for i := range probes {
				if probes[i].Method == fakes.ActivityExecute && probes[i].Leave() {
					exit = &probes[i]
				}
			}
			require.NotNil(t, exit, "no exit recorded: %v", rec.Events())
			require.Equal(t, tc.want, exit.Effect)
			require.Equal(t, "L", exit.Layer)
		})
	}
}

// TestProbePanicPassesThrough: a panic is recorded at both probes and
// reaches the caller unchanged.
func TestProbePanicPassesThrough(t *testing.T) {
	rec := fakes.NewRecorder()
	stack := rec.Wrap(fakes.Layer{Name: "L", Interceptor: &interceptor.WorkerInterceptorBase{}})
	_, err := runActivity(t, stack, nil, func(context.Context) error { panic("kaboom") })
	require.Error(t, err)
	var kinds []string
	for _, e := range rec.Events() {
		if strings.HasSuffix(e.Name, "ExecuteActivity") {
			kinds = append(kinds, e.Kind)
		}
	}
	require.Equal(t, []string{fakes.KindEnter, fakes.KindNextEnter, fakes.KindNextPanic, fakes.KindPanic}, kinds)
	last := rec.Events()[len(rec.Events())-1]
	require.Contains(t, last.Detail, "effect=passed")
	require.Contains(t, last.Detail, `panic="kaboom"`)
}
