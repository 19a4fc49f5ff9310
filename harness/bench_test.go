package harness_test

import (
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/internal/testrun"
	"github.com/temporalsim/temporalsim/sim"
)

// BenchmarkCheckOverhead measures what the harness adds per generated
// plan: it runs Check's search (rapid drawing the configuration, plan and
// seed, the guarded run, the properties) on a scenario that passes, then
// runs the very same plans through bare sim.Run, and reports the ratio.
func BenchmarkCheckOverhead(b *testing.B) {
	const plans = 20
	sc := shopScenario("shop")
	type drawn struct {
		seed sim.Seed
		cfg  *sim.SwarmConfig
		plan sim.Plan
	}
	var checked, bare time.Duration
	runs := 0
	runAsBenchTest(b, func(t *testing.T) {
		for i := 0; i < b.N; i++ {
			var got []drawn
			record := harness.OnTrial(func(seed sim.Seed, cfg *sim.SwarmConfig, plan sim.Plan) {
				got = append(got, drawn{seed, cfg, plan})
			})
			start := time.Now()
			f, err := harness.Find(t, sc, harness.Checks(plans), harness.PlanDir(""), harness.SearchSeed(uint64(i+1)), record)
			checked += time.Since(start)
			if f != nil || err != nil || len(got) != plans {
				b.Fatalf("Find: %v, %v, %d plans; want %d passing plans", f, err, len(got), plans)
			}
			start = time.Now()
			for _, d := range got {
				if _, err := sim.Run(t, sc, d.seed, d.plan, &sim.Options{Config: d.cfg}); err != nil {
					b.Fatal(err)
				}
			}
			bare += time.Since(start)
			runs += len(got)
		}
	})
	b.ReportMetric(float64(checked.Microseconds())/float64(runs), "check-µs/plan")
	b.ReportMetric(float64(bare.Microseconds())/float64(runs), "bare-µs/plan")
	b.ReportMetric(float64(checked)/float64(bare), "check/bare")
}

// runAsBenchTest gives a benchmark the *testing.T that sim.Run needs.
func runAsBenchTest(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	if !testrun.Once(b.Name(), f) {
		b.Fatal("benchmark body failed")
	}
}
