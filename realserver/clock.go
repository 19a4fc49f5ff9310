package realserver

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/benbjohnson/clock"
)

// ScaledClock is a github.com/benbjohnson/clock Clock on which time runs
// Scale times faster than real time: once started, Now advances Scale
// virtual seconds per real second from the origin, and Sleep, After,
// Timer, Ticker and timeouts wait d/Scale of real time. It is the World's
// clock for a run against a real server, so activity code that waits
// minutes on its clock takes milliseconds.
//
// Until Start, Now stays at the origin, so the real time a run spends on
// setting up (connecting, starting workers) does not count as K times as
// much virtual time. The Timers and Tickers it returns wrap real ones made
// with the scaled duration: their Reset methods take real durations.
type ScaledClock struct {
	origin    time.Time
	scale     float64
	real      clock.Clock
	realStart atomic.Int64 // UnixNano of the real instant that maps to origin; 0 before Start
}

var _ clock.Clock = (*ScaledClock)(nil)

// NewScaledClock returns a clock that reads origin until Start and runs
// scale times faster than real time from then on. A scale below 1 runs
// slower than real time (a rerun on a loaded machine, where the server's
// latency must stay small in virtual time); a scale that is not positive
// is taken as 1.
func NewScaledClock(origin time.Time, scale float64) *ScaledClock {
	if !(scale > 0) {
		scale = 1
	}
	return &ScaledClock{origin: origin, scale: scale, real: clock.New()}
}

// Start sets the clock going: the real instant now maps to the origin.
// Later calls do nothing.
func (c *ScaledClock) Start() {
	c.realStart.CompareAndSwap(0, time.Now().UnixNano())
}

// RealStart is the real instant the clock was started at (the zero time
// before Start).
func (c *ScaledClock) RealStart() time.Time {
	if ns := c.realStart.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// Scale is how many virtual seconds pass per real second.
func (c *ScaledClock) Scale() float64 { return c.scale }

// Origin is the virtual time at Start.
func (c *ScaledClock) Origin() time.Time { return c.origin }

// Virtual maps a real instant to virtual time; before Start every instant
// maps to the origin.
func (c *ScaledClock) Virtual(real time.Time) time.Time {
	start := c.RealStart()
	if start.IsZero() {
		return c.origin
	}
	return c.origin.Add(time.Duration(float64(real.Sub(start)) * c.scale))
}

// Real maps a virtual duration to the real duration it takes; a positive
// duration never maps to zero.
func (c *ScaledClock) Real(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return max(time.Duration(float64(d)/c.scale), time.Nanosecond)
}

// Now is the virtual time.
func (c *ScaledClock) Now() time.Time { return c.Virtual(time.Now()) }

// Since is the virtual time elapsed since t.
func (c *ScaledClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until is the virtual time until t.
func (c *ScaledClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// After waits d of virtual time, then sends the virtual time.
func (c *ScaledClock) After(d time.Duration) <-chan time.Time { return c.Timer(d).C }

// AfterFunc calls f after d of virtual time.
func (c *ScaledClock) AfterFunc(d time.Duration, f func()) *clock.Timer {
	return c.real.AfterFunc(c.Real(d), f)
}

// Sleep waits d of virtual time.
func (c *ScaledClock) Sleep(d time.Duration) { c.real.Sleep(c.Real(d)) }

// Tick ticks every d of virtual time. Unlike Timer's, its ticks carry
// the real time.
func (c *ScaledClock) Tick(d time.Duration) <-chan time.Time { return c.real.Tick(c.Real(d)) }

// Ticker ticks every d of virtual time. Unlike Timer's, its ticks carry
// the real time (a clock.Ticker cannot be built around another channel
// without a goroutine that outlives Stop).
func (c *ScaledClock) Ticker(d time.Duration) *clock.Ticker { return c.real.Ticker(c.Real(d)) }

// Timer fires after d of virtual time and sends the virtual time on C, as
// code that reads the time off the channel expects. Its Stop works as
// usual; its Reset takes a real duration.
func (c *ScaledClock) Timer(d time.Duration) *clock.Timer {
	ch := make(chan time.Time, 1)
	t := c.real.AfterFunc(c.Real(d), func() {
		select {
		case ch <- c.Now():
		default:
		}
	})
	t.C = ch
	return t
}

// WithDeadline returns a context that ends at the virtual instant d.
func (c *ScaledClock) WithDeadline(parent context.Context, d time.Time) (context.Context, context.CancelFunc) {
	return c.WithTimeout(parent, c.Until(d))
}

// WithTimeout returns a context that ends after t of virtual time.
func (c *ScaledClock) WithTimeout(parent context.Context, t time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, c.Real(t))
}
