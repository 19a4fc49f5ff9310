package harness_test

import (
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/scenarios"
)

// BenchmarkCheckSmallScope measures what the baseline runs and the
// small-scope phase cost: a default Check (100 plans) of the catalogue's
// saga, with both and without (harness.Blind), in the same run, and the
// ratio of the two.
func BenchmarkCheckSmallScope(b *testing.B) {
	sc, err := scenarios.Lookup("saga")
	if err != nil {
		b.Fatal(err)
	}
	var with, blind time.Duration
	runAsBenchTest(b, func(t *testing.T) {
		for i := 0; i < b.N; i++ {
			opts := []harness.Option{harness.Checks(100), harness.PlanDir(""), harness.SearchSeed(uint64(i + 1))}
			start := time.Now()
			if f, err := harness.Find(t, sc, opts...); f != nil || err != nil {
				b.Fatalf("with the small-scope phase: %v, %v", f, err)
			}
			with += time.Since(start)
			start = time.Now()
			if f, err := harness.Find(t, sc, append(opts, harness.Blind(true))...); f != nil || err != nil {
				b.Fatalf("blind: %v, %v", f, err)
			}
			blind += time.Since(start)
		}
	})
	b.ReportMetric(float64(with.Milliseconds())/float64(b.N), "with-ms/check")
	b.ReportMetric(float64(blind.Milliseconds())/float64(b.N), "blind-ms/check")
	b.ReportMetric(float64(with)/float64(blind), "with/blind")
}
