package harness_test

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// icptSeeds is the number of seeds per scenario in the interceptor tests:
// 500, fewer where the runs are slow (-short, the race detector).
func icptSeeds() int {
	if testing.Short() || raceEnabled {
		return 40
	}
	return 500
}

// icptCatalogue is what the interceptor tests run on: the catalogue's
// correct scenarios and the workout, which reaches every probed method.
func icptCatalogue() []*sim.Scenario {
	return append([]*sim.Scenario{harness.InterceptorWorkout()}, scenarios.Correct()...)
}

// referenceStack is every reference interceptor, built fresh for each run
// on the run's clock, with the metrics and breaker self-checks.
func referenceStack(w *sim.World) []fakes.Layer {
	metrics := fakes.NewMetricsInterceptor(fakes.NewMetricsSink(w.Clock()), w.Clock())
	breaker := fakes.NewCircuitBreaker(w.Clock(), 3, 20*time.Second)
	harness.AddRunProperties(w, metrics.Property("Metrics"), breaker.Property("Breaker"))
	return []fakes.Layer{
		{Name: "Logging", Interceptor: fakes.NewLogInterceptor(fakes.NewLogSink(w.Clock()))},
		{Name: "Metrics", Interceptor: metrics},
		{Name: "Tenant", Interceptor: &fakes.TenantPropagator{Default: "acme"}},
		{Name: "Auth", Interceptor: &fakes.AuthInterceptor{}},
		{Name: "Breaker", Interceptor: breaker},
		{Name: "Timeout", Interceptor: &fakes.ActivityTimeout{PerType: map[string]time.Duration{"Process": 4 * time.Minute, "WorkoutBeat": 45 * time.Second}}},
	}
}

// referenceDecls are the reference stack's declared short-circuits.
var referenceDecls = []harness.InterceptorOption{
	harness.Declaration{Interceptor: "Auth", ShortCircuits: []fakes.Method{fakes.ActivityExecute}},
	harness.Declaration{Interceptor: "Breaker", ShortCircuits: []fakes.Method{fakes.ActivityExecute}},
}

// TestReferenceStackHolds runs the reference stack across the catalogue
// and the workout: every interceptor property and the metrics and breaker
// self-checks must hold on every seed, and the stack must not break a
// scenario property that holds without it.
func TestReferenceStackHolds(t *testing.T) {
	for _, sc := range icptCatalogue() {
		t.Run(sc.Name, func(t *testing.T) {
			rep, err := harness.CheckInterceptors(t, referenceStack, []*sim.Scenario{sc},
				append(referenceDecls, harness.InterceptorSeeds(icptSeeds()), harness.AllFailures(true))...)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				if alsoFailsAlone(t, sc, f) {
					t.Logf("seed %d fails without the stack too (a scenario problem, not an interceptor one): %v", f.Seed, f.Violations)
					continue
				}
				t.Error(f.String())
			}
			t.Logf("%d runs; calls per method: %v", rep.Runs, rep.Calls)
		})
	}
}

// alsoFailsAlone reports whether f's violations are all scenario
// properties that fail the same way when the scenario runs without the
// stack.
func alsoFailsAlone(t *testing.T, sc *sim.Scenario, f harness.InterceptorFailure) bool {
	if slices.ContainsFunc(f.Violations, func(v sim.Violation) bool { return !isScenarioProperty(v.Property) }) {
		return false
	}
	c, _ := sc.Profile.SwarmPlan(f.Seed)
	r, err := sim.Run(t, sc, f.Seed, f.Plan, &sim.Options{Config: &c})
	if err != nil {
		return false
	}
	names := func(vs []sim.Violation) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Property)
		}
		return out
	}
	return slices.Equal(names(r.Violations), names(f.Violations))
}

func isScenarioProperty(name string) bool {
	return !strings.HasPrefix(name, "interceptor-") && name != "metrics-one-per-attempt" && name != "breaker-half-opens"
}

