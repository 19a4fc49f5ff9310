package harness

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
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
	pr := s.sc.Profile
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
	runRapid(tb, c, prop)
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

// rapidFlagsMu serialises Checks while they set rapid's flags: rapid
// reads -rapid.checks and -rapid.seed once, when its Check starts (before
// the first property call), so the flags are restored as soon as the
// property first runs.
var rapidFlagsMu sync.Mutex

// rapidSeedGiven reports whether the user chose rapid's seed, on the
// command line or in RAPID_SEED; SearchSeed does not override that.
var rapidSeedGiven = sync.OnceValue(func() bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.seed" })
	_, env := envLookup("RAPID_SEED")
	return given || env
})

// runRapid runs rapid.Check with -rapid.checks (and -rapid.seed, for a
// SearchSeed) set for this Check.
func runRapid(tb *rapidTB, c config, prop func(*rapid.T)) {
	checks := c.checks
	if testing.Short() {
		checks *= 5 // rapid divides by 5 under -short; Checks already did
	}
	set := map[string]string{"rapid.checks": strconv.Itoa(checks)}
	if c.searchSeed != 0 && !rapidSeedGiven() {
		set["rapid.seed"] = strconv.FormatUint(c.searchSeed, 10)
	}
	rapidFlagsMu.Lock()
	old := map[string]string{}
	for name, v := range set {
		if f := flag.Lookup(name); f != nil {
			old[name] = f.Value.String()
			_ = f.Value.Set(v) // rapid's own flags: an int and a uint64
		}
	}
	release := sync.OnceFunc(func() {
		for name, v := range old {
			_ = flag.Lookup(name).Value.Set(v)
		}
		rapidFlagsMu.Unlock()
	})
	defer release()
	rapid.Check(tb, func(rt *rapid.T) {
		release()
		prop(rt)
	})
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
	if rapidVerbose() || strings.HasPrefix(msg, "[rapid] ignoring") {
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

var (
	rapidSeedRE     = regexp.MustCompile(`-rapid\.seed=(\d+)`)
	rapidFailFileRE = regexp.MustCompile(`-rapid\.failfile=("(?:[^"\\]|\\.)*")`)
)

// reproduction reads rapid's seed and fail file out of its failure
// message ("To reproduce, specify -run=... -rapid.failfile=... (or
// -rapid.seed=N)"); rapid exposes them no other way.
func (r *rapidTB) reproduction() (seed uint64, failfile string) {
	for _, m := range r.msgs {
		if sm := rapidSeedRE.FindStringSubmatch(m); sm != nil {
			seed, _ = strconv.ParseUint(sm[1], 10, 64)
		}
		if fm := rapidFailFileRE.FindStringSubmatch(m); fm != nil {
			failfile, _ = strconv.Unquote(fm[1])
		}
	}
	return seed, failfile
}

// removeNewFailFile deletes the fail file rapid wrote for this failure,
// and the directories it made for it, for a Check told to save nothing
// (PlanDir("")). A fail file rapid replayed is the user's and stays: rapid
// names a seed only for a failure it found, and wrote, itself.
func (r *rapidTB) removeNewFailFile() {
	seed, path := r.reproduction()
	if seed == 0 || path == "" || os.Remove(path) != nil {
		return
	}
	for dir := filepath.Dir(path); dir != "." && filepath.Base(dir) != ".."; dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty: something else is there
			return
		}
		if filepath.Base(dir) == "testdata" {
			return
		}
	}
}

func rapidVerbose() bool {
	f := flag.Lookup("rapid.v")
	return f != nil && f.Value.String() == "true"
}
