package harness

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/sdk/interceptor"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/sim"
)

// Stack builds the interceptor stack under test for one run, outermost
// first, each interceptor with the name messages will use. It is called
// inside every run, so interceptors that keep state (a circuit breaker, a
// metrics sink) start fresh each seed and one seed's run cannot change
// another's: build them on w.Clock() and w.Rand(...).
type Stack func(w *sim.World) []fakes.Layer

// Interceptors is a Stack of fixed interceptors, named by LayerName ("#2",
// "#3", ... on repeats). Use it only for interceptors that keep no state
// between calls; otherwise write a Stack that builds them.
func Interceptors(is ...interceptor.WorkerInterceptor) Stack {
	layers := make([]fakes.Layer, len(is))
	seen := map[string]int{}
	for i, ic := range is {
		name := LayerName(ic)
		if seen[name]++; seen[name] > 1 {
			name += "#" + strconv.Itoa(seen[name])
		}
		layers[i] = fakes.Layer{Name: name, Interceptor: ic}
	}
	return func(*sim.World) []fakes.Layer { return layers }
}

// InterceptorOption tunes VerifyInterceptors and CheckInterceptors. The
// options are values of named types (InterceptorSeeds,
// ScenarioProperties, AllFailures) and Declarations.
type InterceptorOption interface{ applyInterceptors(*icptConfig) }

// InterceptorSeeds is how many seeds run per scenario, 1 to N, each under
// its swarm plan (Profile.SwarmPlan). The default is 100, or 20 under
// -short. As for Check, -sim.checks and SIM_CHECKS win over it, and
// -sim.seed or SIM_SEED runs one seed alone.
type InterceptorSeeds int

func (o InterceptorSeeds) applyInterceptors(c *icptConfig) { c.seeds = int(o) }

// ScenarioProperties says whether the scenarios' own properties must hold
// too (the default). Turn it off for a stack whose declared short-circuits
// change what the workflows can do, when only the interceptor properties
// are of interest.
type ScenarioProperties bool

func (o ScenarioProperties) applyInterceptors(c *icptConfig) { c.scenarioProps = bool(o) }

// AllFailures makes CheckInterceptors run every seed and report each
// failing one, instead of stopping a scenario at its first failure.
type AllFailures bool

func (o AllFailures) applyInterceptors(c *icptConfig) { c.all = bool(o) }

type icptConfig struct {
	all           bool
	seeds         int
	decls         []Declaration
	scenarioProps bool
	only          sim.Seed
	hasOnly       bool
	// fixed keeps seeds as the options set them, whatever the command
	// line or the environment say (for the package's own tests, whose
	// assertions need their own seeds).
	fixed bool
}

func resolveInterceptors(opts []InterceptorOption) (icptConfig, error) {
	c := icptConfig{seeds: 100, scenarioProps: true}
	if testing.Short() {
		c.seeds = 20
	}
	for _, o := range opts {
		o.applyInterceptors(&c)
	}
	if c.fixed {
		return c, nil
	}
	if v, ok := os.LookupEnv("SIM_CHECKS"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("harness: SIM_CHECKS=%q: want a whole number of seeds, such as 500", v)
		}
		c.seeds = n
	}
	if flags.checks.set {
		c.seeds = flags.checks.n
	}
	if v, ok := os.LookupEnv("SIM_SEED"); ok {
		s, err := parseSeed(v)
		if err != nil {
			return c, fmt.Errorf("harness: SIM_SEED=%q: %w", v, err)
		}
		c.only, c.hasOnly = s, true
	}
	if flags.seed.set {
		c.only, c.hasOnly = flags.seed.seed, true
	}
	if c.seeds <= 0 {
		return c, fmt.Errorf("harness: %d seeds: want at least 1 (InterceptorSeeds, -sim.checks or SIM_CHECKS)", c.seeds)
	}
	return c, nil
}

type runPropsKey struct{}

// AddRunProperties adds properties to the run being set up. A Stack calls
// it to check its interceptors' own state after the run (what a metrics
// interceptor recorded, what a breaker decided); it works in the runs of
// VerifyInterceptors and CheckInterceptors.
func AddRunProperties(w *sim.World, props ...sim.Property) {
	prev, _ := w.Get(runPropsKey{}).([]sim.Property)
	w.Set(runPropsKey{}, append(prev, props...))
}

// InterceptorFailure is a failing seed of one scenario.
type InterceptorFailure struct {
	Scenario   string
	Seed       sim.Seed
	Plan       sim.Plan
	Violations []sim.Violation
	// Repro is the command that runs this seed alone.
	Repro  string
	Result *sim.Result
}

// String renders the failure with every violation, the plan and the
// command that reproduces it.
func (f InterceptorFailure) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %s, seed %d:\n", f.Scenario, f.Seed)
	for _, v := range f.Violations {
		fmt.Fprintf(&b, "  %s\n", v)
	}
	if plan := f.Plan.String(); plan != "" {
		fmt.Fprintf(&b, "plan:\n%s\n", strings.TrimRight(plan, "\n"))
	}
	fmt.Fprintf(&b, "reproduce: %s", f.Repro)
	return b.String()
}

