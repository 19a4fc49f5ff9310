package harness_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

func TestExcerpt(t *testing.T) {
	var events []sim.Event
	for i := range 30 {
		e := sim.Event{T: int64(i * 1000), Kind: "timer.fire", Name: fmt.Sprint("t", i)}
		if i == 3 || i == 5 {
			e.Kind, e.Fault = "fault", i
		}
		events = append(events, e)
	}
	events = append([]sim.Event{{Kind: "plan.fault", Fault: 3}}, events...)
	got := harness.Excerpt(events, 1, 4)
	want := strings.Join([]string{
		"... (4 events)",
		"          3s  fault              name=t3 !fault=f3",
		"... (22 events)",
		"         26s  timer.fire         name=t26",
		"         27s  timer.fire         name=t27",
		"         28s  timer.fire         name=t28",
		"         29s  timer.fire         name=t29",
		"",
	}, "\n")
	if got != want {
		t.Errorf("Excerpt:\n%s\nwant:\n%s", got, want)
	}
	if short := harness.Excerpt(events[:3], 8, 12); strings.Contains(short, "...") || strings.Count(short, "\n") != 3 {
		t.Errorf("a short trace is shown whole, got:\n%s", short)
	}
}

func TestCommands(t *testing.T) {
	base := harness.Failure{Test: "TestShop/bug (x)", Scenario: "shop", FoundSeed: 3, Seed: 9, PlanFile: "testdata/temporalsim/TestShop_bug__x_/shop-3.plan"}
	run := `go test ./harness -run '^TestShop$/^bug \(x\)$'`
	tests := []struct {
		name string
		edit func(f *harness.Failure)
		want string
	}{
		{"rapid seed", func(f *harness.Failure) { f.Source, f.RapidSeed = harness.SourceSearch, 77 }, run + " -rapid.seed=77"},
		{"rapid fail file", func(f *harness.Failure) {
			f.Source, f.RapidFailFile = harness.SourceSearch, "testdata/rapid/TestShop/TestShop-1.fail"
		}, run + " -rapid.failfile=testdata/rapid/TestShop/TestShop-1.fail"},
		{"saved plan", func(f *harness.Failure) { f.Source = harness.SourceSaved }, run + "   # replays the saved plan"},
		{"one seed", func(f *harness.Failure) { f.Source = harness.SourceSeed }, run + " -sim.seed=3"},
		{"nondeterminism", func(f *harness.Failure) { f.Source, f.Divergence = harness.SourceSearch, &harness.Divergence{} },
			run + " -sim.checkdeterminism   # replays the saved plan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := base
			tt.edit(&f)
			// A hand-made failure is not of a catalogue scenario: no simrun line.
			if got := f.Commands(); len(got) != 1 || got[0] != tt.want {
				t.Errorf("Commands() = %q, want [%q]", got, tt.want)
			}
		})
	}
}

// TestReport checks a whole report from a real failure carries what a
// reader needs, in order.
func TestReport(t *testing.T) {
	t.Chdir(t.TempDir())
	f, err := harness.Find(t, shopScenario("shop", bothFailed()), harness.Checks(1000), harness.SearchSeed(1), harness.Exhaustive(false))
	if err != nil || f == nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	r := f.Report()
	order := []string{
		`scenario shop: property "reserve-and-charge-never-both-fail" failed (found by plan `,
		"both Reserve and Charge had a failed attempt",
		fmt.Sprintf("plan (seed %d, 2 faults", f.Seed),
		"  " + sim.PlanHeader,
		"  f1 ", "  f2 ",
		"swarm config: kinds=",
		"run: outcome failed", "trace sha256 " + f.Result.TraceSHA256(),
		"trace excerpt:", "!fault=f1", "wf.end",
		"reproduce:", fmt.Sprintf("-run '^TestReport$' -rapid.seed=%d", f.RapidSeed),
		"the plan is saved in " + f.PlanFile,
	}
	rest := r
	for _, want := range order {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("report lacks %q after what came before:\n%s", want, r)
		}
		rest = rest[i+len(want):]
	}
	if f.Error() != r {
		t.Errorf("Error() is not the report")
	}
}
