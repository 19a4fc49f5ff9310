package harness

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// Check runs sc under generated fault plans and fails t when a property
// fails. Before generating anything it replays the plans earlier
// failures saved under PlanDir. Then rapid draws each plan from
// sc.Profile (a swarm configuration, then the faults; see Swarm and
// Plans) and a run seed, and sim.Run checks the scenario's properties.
// A failure is shrunk, by rapid and then by Shrink, saved as a plan
// file, and reported with the violated property, the plan, a trace
// excerpt and the commands that reproduce it. With -sim.seed=N (or
// SIM_SEED) it runs only seed N's swarm plan, as simrun run -seed N does.
//
// Check must be called from the test's own goroutine, as sim.Run must.
func Check(t *testing.T, sc *sim.Scenario, opts ...Option) {
	t.Helper()
	f, st, err := find(t, sc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if f != nil {
		t.Fatal(f.Report())
	}
	t.Logf("temporalsim: %s: %s, every property held", sc.Name, st)
	st.warn(t, sc)
}

// Find is Check without failing t: it returns the shrunk failure, or nil
// when every plan passed. The error is for bad input: bad flags or
// environment, a scenario that cannot run, a saved plan that does not
// parse. Tests of the harness itself, and tests that expect a planted bug
// to be found, use it.
func Find(t *testing.T, sc *sim.Scenario, opts ...Option) (*Failure, error) {
	t.Helper()
	f, _, err := find(t, sc, opts)
	return f, err
}

func find(t *testing.T, sc *sim.Scenario, opts []Option) (*Failure, *stats, error) {
	t.Helper()
	if sc == nil || sc.Setup == nil {
		return nil, nil, errors.New("harness: the scenario has no Setup: it needs one that registers the workflow and its activities and returns the Case to run")
	}
	c, err := resolve(opts, envLookup)
	if err != nil {
		return nil, nil, err
	}
	s := &search{t: t, sc: sc, cfg: c, st: &stats{outcomes: map[sim.Outcome]int{}}}
	var f *Failure
	mode, err := c.mode()
	switch {
	case err != nil:
	case mode != modeSearch:
		f, err = s.direct(mode)
	default:
		if f, err = s.replaySaved(); f == nil && err == nil {
			f, err = s.exhaustive()
		}
		if f == nil && err == nil {
			f, err = s.rapidSearch()
		}
	}
	if err != nil || f == nil {
		if err == nil && mode == modeSearch {
			noRunWritten(s)
		}
		return nil, s.st, err
	}
	f.Test, f.engine = t.Name(), c.engine
	if f.Source != SourceSaved && f.PlanFile == "" {
		s.save(f)
	}
	if err := writeFailure(f); err != nil {
		t.Error(err) // the failure is still reported; the file asked for is not there
	}
	return f, s.st, nil
}

// search is one Check's state.
type search struct {
	t   *testing.T
	sc  *sim.Scenario
	cfg config
	st  *stats
	// baselines are the fault-free runs that aim plans, by seed.
	baselines map[sim.Seed]*sim.Baseline
}

// oneSeed runs seed's swarm plan, as simrun run -seed does.
func (s *search) oneSeed() (*Failure, error) {
	seed := s.cfg.simSeed
	b, err := s.baseline(seed) // as sim.DrawSwarmPlan, with Setup guarded
	if err != nil {
		return nil, err
	}
	cfg, plan := s.sc.Profile.SwarmPlanOn(seed, b, s.engine())
	tr := s.trial(seed, &cfg, plan)
	return s.settle(tr, SourceSeed)
}

// trial is one plan run (twice, when checking determinism).
type trial struct {
	seed sim.Seed
	cfg  *sim.SwarmConfig
	plan sim.Plan
	res  *sim.Result
	err  error
	div  *Divergence
}

// trial runs plan with seed; cfg, when the plan was drawn, is printed at
// the start of the trace.
func (s *search) trial(seed sim.Seed, cfg *sim.SwarmConfig, plan sim.Plan) *trial {
	tr := &trial{seed: seed, cfg: cfg, plan: plan}
	if s.cfg.onTrial != nil {
		(*s.cfg.onTrial)(seed, cfg, plan)
	}
	tr.res, tr.err = runScenario(s.t, s.sc, seed, plan, &sim.Options{Config: tr.cfg, Engine: s.cfg.engine})
	s.st.add(tr.res)
	s.logRun(tr.res)
	if tr.err == nil {
		tr.err = unregistered(s.sc, tr.res)
	}
	if tr.err != nil || !s.cfg.determinism {
		return tr
	}
	again, err := runScenario(s.t, s.sc, seed, plan, &sim.Options{Config: tr.cfg, Engine: s.cfg.engine})
	if err != nil {
		tr.err = fmt.Errorf("harness: second run of the same seed and plan: %w", err)
		return tr
	}
	tr.div = diverge(tr.res.Events, again.Events)
	return tr
}

// engine is the engine the plans run on, engine 1 when none was chosen.
func (s *search) engine() sim.Engine {
	if s.cfg.engine == "" {
		return sim.EngineTestEnv
	}
	return s.cfg.engine
}

// runOptions are the options of a run that prints no configuration.
func (s *search) runOptions() *sim.Options { return &sim.Options{Engine: s.cfg.engine} }

// conclude turns a finished trial into a failure (shrunk), an error, or
// nil when it passed.
func (s *search) conclude(tr *trial, src Source) (*Failure, error) {
	switch {
	case tr.err != nil:
		return nil, tr.err
	case tr.div != nil:
		return &Failure{Scenario: s.sc.Name, Seed: tr.seed, Config: tr.cfg, FoundSeed: tr.seed, Found: tr.plan, Plan: tr.plan,
			Result: tr.res, Plans: s.st.plans, Source: src, Divergence: tr.div, simrun: simrunCommand(s.sc)}, nil
	case !tr.res.Failed():
		return nil, nil
	}
	seed, cfg := tr.seed, tr.cfg
	plan, res, err := ShrinkWith(s.t, s.sc, seed, tr.plan, s.runOptions())
	if err != nil {
		return nil, fmt.Errorf("harness: shrinking the failing plan: %w", err)
	}
	if src != SourceSaved { // a saved plan is already as small as it gets
		seed, cfg, plan, res = s.fewer(seed, cfg, plan, res)
	}
	return &Failure{Scenario: s.sc.Name, Seed: seed, Config: cfg, FoundSeed: tr.seed, Found: tr.plan, Plan: plan,
		Result: res, Plans: s.st.plans, Source: src, simrun: simrunCommand(s.sc)}, nil
}

// runScenario is sim.Run with the scenario's Setup guarded: a Setup that
// panics, or returns a workflow function the SDK would panic on, would
// otherwise take the whole test binary down from inside the run's bubble.
func runScenario(t *testing.T, sc *sim.Scenario, seed sim.Seed, plan sim.Plan, o *sim.Options) (res *sim.Result, err error) {
	// A panic that reaches this goroutine (synctest's, when the run ends
	// with goroutines still blocked in its bubble) is a finding about this
	// seed and plan, shrunk and reported like a property failure; rapid
	// would otherwise swallow it as a failure of its own.
	defer func() {
		if p := recover(); p != nil {
			res, err = &sim.Result{Scenario: sc.Name, Seed: seed, Plan: plan, Outcome: sim.Stuck,
				Violations: []sim.Violation{{Property: RunPanicked, Message: fmt.Sprintf("the run panicked: %v", p)}}}, nil
			if o != nil {
				res.Config = o.Config
			}
		}
	}()
	var setupErr error
	g := *sc
	g.Setup = func(w *sim.World) (c sim.Case) {
		defer func() {
			if p := recover(); p != nil {
				setupErr = fmt.Errorf("scenario %s: Setup panicked: %v", sc.Name, p)
				c = sim.Case{}
			}
		}()
		c = sc.Setup(w)
		if err := checkWorkflow(c.Workflow); err != nil {
			setupErr = fmt.Errorf("scenario %s: %w", sc.Name, err)
			return sim.Case{}
		}
		return c
	}
	res, err = sim.Run(t, &g, seed, plan, o)
	if setupErr != nil {
		return nil, setupErr
	}
	return res, err
}

// unregistered reports a run that failed because Setup did not register
// an activity: a mistake in the test, not a property failure, and one
// that properties which do not look at the outcome would miss.
func unregistered(sc *sim.Scenario, r *sim.Result) error {
	if r.Err == nil {
		return nil
	}
	msg := r.Err.Error()
	for _, sdkMsg := range []string{"no activity is registered", "unable to find activityType"} {
		if i := strings.Index(msg, sdkMsg); i >= 0 {
			return fmt.Errorf("harness: scenario %s: %s: Setup must register every activity the workflow calls (w.RegisterActivity)", sc.Name, msg[i:])
		}
	}
	return nil
}

// RunPanicked is the property a Failure names when the run itself
// panicked instead of ending: for example "deadlock: main bubble
// goroutine has exited but blocked goroutines remain", when the workflow
// closed while an activity or handler still waited on the clock.
const RunPanicked = "run-ends-without-panic"

func panicked(r *sim.Result) bool {
	return r != nil && len(r.Violations) == 1 && r.Violations[0].Property == RunPanicked && r.Events == nil
}

var contextType = reflect.TypeFor[workflow.Context]()

// checkWorkflow rejects a workflow function the SDK cannot run.
func checkWorkflow(wf any) error {
	v := reflect.ValueOf(wf)
	if v.Kind() != reflect.Func {
		return nil // a registered type name, or nil (sim reports that)
	}
	if tp := v.Type(); tp.NumIn() == 0 || tp.In(0) != contextType {
		return fmt.Errorf("the workflow Setup returned, a %s, must take a workflow.Context as its first parameter", tp)
	}
	return nil
}

// stats counts what a Check ran, for its closing log line.
type stats struct {
	plans    int
	outcomes map[sim.Outcome]int
	// planned and fired count the plans' faults and those that fired;
	// small and smallRan are the small-scope list and how much of it ran.
	planned, fired int
	small          *sim.Exhaustive
	smallRan       int
}

func (st *stats) add(r *sim.Result) {
	st.plans++
	if r != nil {
		st.outcomes[r.Outcome]++
		st.planned += len(r.Plan.Faults)
		st.fired += len(r.Fired)
	}
}

func (st *stats) String() string {
	var parts []string
	for _, o := range slices.Sorted(maps.Keys(st.outcomes)) {
		parts = append(parts, fmt.Sprintf("%s %d", o, st.outcomes[o]))
	}
	return fmt.Sprintf("%d runs (%s), %s", st.plans, strings.Join(parts, ", "), st.firing())
}
