package cli

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// unit is one seed of one scenario.
type unit struct {
	sc   *sim.Scenario
	seed sim.Seed
	// plan and index are set for a small-scope plan (swarm -exhaustive):
	// the plan to run with seed, and its index in the scenario's list;
	// index is -1 for a seed's drawn plan.
	plan  *sim.Plan
	index int
}

// seedResult is what a swarm keeps of one unit: small, so long swarms do
// not hold every trace.
type seedResult struct {
	scenario   string
	seed       sim.Seed
	config     sim.SwarmConfig
	plan       sim.Plan
	fired      []int // ids of the plan's faults that took effect
	outcome    sim.Outcome
	errType    string
	violations []sim.Violation
	virtual    time.Duration // virtual time simulated, both runs counted
	sha        string        // the trace fingerprint
	mismatch   string        // where the second run's trace differed
	refused    string        // why the engine refused the plan
	failed     bool
	planFile   string
	index      int // the small-scope plan's index; -1 for a drawn plan
}

// swarmHooks are called from the workers as results come in, in
// completion order: for progress output and failure files, never for the
// report.
type swarmHooks struct {
	onResult  func(res *seedResult, r *sim.Result)
	onHangFor func(name string, seed sim.Seed) func(string)
	// interrupt, when closed, stops feeding seeds: the running ones
	// finish and the report covers what ran.
	interrupt <-chan struct{}
}

// swarmReport is a finished swarm, results sorted by scenario then seed.
type swarmReport struct {
	results    []seedResult
	wall       time.Duration
	failures   int
	mismatches int
	virtual    time.Duration
	// interrupted says the swarm was stopped before its range or time
	// box was done.
	interrupted bool
	// refused is the first seed's, in report order, whose plan the
	// engine refused; the swarm stops feeding seeds at the first.
	refused string
}

// runSwarm runs the units of o on o.parallel goroutines. Each goroutine is
// a subtest of t (host.Run's test outside go test), takes units from a shared
// channel, and runs each in its own bubble through sim.Run.
func runSwarm(t *testing.T, o swarmOpts, prog *progress, hooks swarmHooks) *swarmReport {
	began := time.Now()
	units := make(chan unit)
	stop, halt := stopper(hooks.interrupt)
	defer halt()
	go feed(o, units, stop)

	var mu sync.Mutex
	var results []seedResult
	var wg sync.WaitGroup
	prog.start()
	for w := range o.parallel {
		wg.Go(func() {
			t.Run(fmt.Sprintf("worker-%d", w), func(t *testing.T) {
				for u := range units {
					res, r := runUnit(t, u, o, hooks)
					if res.refused != "" {
						halt()
					}
					prog.step(res.failed)
					if hooks.onResult != nil {
						hooks.onResult(&res, r)
					}
					mu.Lock()
					results = append(results, res)
					mu.Unlock()
				}
			})
		})
	}
	wg.Wait()
	prog.finish()

	rep := &swarmReport{results: results, wall: time.Since(began)}
	select {
	case <-hooks.interrupt:
		rep.interrupted = hooks.interrupt != nil
	default:
	}
	sort.Slice(rep.results, func(i, j int) bool {
		a, b := rep.results[i], rep.results[j]
		if a.scenario != b.scenario {
			return a.scenario < b.scenario
		}
		if a.seed != b.seed {
			return a.seed < b.seed
		}
		return a.index < b.index
	})
	for _, r := range rep.results {
		if r.refused != "" && rep.refused == "" {
			rep.refused = fmt.Sprintf("seed %d: %s", r.seed, r.refused)
			if r.index >= 0 {
				rep.refused = fmt.Sprintf("small-scope plan %d, seed %d: %s", r.index, r.seed, r.refused)
			}
		}
		if r.failed {
			rep.failures++
		}
		if r.mismatch != "" {
			rep.mismatches++
		}
		rep.virtual += r.virtual
	}
	return rep
}

// stopper returns a channel that closes on halt or when interrupt does,
// whichever is first; halt may be called any number of times.
func stopper(interrupt <-chan struct{}) (stop <-chan struct{}, halt func()) {
	ch := make(chan struct{})
	var once sync.Once
	halt = func() { once.Do(func() { close(ch) }) }
	go func() {
		select {
		case <-interrupt:
			halt()
		case <-ch:
		}
	}()
	return ch, halt
}

