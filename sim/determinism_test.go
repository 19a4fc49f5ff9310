package sim

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

// determinismSeeds is how many seeds TestSameSeedSameTrace runs twice;
// SIM_DETERMINISM_SEEDS overrides it (CI runs the full count under -race
// and several GOMAXPROCS values).
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
	sc := fanOutScenario(4)
	n := determinismSeeds(t)
	faults, outcomes := 0, map[Outcome]int{}
	for s := 1; s <= n; s++ {
		seed := Seed(s)
		cfg, plan := sc.Profile.SwarmPlan(seed)
		a, err := Run(t, sc, seed, plan, &Options{Config: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		b, err := Run(t, sc, seed, plan, &Options{Config: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		if i := FirstDifference(a.Events, b.Events); i >= 0 {
			t.Fatalf("seed %d (GOMAXPROCS=%d): traces differ at event %d:\n  first:  %v\n  second: %v\nplan:\n%s",
				s, runtime.GOMAXPROCS(0), i, at(a.Events, i), at(b.Events, i), plan)
		}
		faults += len(plan.Faults)
		outcomes[a.Outcome]++
	}
	t.Logf("%d seeds, %d faults planned, outcomes %v, GOMAXPROCS=%d", n, faults, outcomes, runtime.GOMAXPROCS(0))
}

func at(es []Event, i int) any {
	if i < len(es) {
		return es[i]
	}
	return "<end of trace>"
}
