package harness

import (
	"fmt"
	"slices"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

// Source says how a failure was found.
type Source string

// The ways Check finds a failure.
const (
	SourceSearch Source = "search"     // a plan rapid generated
	SourceSaved  Source = "saved plan" // a plan file an earlier failure saved
	SourceSeed   Source = "seed"       // the swarm plan of -sim.seed
)

// Failure is a property failure Check found, shrunk, with what it takes
// to reproduce it.
type Failure struct {
	Test     string // the test that found it
	Scenario string
	Seed     sim.Seed
	// Config is the swarm configuration the plan was drawn under.
	Config *sim.SwarmConfig
	// Found is the failing plan as found, with FoundSeed. Plan is the
	// shrunk one, run with Seed (another seed when a plan with fewer
	// faults was found under it), and Result its run, whose Violations
	// say what failed.
	FoundSeed sim.Seed
	Found     sim.Plan
	Plan      sim.Plan
	Result    *sim.Result
	// Plans is how many plans ran up to the first failure.
	Plans int
	// Index is, for a failure the small-scope phase found, its plan's
	// index (0-based) in sim.Exhaustive order; -1 for the fault-free
	// baseline run.
	Index  int
	Source Source
	// RapidSeed and RapidFailFile reproduce a search failure under go
	// test (-rapid.seed, -rapid.failfile); zero when rapid did not say.
	RapidSeed     uint64
	RapidFailFile string
	// PlanFile is where the shrunk plan was saved, relative to the test's
	// package; empty when saving is off or failed.
	PlanFile string
	// Divergence is set when the failure is two runs of the same seed and
	// plan producing different traces (see CheckDeterminism).
	Divergence *Divergence

	simrun string     // how to invoke simrun, for catalogue scenarios
	engine sim.Engine // the engine the plans ran on
}

// Divergence is the first difference between two traces of the same run.
type Divergence struct {
	Index int        // index of the first differing event
	A, B  *sim.Event // the events there; nil where a trace ended
	// Diff is a cmp.Diff (-run 1 +run 2) of the events from Index on.
	Diff string
}

func diverge(a, b []sim.Event) *Divergence {
	i := sim.FirstDifference(a, b)
	if i < 0 {
		return nil
	}
	d := &Divergence{Index: i, Diff: eventDiff(a, b, i)}
	if i < len(a) {
		d.A = &a[i]
	}
	if i < len(b) {
		d.B = &b[i]
	}
	return d
}

// Error makes a Failure an error: its report.
func (f *Failure) Error() string { return f.Report() }

// Report is the failure as a test prints it: what failed, the shrunk plan
// in its text form, a trace excerpt, and the commands that reproduce it.
func (f *Failure) Report() string {
	var b strings.Builder
	f.writeWhat(&b)
	f.writePlan(&b)
	if r := f.Result; r != nil {
		fmt.Fprintf(&b, "\nrun: outcome %s", r.Outcome)
		if r.Err != nil {
			fmt.Fprintf(&b, " (%s: %v)", r.ErrType, r.Err)
		}
		fmt.Fprintf(&b, " at %s virtual, trace sha256 %s\n", r.Elapsed, r.TraceSHA256())
		if d := f.Divergence; d != nil {
			fmt.Fprintf(&b, "trace of run 1 around event %d:\n", d.Index)
			b.WriteString(indent(excerptAround(r.Events, d.Index, 6, 3)))
		} else if len(r.Events) == 0 {
			b.WriteString("no trace: the run did not end\n")
		} else {
			b.WriteString("trace excerpt:\n")
			b.WriteString(indent(Excerpt(r.Events, 8, 12)))
		}
	}
	b.WriteString("\nreproduce:\n")
	for _, c := range f.Commands() {
		fmt.Fprintf(&b, "  %s\n", c)
	}
	if f.PlanFile != "" {
		fmt.Fprintf(&b, "the plan is saved in %s; go test replays it before generating new plans until you delete it\n", f.PlanFile)
	}
	return b.String()
}

func (f *Failure) writePlan(b *strings.Builder) {
	fmt.Fprintf(b, "\nplan (seed %d, %s", f.Seed, plural(len(f.Plan.Faults), "fault"))
	if len(f.Found.Faults) != len(f.Plan.Faults) {
		fmt.Fprintf(b, ", shrunk from %d", len(f.Found.Faults))
	}
	b.WriteString("):\n")
	b.WriteString(indent(f.Plan.String()))
	if len(f.Plan.Faults) == 0 {
		b.WriteString("  (no faults: the seed alone fails)\n")
	}
	if f.Config != nil {
		fmt.Fprintf(b, "swarm config: %s\n", f.Config)
	}
}

func (f *Failure) writeWhat(b *strings.Builder) {
	how := map[Source]string{SourceSearch: fmt.Sprintf("plan %d of the search", f.Plans), SourceSaved: "a saved plan", SourceSeed: "the seed's swarm plan",
		SourcePlan: "the plan file", SourceSwarm: fmt.Sprintf("seed %d of the swarm", f.FoundSeed),
		SourceExhaustive: fmt.Sprintf("small-scope plan %d, run %d of the check", f.Index, f.Plans)}[f.Source]
	if f.Source == SourceExhaustive && f.Index < 0 {
		how = "the fault-free baseline run"
	}
	if d := f.Divergence; d != nil {
		fmt.Fprintf(b, "scenario %s is not deterministic: two runs of the same seed and plan (%s) differ at trace event %d:\n  run 1: %s\n  run 2: %s\n",
			f.Scenario, how, d.Index, eventOrEnd(d.A), eventOrEnd(d.B))
		b.WriteString("  the events from there on (-run 1 +run 2):\n" + indent(indent(d.Diff)))
		b.WriteString(divergenceAdvice(d))
		return
	}
	vs := f.Result.Violations
	fmt.Fprintf(b, "scenario %s: property %q failed (found by %s)\n  %s\n", f.Scenario, vs[0].Property, how, vs[0].Message)
	for _, v := range vs[1:] {
		fmt.Fprintf(b, "also failed: %s\n", v)
	}
}

func eventOrEnd(e *sim.Event) string {
	if e == nil {
		return "(trace ended)"
	}
	return strings.TrimSpace(e.String())
}

// Commands are the lines that reproduce the failure: go test (with an
// anchored -run and rapid's seed or fail file, or -sim.seed; a saved plan
// needs neither, as go test replays it first), then go test on the plan
// file with -sim.seed and -sim.plan, which reruns the reported run
// without a search (add -sim.trace or -sim.html to it), and, for
// catalogue scenarios, simrun run on the saved plan. All run from the
// module root.
func (f *Failure) Commands() []string {
	pkg, root, _ := packageDir()
	test := "go test"
	if pkg != "" {
		test += " " + pkg
	}
	test += " -run " + shellQuote(anchoredRun(f.Test)) + engineArg(f.engine)
	if f.Divergence != nil {
		test += " -sim.checkdeterminism"
	}
	var out []string
	switch {
	case f.Source == SourceSeed || f.Source == SourceSwarm:
		out = append(out, fmt.Sprintf("%s -sim.seed=%d%s", test, f.FoundSeed, f.shrinkFlag()))
	case f.Source == SourcePlan:
		out = append(out, f.planFileCommand(test))
	case f.Source == SourceSaved || (f.Divergence != nil && f.PlanFile != ""):
		out = append(out, test+"   # replays the saved plan")
	case f.Source == SourceExhaustive:
		out = append(out, test) // the small-scope phase runs the same plans in the same order
	case f.RapidSeed != 0:
		out = append(out, fmt.Sprintf("%s -rapid.seed=%d", test, f.RapidSeed))
	case f.RapidFailFile != "":
		out = append(out, fmt.Sprintf("%s -rapid.failfile=%s", test, shellQuote(f.RapidFailFile)))
	default:
		out = append(out, test)
	}
	if pc := f.planCommand(); pc != "" && pc != out[0] {
		out = append(out, pc)
	}
	if f.simrun != "" && f.PlanFile != "" {
		out = append(out, fmt.Sprintf("%s run %s -seed %d -plan %s%s", f.simrun, f.Scenario, f.Seed, shellQuote(fromRoot(root, f.PlanFile)), simrunEngineArg(f.engine)))
	}
	return out
}

// anchoredRun turns a test name into a -run pattern matching it alone,
// one anchored element per subtest level.
func anchoredRun(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexpQuote(p) + "$"
	}
	return strings.Join(parts, "/")
}