// feed sends the units in seed order, every scenario for each seed, so a
// time-boxed swarm covers every scenario evenly; it closes units at the
// end of the range, when the time box closes, or on stop.
func feed(o swarmOpts, units chan<- unit, stop <-chan struct{}) {
	defer close(units)
	var deadline <-chan time.Time
	if o.duration > 0 {
		timer := time.NewTimer(o.duration)
		defer timer.Stop()
		deadline = timer.C
	}
	step := max(o.shard.n, 1)
	first := uint64(0)
	if o.shard.n > 1 {
		first = o.shard.i - 1
	}
	for k := first; (o.duration > 0 && o.seeds == 0) || k < o.seeds; k += step {
		seed := o.start + sim.Seed(k)
		if k+step < k || seed < o.start {
			return // past the largest seed
		}
		for _, sc := range o.scenarios {
			u, ok := o.unitAt(sc, k)
			if !ok {
				continue
			}
			select {
			case units <- u:
			case <-deadline:
				return
			case <-stop:
				return
			}
		}
	}
}

// runUnit runs one seed (twice with checkDeterminism) and keeps the
// summary; the full result is returned for the hooks.
func runUnit(t *testing.T, u unit, o swarmOpts, hooks swarmHooks) (seedResult, *sim.Result) {
	res := seedResult{scenario: u.sc.Name, seed: u.seed, index: u.index}
	opts := &sim.Options{Engine: o.engine}
	if hooks.onHangFor != nil {
		opts.OnHang = hooks.onHangFor(u.sc.Name, u.seed)
	}
	var cfg sim.SwarmConfig
	var plan sim.Plan
	var err error
	if u.plan != nil {
		plan = *u.plan
	} else {
		cfg, plan, err = sim.DrawSwarmPlanOn(t, u.sc, u.seed, o.engine)
		opts.Config = &cfg
	}
	res.config, res.plan = cfg, plan
	var r *sim.Result
	if err == nil {
		r, err = sim.Run(t, u.sc, u.seed, plan, opts)
	}
	if errors.Is(err, sim.ErrEngineLacksKind) {
		res.refused = runError(err)
		return res, nil
	}
	if err != nil {
		// A swarm plan always fits its scenario; if it does not, the
		// engine or the profile is wrong, and the seed says where.
		res.failed = true
		res.violations = []sim.Violation{{Property: "engine", Message: oneLine(err.Error())}}
		return res, nil
	}
	res.outcome, res.errType, res.violations, res.virtual = r.Outcome, r.ErrType, r.Violations, r.Elapsed
	res.sha = r.TraceSHA256()
	res.failed = r.Failed()
	res.fired = r.Fired
	if o.checkDeterminism {
		again, err := sim.Run(t, u.sc, u.seed, plan, opts)
		switch {
		case err != nil:
			res.mismatch = "second run: " + oneLine(err.Error())
		default:
			res.virtual += again.Elapsed
			res.mismatch = difference(r, again)
		}
	}
	return res, r
}

// difference says where two runs of the same seed and plan differ: the
// first trace event, or else (engine 2) the histories; "" when nowhere.
func difference(r, again *sim.Result) string {
	if i := sim.FirstDifference(r.Events, again.Events); i >= 0 {
		return fmt.Sprintf("trace event %d: first run %s; second run %s", i, eventAt(r.Events, i), eventAt(again.Events, i))
	}
	h1, err1 := r.HistorySHA256()
	h2, err2 := again.HistorySHA256()
	if err := errors.Join(err1, err2); err != nil {
		return "histories: " + oneLine(err.Error())
	}
	if h1 != h2 {
		return fmt.Sprintf("histories: sha256 %s in the first run, %s in the second (write both with simrun run -history and diff them)", h1, h2)
	}
	return ""
}

func eventAt(es []sim.Event, i int) string {
	if i < len(es) {
		return fmt.Sprintf("%+v", es[i])
	}
	return "<end of trace>"
}

// faultCounts counts the faults that took effect, by kind (a planned
// fault may never fire: its target was not called within the window).
func (rep *swarmReport) faultCounts() map[string]int {
	out := map[string]int{}
	for _, r := range rep.results {
		for _, f := range r.plan.Faults {
			if slices.Contains(r.fired, f.ID) {
				out[string(f.Kind)]++
			}
		}
	}
	return out
}
