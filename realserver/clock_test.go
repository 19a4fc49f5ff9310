package realserver

import (
	"context"
	"testing"
	"time"
)

var origin = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

func TestScaledClockMapping(t *testing.T) {
	c := NewScaledClock(origin, 60)
	if got := c.Virtual(time.Now().Add(time.Hour)); !got.Equal(origin) {
		t.Errorf("before Start, Virtual = %s, want the origin %s", got, origin)
	}
	if !c.RealStart().IsZero() {
		t.Errorf("RealStart before Start = %s, want zero", c.RealStart())
	}
	c.Start()
	start := c.RealStart()
	c.Start() // a second Start changes nothing
	if !c.RealStart().Equal(start) {
		t.Errorf("a second Start moved the start from %s to %s", start, c.RealStart())
	}
	for _, tc := range []struct {
		real time.Duration
		want time.Duration
	}{{0, 0}, {time.Second, time.Minute}, {500 * time.Millisecond, 30 * time.Second}, {-time.Second, -time.Minute}} {
		if got := c.Virtual(start.Add(tc.real)).Sub(origin); got != tc.want {
			t.Errorf("Virtual(start%+v) = origin%+v, want origin%+v", tc.real, got, tc.want)
		}
	}
	for _, tc := range []struct{ d, want time.Duration }{
		{time.Minute, time.Second}, {time.Hour, time.Minute}, {0, 0}, {-time.Minute, -time.Minute}, {time.Nanosecond, time.Nanosecond},
	} {
		if got := c.Real(tc.d); got != tc.want {
			t.Errorf("Real(%s) = %s, want %s", tc.d, got, tc.want)
		}
	}
	slow := NewScaledClock(origin, 0.5)
	if got := slow.Scale(); got != 0.5 {
		t.Errorf("a scale of 0.5 gives Scale %g, want 0.5", got)
	}
	if got := slow.Real(time.Minute); got != 2*time.Minute {
		t.Errorf("at a scale of 0.5, Real(1m) = %s, want 2m", got)
	}
	for _, k := range []float64{0, -2} {
		if got := NewScaledClock(origin, k).Scale(); got != 1 {
			t.Errorf("a scale of %g gives Scale %g, want 1", k, got)
		}
	}
}

// TestScaledClockTimers checks that timers carry virtual time, which code
// such as the fakes reads off the channel: never before the virtual
// deadline, and never a real time (which would lie years before the
// origin chosen here).
func TestScaledClockTimers(t *testing.T) {
	c := NewScaledClock(origin, 36000)
	c.Start()
	deadline := c.Now().Add(time.Hour)
	if at := <-c.After(time.Hour); at.Before(deadline) {
		t.Errorf("After(1h) fired at %s, before %s", at, deadline)
	}
	tm := c.Timer(time.Hour)
	if at := <-tm.C; at.Before(origin) {
		t.Errorf("Timer sent %s, before the origin: a real time, not the virtual one", at)
	}
	if tm.Stop() {
		t.Error("Stop of a fired timer reported it as running")
	}
	stopped := c.Timer(24 * time.Hour)
	if !stopped.Stop() {
		t.Error("Stop of a running timer reported it as stopped")
	}
	ctx, cancel := c.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	<-ctx.Done()
	if c.Now().Sub(origin) < time.Hour {
		t.Errorf("WithTimeout(1h) ended at origin+%s", c.Now().Sub(origin))
	}
	dctx, dcancel := c.WithDeadline(context.Background(), c.Now().Add(time.Hour))
	defer dcancel()
	<-dctx.Done()
	before := c.Now()
	c.Sleep(time.Hour)
	if c.Since(before) < time.Hour {
		t.Errorf("Sleep(1h) returned after %s", c.Since(before))
	}
	if c.Until(before) >= 0 {
		t.Errorf("Until a past instant = %s", c.Until(before))
	}
}
