package scenarios_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// alsoBreaks lists properties a planted bug breaks besides its Breaks; the
// bug tests require each to be violated by some run too, so that no
// property goes without a run showing it can fail.
var alsoBreaks = map[string][]string{
	"entity/bug-no-handler-wait":              {"updates-finish-before-run-ends"},
	"concurrent-timers/bug-not-rearmed":       {"notified-per-firing"},
	"local-activity/bug-ignore-step-error":    {"receipt-is-whole-chain"},
	"polling-frequent/bug-sparse-heartbeat":   {"result-after-ready"},
	"polling-infrequent/bug-growing-interval": {"ready-seen-within-interval"},
	"saga/bug-keyless-charge":                 {"charged-once-when-complete"},
	"schedule/bug-drift":                      {"terminates"},
}

// engineChecked lists the harness library's properties that check what
// the engine itself does (retries, their timing, the attempts' start
// times): no workflow or activity code can make them fail, so no planted
// bug of the catalogue does. harness's TestProperties shows each failing
// on a result built by hand that breaks it.
var engineChecked = map[string]string{
	"no-attempt-after-close":    "harness TestProperties/attempt_after_close",
	"attempts-within-maximum":   "harness TestProperties/attempts_over_maximum",
	"backoff-follows-policy":    "harness TestProperties/backoff_too_short",
	"non-retryable-not-retried": "harness TestProperties/non-retryable_retried",
}

// libraryOnly lists the harness library's properties that no correct
// scenario checks but a planted bug's scenario does, each with that
// scenario: TestEveryPropertyBroken names and runs the bug for them too.
var libraryOnly = map[string]string{
	"no-activity-failed": "payout/bug-refuses-redebit",
}

// faultFreeSeeds is how many seeds the fault-free pass rate is taken over;
// a bug that needs a fault passes on at least faultFreeMin of them.
const faultFreeSeeds, faultFreeMin = 20, 18

// wantBroken is what a planted bug must be shown breaking.
func wantBroken(sc *sim.Scenario) []string {
	return append([]string{sc.Breaks}, alsoBreaks[sc.Name]...)
}

// catch runs sc on the fault-free plan of seeds 1..faultFreeSeeds, then on
// the swarm plans of seeds 1..swarmSeeds, until each of props has been
// violated (a nondeterminism bug on engine 2's fault-free plans only), and returns, per property, the first run that violated it
// ("fault-free seed N" or "seed N").
func catch(t *testing.T, sc *sim.Scenario, props []string, swarmSeeds int) map[string]string {
	t.Helper()
	seen := map[string]string{}
	note := func(r *sim.Result, how string) {
		for _, v := range r.Violations {
			if _, ok := seen[v.Property]; !ok && slices.Contains(props, v.Property) {
				seen[v.Property] = how
				t.Logf("%s: %s caught by %s: %s", sc.Name, v.Property, how, v.Message)
			}
		}
	}
	if sc.Breaks == nondeterminism {
		// Only engine 2 replays. These bugs need no fault, but a bug in a
		// new version of the code needs the deploy that puts it in place.
		for s := 1; s <= faultFreeSeeds && len(seen) < len(props); s++ {
			if sc.Deploy != nil {
				plan := deployPlan(t, sc, s)
				note(runPlan(t, sc, s, plan, &sim.Options{Engine: sim.EngineServer}), fmt.Sprintf("seed %d on engine 2 with %s", s, plan.Faults[0]))
				continue
			}
			note(runPlan(t, sc, s, sim.Plan{}, &sim.Options{Engine: sim.EngineServer}), fmt.Sprintf("fault-free seed %d on engine 2", s))
		}
		return seen
	}
	for s := 1; s <= faultFreeSeeds && len(seen) < len(props); s++ {
		note(runPlan(t, sc, s, sim.Plan{}, nil), fmt.Sprintf("fault-free seed %d", s))
	}
	for s := 1; s <= swarmSeeds && len(seen) < len(props); s++ {
		cfg, plan, err := sim.DrawSwarmPlan(t, sc, sim.Seed(s)) // what simrun run -seed draws
		if err != nil {
			t.Fatal(err)
		}
		note(runPlan(t, sc, s, plan, &sim.Options{Config: &cfg}), fmt.Sprintf("seed %d (go run ./cmd/simrun run %s -seed %d)", s, sc.Name, s))
	}
	return seen
}

func runPlan(t *testing.T, sc *sim.Scenario, s int, plan sim.Plan, o *sim.Options) *sim.Result {
	t.Helper()
	r, err := sim.Run(t, sc, sim.Seed(s), plan, o)
	if err != nil {
		t.Fatalf("%s seed %d: %v", sc.Name, s, err)
	}
	return r
}

// requireCaught fails t for each of sc's wanted properties that no run in
// catch's range violated.
func requireCaught(t *testing.T, sc *sim.Scenario, swarmSeeds int) {
	t.Helper()
	want := wantBroken(sc)
	seen := catch(t, sc, want, swarmSeeds)
	for _, p := range want {
		if _, ok := seen[p]; !ok {
			t.Errorf("no run (fault-free seeds 1..%d, swarm seeds 1..%d) violated %s for the planted bug %q", faultFreeSeeds, swarmSeeds, p, sc.Bug)
		}
	}
}