// InterceptorReport is what CheckInterceptors found.
type InterceptorReport struct {
	Runs     int
	Failures []InterceptorFailure
	// Calls counts, per probed method, the calls that entered the stack
	// over every run: which parts of the stack the scenarios exercised.
	Calls map[fakes.Method]int
}

// NotExercised lists the probed methods no run called.
func (r InterceptorReport) NotExercised() []fakes.Method {
	var out []fakes.Method
	for _, m := range fakes.Methods() {
		if r.Calls[m] == 0 {
			out = append(out, m)
		}
	}
	return out
}

// CheckInterceptors runs every scenario with the stack added inside the
// scenario's own interceptors, each layer wrapped in probes, on seeds 1..N
// under their swarm plans, and checks the interceptor properties (and the
// scenarios' own, unless ScenarioProperties(false)). It stops a scenario
// at its first failing seed, unless AllFailures(true). The error is for bad input: a plan that does
// not fit its scenario, a scenario without Setup.
func CheckInterceptors(t *testing.T, stack Stack, scs []*sim.Scenario, opts ...InterceptorOption) (InterceptorReport, error) {
	cfg, err := resolveInterceptors(opts)
	rep := InterceptorReport{Calls: map[fakes.Method]int{}}
	if err != nil {
		return rep, err
	}
	for _, sc := range scs {
		wrapped := withStack(sc, stack, &cfg)
		seeds := seedList(cfg)
		for _, seed := range seeds {
			c, plan := sc.Profile.SwarmPlan(seed)
			r, err := sim.Run(t, wrapped, seed, plan, &sim.Options{Config: &c})
			if err != nil {
				return rep, fmt.Errorf("scenario %s seed %d: %w", sc.Name, seed, err)
			}
			rep.Runs++
			countCalls(r, rep.Calls)
			if r.Failed() {
				rep.Failures = append(rep.Failures, InterceptorFailure{Scenario: sc.Name, Seed: seed, Plan: plan,
					Violations: r.Violations, Repro: reproCommand(t, seed), Result: r})
				if !cfg.all {
					break
				}
			}
		}
	}
	return rep, nil
}

// VerifyInterceptors is CheckInterceptors as one call in a test: one
// subtest per scenario, each failing with its first failing seed's
// violations (each names the interceptor, the layer and the method), the
// plan and the command that reproduces it.
//
//	harness.VerifyInterceptors(t, harness.Interceptors(myInterceptor), scenarios.Correct(),
//		harness.Declaration{Interceptor: "Auth", ShortCircuits: []fakes.Method{fakes.ActivityExecute}})
func VerifyInterceptors(t *testing.T, stack Stack, scs []*sim.Scenario, opts ...InterceptorOption) {
	t.Helper()
	for _, sc := range scs {
		t.Run(sc.Name, func(t *testing.T) {
			rep, err := CheckInterceptors(t, stack, []*sim.Scenario{sc}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range rep.Failures {
				t.Error(f.String())
			}
			t.Logf("%d runs; methods not exercised: %v", rep.Runs, rep.NotExercised())
		})
	}
}

func seedList(cfg icptConfig) []sim.Seed {
	if cfg.hasOnly {
		return []sim.Seed{cfg.only}
	}
	out := make([]sim.Seed, cfg.seeds)
	for i := range out {
		out[i] = sim.Seed(i + 1)
	}
	return out
}

// withStack copies sc so that its Setup, after the scenario's own, adds the
// probed stack (inside the scenario's interceptors, since later additions
// are inner), the header source inside it, and the properties that check
// it.
func withStack(sc *sim.Scenario, stack Stack, cfg *icptConfig) *sim.Scenario {
	cp := *sc
	if !cfg.scenarioProps {
		cp.Properties = nil
	}
	cp.Setup = func(w *sim.World) sim.Case {
		c := sc.Setup(w)
		if !cfg.scenarioProps {
			c.Properties = nil
		}
		layers := stack(w)
		names := make([]string, len(layers))
		for i, l := range layers {
			names[i] = l.Name
		}
		for _, ic := range fakes.NewRecorder().Wrap(layers...) {
			w.AddInterceptor(ic)
		}
		w.AddInterceptor(&headerSource{}) // innermost: see VerifyHeader
		props, err := InterceptorProperties(names, cfg.decls...)
		if err != nil {
			props = []sim.Property{Property("interceptor-stack", func(*sim.Result) error { return err })}
		}
		extra, _ := w.Get(runPropsKey{}).([]sim.Property)
		c.Properties = append(slices.Clone(c.Properties), append(props, extra...)...)
		return c
	}
	return &cp
}

// countCalls adds the calls that entered the stack in r, per method.
func countCalls(r *sim.Result, into map[fakes.Method]int) {
	probes, err := fakes.ParseProbeEvents(r.Events)
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, p := range probes {
		k := p.CallKey() + "|" + string(p.Method)
		if p.Enter() && !seen[k] {
			seen[k] = true
			into[p.Method]++
		}
	}
}

// reproCommand is the command, run from the module root, that runs seed
// alone in the test t.
func reproCommand(t *testing.T, seed sim.Seed) string {
	test := "go test"
	if pkg, _, _ := packageDir(); pkg != "" {
		test += " " + pkg
	}
	return fmt.Sprintf("%s -run %s -sim.seed=%d", test, shellQuote(anchoredRun(t.Name())), seed)
}
