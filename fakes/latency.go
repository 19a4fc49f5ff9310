package fakes

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/benbjohnson/clock"
)

// Latency returns how long one call to a fake takes. It draws from r, the
// fake's own random stream, so a seeded run repeats its latencies exactly.
// Fakes call it under their mutex, in call arrival order. r is nil when the
// fake was built without one; a Latency that draws should then panic, as
// Uniform does, rather than fall back to the global source.
type Latency func(r *rand.Rand) time.Duration

// Fixed returns a Latency that always takes d and never draws.
func Fixed(d time.Duration) Latency {
	return func(*rand.Rand) time.Duration { return d }
}

// Uniform returns a Latency drawn uniformly from [lo, hi). It panics when
// the fake has no rand, because silently falling back to a global source
// would make runs unrepeatable.
func Uniform(lo, hi time.Duration) Latency {
	if hi <= lo {
		panic(fmt.Sprintf("fakes.Uniform(%v, %v): hi must be greater than lo; use Fixed for a constant latency", lo, hi))
	}
	return func(r *rand.Rand) time.Duration {
		if r == nil {
			panic("fakes.Uniform: the fake was built with a nil *rand.Rand; pass rand.New(rand.NewPCG(seed, stream)) to its constructor")
		}
		return lo + time.Duration(r.Int64N(int64(hi-lo)))
	}
}

// draw evaluates l, treating nil as no latency so configs can leave it out.
func (l Latency) draw(r *rand.Rand) time.Duration {
	if l == nil {
		return 0
	}
	return l(r)
}

// sleep waits d on clk, or until ctx is done. It returns the instant the
// wait ended: for a mock clock that is the timer's deadline rather than
// clk.Now(), because a test may advance the clock well past the deadline in
// one step and the record should still say when the call really finished.
func sleep(ctx context.Context, clk clock.Clock, d time.Duration) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return clk.Now(), err
	}
	if d <= 0 {
		return clk.Now(), nil
	}
	t := clk.Timer(d)
	select {
	case at := <-t.C:
		return at, nil
	case <-ctx.Done():
		t.Stop()
		return clk.Now(), ctx.Err()
	}
}

// mustClock rejects a nil clock at construction, where the fix is obvious,
// instead of at the first call deep inside an activity.
func mustClock(who string, clk clock.Clock) {
	if clk == nil {
		panic(who + ": nil clock.Clock; pass the simulator's clock, clock.NewMock() in tests, or clock.New() in production")
	}
}

// errString keeps records comparable with == and printable in a trace.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
