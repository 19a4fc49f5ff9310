package cli

import (
	"fmt"

	"github.com/temporalsim/temporalsim/sim"
)

// NightSeeds is the width of one night's seed range under -night. A
// night's swarm stops at the end of its range even when its time box has
// not closed, so consecutive nights never meet.
const NightSeeds = 1 << 20

// nightStart is night n's first seed: nights 1, 2, 3... own the ranges
// [1, NightSeeds], [NightSeeds+1, 2*NightSeeds], ... A failure is
// reproduced from its seed alone, whichever night found it.
func nightStart(n uint64) (sim.Seed, error) {
	if n == 0 || n > (^uint64(0)-1)/NightSeeds {
		return 0, fmt.Errorf("-night %d: want a number from 1 to %d, such as the CI run number", n, (^uint64(0)-1)/NightSeeds)
	}
	return sim.Seed(1 + (n-1)*NightSeeds), nil
}

// applyNight turns -night N into the night's seed range: its start, and
// at most NightSeeds seeds (a time box ends it sooner).
func applyNight(o *swarmOpts, night uint64, given map[string]bool) error {
	if given["start"] {
		return fmt.Errorf("give -night or -start, not both")
	}
	start, err := nightStart(night)
	if err != nil {
		return err
	}
	o.start = start
	switch {
	case !given["seeds"]:
		o.seeds = NightSeeds
	case o.seeds > NightSeeds:
		return fmt.Errorf("-night with -seeds %d: a night has %d seeds", o.seeds, NightSeeds)
	}
	return nil
}