// TestBugsFaultFree lists, for each planted bug, its pass rate on the
// fault-free plan over 20 seeds and the property it must break. A bug that
// needs a fault passes on at least 18 of them; a logic bug (Logic says
// why) must break its property on some fault-free seed.
func TestBugsFaultFree(t *testing.T) {
	bugs := scenarios.Bugs()
	if len(bugs) == 0 {
		t.Fatal("the catalogue has no planted-bug variants")
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%-46s %-9s %-31s %s\n", "planted bug", "passes", "breaks", "logic")
	needFault := 0
	for _, sc := range bugs {
		pass, broke := 0, 0
		for s := 1; s <= faultFreeSeeds; s++ {
			r := runPlan(t, sc, s, sim.Plan{}, nil)
			if !r.Failed() {
				pass++
			}
			if slices.ContainsFunc(r.Violations, func(v sim.Violation) bool { return v.Property == sc.Breaks }) {
				broke++
			}
		}
		logic := "-"
		if sc.Logic != "" {
			logic = "logic: " + sc.Logic
		}
		fmt.Fprintf(&table, "%-46s %2d/%-6d %-31s %s\n", sc.Name, pass, faultFreeSeeds, sc.Breaks, logic)
		switch {
		case sc.Breaks == nondeterminism && pass != faultFreeSeeds:
			t.Errorf("%s fails on engine 1's fault-free plan, which cannot replay; TestNondeterminismBugs says why", sc.Name)
		case sc.Breaks == nondeterminism:
			// Needs engine 2's replay, not a fault.
		case sc.Logic == "" && pass < faultFreeMin:
			t.Errorf("%s passes the fault-free plan on %d of %d seeds, want at least %d (or mark it Logic with the reason)", sc.Name, pass, faultFreeSeeds, faultFreeMin)
		case sc.Logic != "" && broke == 0:
			t.Errorf("%s is marked Logic but no fault-free seed breaks %s", sc.Name, sc.Breaks)
		case sc.Logic == "":
			needFault++
		}
	}
	t.Logf("fault-free pass rates (%d planted bugs, %d need a fault):\n%s", len(bugs), needFault, table.String())
	if needFault < 15 {
		t.Errorf("%d planted bugs need a fault, want at least 15", needFault)
	}
}

// TestEveryPropertyBroken names, for every property of the catalogue's
// scenarios (the harness library's properties among them, and those of
// libraryOnly), the planted bug that makes it fail, and runs that bug
// until it does. The four
// engine-checked properties are named with the harness test that shows
// them failing instead.
func TestEveryPropertyBroken(t *testing.T) {
	// A bug that needs a fault is the better witness: it shows the
	// property catching what only a fault brings out.
	byProp := map[string]*sim.Scenario{}
	for _, sc := range scenarios.Bugs() {
		for _, p := range wantBroken(sc) {
			if prev := byProp[p]; prev == nil || (prev.Logic != "" && sc.Logic == "") {
				byProp[p] = sc
			}
		}
	}
	var lines []string
	props := catalogueProperties(t)
	for p, bug := range libraryOnly {
		if slices.Contains(props, p) {
			t.Errorf("property %s is listed in libraryOnly but a correct scenario checks it", p)
		}
		if sc := byProp[p]; sc == nil || sc.Name != bug {
			t.Errorf("property %s: libraryOnly names %s, which does not name it in Breaks", p, bug)
		}
		props = append(props, p)
	}
	slices.Sort(props)
	for _, p := range props {
		if how, ok := engineChecked[p]; ok {
			lines = append(lines, fmt.Sprintf("%-31s %s (engine-checked)", p, how))
			continue
		}
		sc := byProp[p]
		if sc == nil {
			t.Errorf("property %s: no planted bug names it in Breaks or alsoBreaks", p)
			continue
		}
		how, ok := catch(t, sc, []string{p}, 1000)[p]
		if !ok {
			t.Errorf("property %s: the planted bug %s did not break it", p, sc.Name)
			continue
		}
		lines = append(lines, fmt.Sprintf("%-31s %s (%s)", p, sc.Name, how))
	}
	t.Logf("property -> planted bug that fails it:\n%s", strings.Join(lines, "\n"))
}

// catalogueProperties returns the names of every property the correct
// scenarios check, their own and the harness library's, sorted: it runs
// each once on the fault-free plan to see the properties its Setup adds.
func catalogueProperties(t *testing.T) []string {
	t.Helper()
	names := map[string]bool{}
	for _, sc := range scenarios.Correct() {
		probe := *sc
		probe.Setup = func(w *sim.World) sim.Case {
			c := sc.Setup(w)
			for _, p := range c.Properties {
				names[p.Name] = true
			}
			return c
		}
		for _, p := range sc.Properties {
			names[p.Name] = true
		}
		runPlan(t, &probe, 1, sim.Plan{}, nil)
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
