package realserver

import (
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/temporalsim/temporalsim/sim"
)

func TestScaler(t *testing.T) {
	s := scaler{clk: NewScaledClock(origin, 600), minTimeout: 500 * time.Millisecond, minBeat: time.Second}
	for _, tc := range []struct {
		name      string
		got, want time.Duration
	}{
		{"timer of 10m", s.timer(10 * time.Minute), time.Second},
		{"timer shorter than a millisecond after scaling", s.timer(100 * time.Millisecond), time.Millisecond},
		{"zero timer stays zero", s.timer(0), 0},
		{"timeout of 1h", s.timeout(time.Hour), 6 * time.Second},
		{"timeout floored", s.timeout(time.Minute), 500 * time.Millisecond},
		{"timeout below the floor kept", s.timeout(100 * time.Millisecond), 100 * time.Millisecond},
		{"unset timeout stays unset", s.timeout(0), 0},
		{"heartbeat timeout of 20m", s.heartbeat(20 * time.Minute), 2 * time.Second},
		{"heartbeat timeout floored", s.heartbeat(time.Minute), time.Second},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, tc.got, tc.want)
		}
	}

	p := s.retry(nil)
	if p.InitialInterval != time.Second/600 || p.MaximumInterval != time.Second/6 {
		t.Errorf("no retry policy: scaled server defaults %s..%s, want 1.666666ms..166.666666ms", p.InitialInterval, p.MaximumInterval)
	}
	orig := &temporal.RetryPolicy{InitialInterval: time.Minute, BackoffCoefficient: 1.5, MaximumInterval: time.Hour,
		MaximumAttempts: 7, NonRetryableErrorTypes: []string{"Declined"}}
	p = s.retry(orig)
	if p.InitialInterval != 100*time.Millisecond || p.MaximumInterval != 6*time.Second || p.BackoffCoefficient != 1.5 ||
		p.MaximumAttempts != 7 || len(p.NonRetryableErrorTypes) != 1 {
		t.Errorf("scaled policy %+v", p)
	}
	if orig.InitialInterval != time.Minute {
		t.Error("retry scaled the caller's policy in place")
	}
}

func TestDefaultScale(t *testing.T) {
	for _, tc := range []struct {
		window time.Duration
		want   float64
	}{{10 * time.Minute, 300}, {0, 300}, {time.Second, 1}, {2 * time.Hour, 3600}} {
		sc := &sim.Scenario{Profile: sim.Profile{Window: tc.window}}
		if got := DefaultScale(sc); got != tc.want {
			t.Errorf("window %s: scale %g, want %g", tc.window, got, tc.want)
		}
	}
}

// TestDrainBound: a run at the scenario's default speed-up or faster
// drains for at most maxDrain of real time; a slower one for as much
// virtual time as that, up to maxSlowDrain; and never for longer than
// sim.DrainLimit of virtual time.
func TestDrainBound(t *testing.T) {
	sc := &sim.Scenario{Name: "s", Profile: sim.Profile{Window: 10 * time.Minute}} // default speed-up 300: 10s drain 50m
	for _, tc := range []struct {
		k    float64
		want time.Duration
	}{
		{3600, time.Second},     // DrainLimit (1h) is 1s of real time
		{300, maxDrain},         // the default speed-up
		{100, 30 * time.Second}, // 50m is 30s
		{1, maxSlowDrain},       // 50m is 50m: maxSlowDrain
		{1.0 / 3, maxSlowDrain}, // slower than real time
	} {
		r := &run{opts: RunOptions{Scenario: sc}, clk: NewScaledClock(origin, tc.k)}
		if got := r.drainBound(); got != tc.want {
			t.Errorf("speed-up %g: drain bound %s, want %s", tc.k, got, tc.want)
		}
	}
}
