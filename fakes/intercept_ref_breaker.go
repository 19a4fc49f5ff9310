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
	"go.temporal.io/sdk/temporal"

	"github.com/temporalsim/temporalsim/sim"
)

// BreakerState is a circuit breaker's state for one activity type.
type BreakerState string

// The breaker states.
const (
	BreakerClosed   BreakerState = "closed"
	BreakerOpen     BreakerState = "open"
	BreakerHalfOpen BreakerState = "half-open"
)

// CircuitBreaker is the circuit breaker users write, per activity type:
// after Threshold consecutive failed attempts it opens and rejects calls
// with a retryable "CircuitOpen" error, without running the activity (a
// declared short-circuit of ActivityInbound.ExecuteActivity); CoolDown
// after the failure that opened it, it half-opens and lets calls through;
// the first result of those closes it again, or a failure reopens it.
//
// Its decisions are deterministic under concurrency: the state a call
// sees at time t is computed from the results recorded strictly before t,
// taken in (time, successes first) order. Results at one instant arrive in
// goroutine order, but none of them counts until that instant has passed.
// Cancellations do not count as failures, nor does anything an attempt
// returns once its context is done: the server has timed it out or
// cancelled it and will not take the result.
type CircuitBreaker struct {
	interceptor.WorkerInterceptorBase
	Clock     clock.Clock
	Threshold int
	CoolDown  time.Duration

	mu       sync.Mutex
	outcomes map[string][]breakerOutcome
}

type breakerOutcome struct {
	at     time.Time
	failed bool
}

// NewCircuitBreaker returns a closed breaker on clk.
func NewCircuitBreaker(clk clock.Clock, threshold int, coolDown time.Duration) *CircuitBreaker {
	mustClock("fakes.NewCircuitBreaker", clk)
	if threshold < 1 {
		panic("fakes.NewCircuitBreaker: threshold must be at least 1")
	}
	return &CircuitBreaker{Clock: clk, Threshold: threshold, CoolDown: coolDown, outcomes: map[string][]breakerOutcome{}}
}

// State is the state a call of activity type typ starting at now sees.
func (b *CircuitBreaker) State(typ string, now time.Time) BreakerState {
	b.mu.Lock()
	past := slices.Clone(b.outcomes[typ])
	b.mu.Unlock()
	past = slices.DeleteFunc(past, func(o breakerOutcome) bool { return !o.at.Before(now) })
	slices.SortStableFunc(past, func(x, y breakerOutcome) int {
		return cmp.Or(x.at.Compare(y.at), cmp.Compare(boolInt(x.failed), boolInt(y.failed)))
	})
	state, fails, until := BreakerClosed, 0, time.Time{}
	for _, o := range past {
		if state == BreakerOpen && !o.at.Before(until) {
			state = BreakerHalfOpen
		}
		switch {
		case state == BreakerOpen: // results of calls admitted before it opened
		case !o.failed:
			state, fails = BreakerClosed, 0
		case state == BreakerHalfOpen:
			state, until = BreakerOpen, o.at.Add(b.CoolDown)
		default:
			if fails++; fails >= b.Threshold {
				state, until = BreakerOpen, o.at.Add(b.CoolDown)
			}
		}
	}
	if state == BreakerOpen && !now.Before(until) {
		state = BreakerHalfOpen
	}
	return state
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (b *CircuitBreaker) record(typ string, at time.Time, failed bool) {
	b.mu.Lock()
	b.outcomes[typ] = append(b.outcomes[typ], breakerOutcome{at: at, failed: failed})
	b.mu.Unlock()
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (b *CircuitBreaker) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &breakerActivityIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, b: b}
}

type breakerActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	b *CircuitBreaker
}

func (a *breakerActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (res any, err error) {
	typ := activity.GetInfo(ctx).ActivityType.Name
	if a.b.State(typ, a.b.Clock.Now()) == BreakerOpen {
		return nil, temporal.NewApplicationError("circuit open for activity "+typ, "CircuitOpen")
	}
	defer func() {
		p := recover()
		// An attempt whose context is already done has been timed out or
		// cancelled by the server, which will not take its result.
		if ctx.Err() == nil {
			a.b.record(typ, a.b.Clock.Now(), p != nil || (err != nil && !isCanceled(err)))
		}
		if p != nil {
			panic(p)
		}
	}()
	return a.Next.ExecuteActivity(ctx, in)
}

// Property checks a breaker against the run's probe events, whatever its
// implementation: every call it rejected (returned without calling next,
// at its layer, named layer in the probed stack) came less than CoolDown
// after a failure it had let through for the same activity type. A breaker
// that never half-opens fails it.
func (b *CircuitBreaker) Property(layer string) sim.Property {
	return BreakerProperty(layer, b.CoolDown)
}

// BreakerProperty is CircuitBreaker.Property for any breaker interceptor
// at layer with the given cool-down. It judges from the trace, which
// shows the failures of attempts still running when they returned; a
// breaker that also counts results that come back after the server gave
// up on an attempt can be reported for rejecting "before any failure".
func BreakerProperty(layer string, coolDown time.Duration) sim.Property {
	return sim.Property{Name: "breaker-half-opens", Check: func(r *sim.Result) error {
		probes, err := ParseProbeEvents(r.Events)
		if err != nil {
			return err
		}
		typeOf := map[string]string{}
		for _, e := range r.Events {
			if e.Kind == "act.start" || e.Kind == "la.end" {
				typeOf[e.ID] = e.Name
			}
		}
		cool := coolDown.Milliseconds()
		if coolDown%time.Millisecond != 0 {
			cool++
		}
		// Failures let through, per type, in time order; a rejection at t
		// is judged against the last one at or before t (the trace keeps
		// milliseconds, so one in the same millisecond may come first).
		fails := map[string][]int64{}
		for _, p := range probes {
			if p.Layer == layer && p.Method == ActivityExecute && (p.Kind == KindNextError || p.Kind == KindNextPanic) {
				fails[typeOf[p.ID]] = append(fails[typeOf[p.ID]], p.T)
			}
		}
		for _, p := range probes {
			if p.Layer != layer || p.Method != ActivityExecute || !p.Leave() || p.Effect != EffectShortCircuit {
				continue
			}
			typ := typeOf[p.ID]
			i, _ := slices.BinarySearch(fails[typ], p.T+1)
			if i == 0 {
				return fmt.Errorf("interceptor %s, layer ActivityInbound, method ExecuteActivity: rejected a call of %s (%s at %s) before any call of it had failed",
					layer, typ, p.ID, time.Duration(p.T)*time.Millisecond)
			}
			if tf := fails[typ][i-1]; p.T-tf > cool {
				return fmt.Errorf("interceptor %s, layer ActivityInbound, method ExecuteActivity: still rejecting %s at %s (%s), %s after the last failure it let through; it should have half-opened after %s",
					layer, typ, time.Duration(p.T)*time.Millisecond, p.ID, time.Duration(p.T-tf)*time.Millisecond, coolDown)
			}
		}
		return nil
	}}
}
