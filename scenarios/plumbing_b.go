package scenarios

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/benbjohnson/clock"
)

// drawMillis draws a duration in [0, max] in whole milliseconds, so the
// values a scenario draws print short and exact in its properties.
func drawMillis(r *rand.Rand, max time.Duration) time.Duration {
	return time.Duration(r.Int64N(int64(max/time.Millisecond)+1)) * time.Millisecond
}

// waitVirtual stands for d of real work in an activity: it waits d on the
// virtual clock, or returns the context's error if the attempt is
// cancelled or timed out first.
func waitVirtual(ctx context.Context, clk clock.Clock, d time.Duration) error {
	t := clk.Timer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