// Excerpt renders the part of a trace a reader needs first: the first
// head events that faults caused, and the last tail events, in trace
// order, with "..." where events were left out.
func Excerpt(events []sim.Event, head, tail int) string {
	var keep []int
	for i, e := range events {
		if e.Fault != 0 && e.Kind != "plan.fault" && len(keep) < head {
			keep = append(keep, i)
		}
	}
	for i := max(0, len(events)-tail); i < len(events); i++ {
		keep = append(keep, i)
	}
	slices.Sort(keep)
	keep = slices.Compact(keep)
	var b strings.Builder
	prev := -1
	for _, i := range keep {
		if i != prev+1 {
			fmt.Fprintf(&b, "... (%d events)\n", i-prev-1)
		}
		b.WriteString(strings.TrimRight(events[i].String(), " "))
		b.WriteByte('\n')
		prev = i
	}
	return b.String()
}

// excerptAround renders events i-before through i+after.
func excerptAround(events []sim.Event, i, before, after int) string {
	var b strings.Builder
	lo, hi := max(0, i-before), min(len(events), i+after+1)
	if lo > 0 {
		fmt.Fprintf(&b, "... (%d events)\n", lo)
	}
	for k := lo; k < hi; k++ {
		mark := "  "
		if k == i {
			mark = "> "
		}
		b.WriteString(mark + strings.TrimRight(events[k].String(), " ") + "\n")
	}
	return b.String()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func indent(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line != "" {
			b.WriteString("  " + line)
		}
	}
	return b.String()
}
