package harness

import (
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/temporalsim/temporalsim/sim"
)

// rapidSearch lets rapid draw plans and seeds until a property fails or
// the checks run out. Rapid shrinks a failure by replaying smaller draws;
// the last plan it runs is the smallest it found, which Shrink then
// reduces further so the result matches simrun shrink.
func (s *search) rapidSearch() (*Failure, error) {
	var last, halt *trial
	firstFail := 0
	pr := s.sc.Profile.ForEngine(s.engine()) // no kind the engine would refuse
	prop := func(rt *rapid.T) {
		if halt != nil {
			return // a run error or nondeterminism ends the search
		}
		seed := sim.Seed(rapid.Uint64().Draw(rt, "seed"))
		b, err := s.baseline(seed)
		if err != nil {
			halt = &trial{seed: seed, err: err}
			return
		}
		cfg := Swarm(pr).Draw(rt, "config")
		plan := PlansFrom(pr, cfg, b).Draw(rt, "plan")
		last = s.trial(seed, &cfg, plan)
		if last.err != nil || last.div != nil {
			if firstFail == 0 { // while shrinking, it is just not the failure
				halt = last
			}
			return
		}
		if !last.res.Failed() {
			return
		}
		if firstFail == 0 {
			firstFail = s.st.plans
		}
		// One call site for property failures, another for panics: rapid
		// takes a smaller case only when it fails at the same place.
		if panicked(last.res) {
			rt.Fatalf("%s", last.res.Violations[0])
		}
		rt.Fatalf("%s", last.res.Violations[0])
	}
	tb := &rapidTB{t: s.t}
	c := s.cfg
	if c.checks -= s.st.plans; c.checks <= 0 {
		return nil, nil // the small-scope phase took the whole budget
	}
	if err := runRapid(tb, c, prop); err != nil {
		return nil, err
	}
	if s.cfg.planDir == "" {
		tb.removeNewFailFile()
	}
	if halt != nil {
		last = halt
	}
	if halt == nil && !tb.failed {
		return nil, nil
	}
	if halt == nil && (last == nil || last.res == nil || !last.res.Failed()) {
		return nil, fmt.Errorf("harness: rapid stopped without a reproducible failure (is the scenario deterministic? try -sim.checkdeterminism):\n%s", strings.Join(tb.msgs, "\n"))
	}
	f, err := s.conclude(last, SourceSearch)
	if f != nil {
		if firstFail > 0 {
			f.Plans = firstFail
		}
		f.RapidSeed, f.RapidFailFile = tb.reproduction()
	}
	return f, err
}

// rapidTB stands between rapid and the test: rapid's failure goes into
// the harness's report instead of failing the test directly, and its
// per-draw logging is kept out of the output unless -rapid.v asks for it.
type rapidTB struct {
	t      *testing.T
	failed bool
	msgs   []string
}

func (r *rapidTB) Helper()      { r.t.Helper() }
func (r *rapidTB) Name() string { return r.t.Name() }
func (r *rapidTB) Log(args ...any) {
	r.Logf("%s", fmt.Sprint(args...))
}

func (r *rapidTB) Logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if rapidVerbose() || strings.HasPrefix(msg, rapidIgnoringPrefix) {
		r.t.Log(msg)
	}
}

func (r *rapidTB) Errorf(format string, args ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *rapidTB) Error(args ...any)                 { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *rapidTB) Fatalf(format string, args ...any) { r.Errorf(format, args...) }
func (r *rapidTB) Fatal(args ...any)                 { r.Error(args...) }
func (r *rapidTB) Fail()                             { r.failed = true }
func (r *rapidTB) FailNow()                          { r.failed = true } // rapid calls it last; Check reports
func (r *rapidTB) Failed() bool                      { return r.failed }
func (r *rapidTB) Skipf(format string, args ...any)  { r.Errorf("rapid skipped: "+format, args...) }
func (r *rapidTB) Skip(args ...any)                  { r.Error(args...) }
func (r *rapidTB) SkipNow()                          { r.Error("rapid skipped the check") }