// TestReferenceStackExercised shows the catalogue and the workout reach
// the reference stack's interesting paths: rejections by the breaker,
// activities timed out by the timeout interceptor, the tenant header on
// every activity, and every probed method the test environment can
// produce. It runs its own 40 seeds whatever -sim.checks, -sim.seed,
// SIM_CHECKS or SIM_SEED say.
func TestReferenceStackExercised(t *testing.T) {
	seen := map[string]int{}
	stack := func(w *sim.World) []fakes.Layer {
		harness.AddRunProperties(w, harness.Property("tally", func(r *sim.Result) error {
			probes, err := fakes.ParseProbeEvents(r.Events)
			for _, p := range probes {
				switch {
				case p.Leave() && p.Effect == fakes.EffectShortCircuit:
					seen[p.Layer+" short-circuit"]++
				case p.Kind == fakes.KindNextError && p.Layer == "Timeout" && strings.Contains(p.Result, "deadlineExceeded"):
					seen["deadline"]++
				case p.Enter() && p.Layer == "Logging" && p.Method == fakes.ActivityExecute:
					seen["activity tenant header "+strconv.FormatBool(strings.Contains(p.Header, `tenant="\"acme\""`))]++
				}
			}
			return err
		}))
		return referenceStack(w)
	}
	rep, err := harness.CheckInterceptors(t, stack, icptCatalogue(), append(referenceDecls, harness.FixedSeeds(40), harness.ScenarioProperties(false))...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Failures {
		t.Error(f.String())
	}
	t.Logf("%d runs: %v", rep.Runs, seen)
	for _, want := range []string{"Breaker short-circuit", "deadline", "activity tenant header true"} {
		if seen[want] == 0 {
			t.Errorf("no run showed %q", want)
		}
	}
	if n := seen["activity tenant header false"]; n > 0 {
		t.Errorf("%d activity attempts arrived without the tenant header", n)
	}
	if missing := rep.NotExercised(); len(missing) > 0 {
		t.Errorf("methods not exercised: %v", missing)
	}
}

// TestProbedRunsDeterministic runs the reference stack on the workout and
// the catalogue twice per seed, the second time on one processor: the
// traces, probe events included, must be byte-identical.
func TestProbedRunsDeterministic(t *testing.T) {
	hashes := map[string][]string{}
	stack := func(w *sim.World) []fakes.Layer {
		harness.AddRunProperties(w, harness.Property("hash", func(r *sim.Result) error {
			k := fmt.Sprintf("%s/%d", r.Scenario, r.Seed)
			hashes[k] = append(hashes[k], r.TraceSHA256())
			return nil
		}))
		return referenceStack(w)
	}
	seeds := harness.InterceptorSeeds(10)
	if _, err := harness.CheckInterceptors(t, stack, icptCatalogue(), append(referenceDecls, seeds, harness.AllFailures(true))...); err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	if _, err := harness.CheckInterceptors(t, stack, icptCatalogue(), append(referenceDecls, seeds, harness.AllFailures(true))...); err != nil {
		t.Fatal(err)
	}
	if len(hashes) == 0 {
		t.Fatal("no runs")
	}
	for k, hs := range hashes {
		if len(hs) != 2 || hs[0] != hs[1] {
			t.Errorf("%s: trace hashes %v differ between two runs of the same seed", k, hs)
		}
	}
	t.Logf("%d runs, each twice", len(hashes))
}

func TestLayerNames(t *testing.T) {
	if got := harness.LayerName(&fakes.CircuitBreaker{}); got != "CircuitBreaker" {
		t.Errorf("LayerName = %q", got)
	}
	layers := harness.Interceptors(&fakes.AuthInterceptor{}, &fakes.TenantPropagator{}, &fakes.AuthInterceptor{})(nil)
	var names []string
	for _, l := range layers {
		names = append(names, l.Name)
	}
	if want := []string{"AuthInterceptor", "TenantPropagator", "AuthInterceptor#2"}; !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
}

// TestDeclarationForUnknownInterceptor: a declaration that names no
// interceptor of the stack is reported, not ignored.
func TestDeclarationForUnknownInterceptor(t *testing.T) {
	rep, err := harness.CheckInterceptors(t, harness.Interceptors(&fakes.AuthInterceptor{}), icptCatalogue()[:1],
		harness.InterceptorSeeds(1), harness.Declaration{Interceptor: "Auth"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].String(), `interceptor-stack: declaration for "Auth", which is not in the stack (AuthInterceptor)`) {
		t.Errorf("failures: %v", rep.Failures)
	}
}
