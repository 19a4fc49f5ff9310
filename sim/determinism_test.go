package sim_test

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
	"github.com/temporalsim/temporalsim/sim/internal/simtest"
)

// determinismSeeds is how many seeds TestSameSeedSameTrace runs twice;
// SIM_DETERMINISM_SEEDS overrides it. scripts/test.sh (what CI runs) runs
// the full count three times: at GOMAXPROCS=1, at GOMAXPROCS=8 and under
// -race.
func determinismSeeds(t *testing.T) int {
	if s := os.Getenv("SIM_DETERMINISM_SEEDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("SIM_DETERMINISM_SEEDS=%q: not a number", s)
		}
		return n
	}
	if testing.Short() {
		return 100
	}
	return 1000
}

func TestSameSeedSameTrace(t *testing.T) {
	sc := simtest.FanOut(4)
	n := determinismSeeds(t)
	faults, outcomes := 0, map[sim.Outcome]int{}
	for s := 1; s <= n; s++ {
		seed := sim.Seed(s)
		cfg, plan := sc.Profile.SwarmPlan(seed)
		a, err := sim.Run(t, sc, seed, plan, &sim.Options{Config: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		b, err := sim.Run(t, sc, seed, plan, &sim.Options{Config: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		if i := sim.FirstDifference(a.Events, b.Events); i >= 0 {
			t.Fatalf("seed %d (GOMAXPROCS=%d): traces differ at event %d:\n  first:  %v\n  second: %v\nplan:\n%s",
				s, runtime.GOMAXPROCS(0), i, at(a.Events, i), at(b.Events, i), plan)
		}
		faults += len(plan.Faults)
		outcomes[a.Outcome]++
	}
	t.Logf("%d seeds, %d faults planned, outcomes %v, GOMAXPROCS=%d", n, faults, outcomes, runtime.GOMAXPROCS(0))
}

func at(es []sim.Event, i int) any {
	if i < len(es) {
		return es[i]
	}
	return "<end of trace>"
}
