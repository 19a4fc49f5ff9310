package conformance

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/temporalsim/temporalsim/sim"
)

// lastTable is what a conformance table (docs/conformance.md) recorded:
// each row's matrix cell per engine and each difference with the engine
// that showed it and the id of the entry that explained it
// ("unexplained" for none).
type lastTable struct {
	verdicts map[string]string // by cellKey
	diffs    []tableDiff
}

type tableDiff struct {
	on   sim.Engine
	row  Row
	diff Diff
	id   string
}

// cellKey names a matrix cell: a row (scenario/kind) on an engine.
func cellKey(e sim.Engine, row string) string { return row + " on engine " + engineNum(e) }

// engineOfNum is the engine a table names 1 or 2.
func engineOfNum(n string) sim.Engine {
	for _, e := range sim.Engines() {
		if engineNum(e) == n {
			return e
		}
	}
	return ""
}

// diffLine is a difference in a table's Rows section, as writeRow writes it.
var diffLine = regexp.MustCompile("^- engine ([12]) · (.+?): engine `(.*)`, server `(.*)` \\(([a-z-]+)\\)$")

// readLastTable reads and parses the table at path.
func readLastTable(path string) (*lastTable, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseTable(string(b))
}

func parseTable(doc string) (*lastTable, error) {
	lt := &lastTable{verdicts: map[string]string{}}
	lines := strings.Split(section(doc, "Matrix"), "\n")
	var kinds []string
	for _, l := range lines {
		cells := tableCells(l)
		switch {
		case len(cells) < 2 || strings.HasPrefix(cells[0], "---"):
		case cells[0] == "scenario":
			kinds = cells[2:]
		default:
			for i, c := range cells[2:] {
				if i < len(kinds) && c != "" {
					lt.verdicts[cellKey(engineOfNum(cells[1]), cells[0]+"/"+kinds[i])] = c
				}
			}
		}
	}
	if len(lt.verdicts) == 0 {
		return nil, fmt.Errorf("the table has no matrix")
	}
	var cur Row
	for _, l := range strings.Split(section(doc, "Rows"), "\n") {
		if name, ok := strings.CutPrefix(l, "### "); ok {
			sc, kind, _ := strings.Cut(name, "/")
			cur = Row{Scenario: &sim.Scenario{Name: sc}, Kind: PlanKind(kind)}
			continue
		}
		if m := diffLine.FindStringSubmatch(l); m != nil && cur.Scenario != nil {
			lt.diffs = append(lt.diffs, tableDiff{on: engineOfNum(m[1]), row: cur, diff: Diff{Field: m[2], Engine: noneIsEmpty(m[3]), Server: noneIsEmpty(m[4])}, id: m[5]})
		}
	}
	return lt, nil
}

func tableCells(line string) []string {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "|") {
		return nil
	}
	cells := strings.Split(strings.Trim(line, "|"), "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

func noneIsEmpty(s string) string {
	if s == "(none)" {
		return ""
	}
	return s
}

// section is the text of a table's section "## name", up to the next.
func section(doc, name string) string {
	_, rest, ok := strings.Cut(doc, "\n## "+name+"\n")
	if !ok {
		return ""
	}
	s, _, _ := strings.Cut(rest, "\n## ")
	return s
}

// timingPart is the timing-dependent part of a matrix cell.
var timingPart = regexp.MustCompile(regexp.QuoteMeta(timingMark) + `[^|]*`)

// stableSections are the sections of a table that a fresh run must
// reproduce.
var stableSections = []string{"Counts", "Matrix", "History shapes"}

// staleSections compares the sections of the last table that a fresh run
// must reproduce (the counts, the matrix without the timing-dependent part
// of its cells, the history shapes) and returns their differences as a cmp
// diff (-last +fresh), "" when there are none.
func staleSections(last, fresh string) string {
	var out strings.Builder
	for _, name := range stableSections {
		a, b := section(last, name), section(fresh, name)
		a, b = timingPart.ReplaceAllString(a, " "), timingPart.ReplaceAllString(b, " ")
		if a == "" || a != b {
			fmt.Fprintf(&out, "%s section (-table +this run):\n%s", name, cmp.Diff(strings.Split(a, "\n"), strings.Split(b, "\n")))
		}
	}
	return out.String()
}

// checkKnown lists what is wrong between list and the last table, engine
// by engine: a difference the table says one entry explains and list says
// another does, an emulated entry whose patterns match a difference, a
// live entry that explains no difference of an engine that ran a row it
// applies to.
func checkKnown(lt *lastTable, list []*Known) []string {
	var problems []string
	used := map[string]bool{} // cellKey(engine, entry id)
	for _, td := range lt.diffs {
		var got *Known
		where := td.row.Name() + " on engine " + engineNum(td.on)
		for _, k := range list {
			switch {
			case k.Emulated && k.patternMatches(td.on, td.row, td.diff):
				problems = append(problems, fmt.Sprintf("%s: emulated entry %s matches %s: the engine no longer emulates it", where, k.ID, td.diff))
			case !k.Emulated && got == nil && k.patternMatches(td.on, td.row, td.diff):
				got = k
			}
		}
		used[cellKey(td.on, knownID(got))] = true
		if knownID(got) != td.id {
			problems = append(problems, fmt.Sprintf("%s: %s is explained by %s in the table, by %s in the known differences",
				where, td.diff, td.id, knownID(got)))
		}
	}
	for _, k := range list {
		for _, e := range sim.Engines() {
			if !k.Emulated && !used[cellKey(e, k.ID)] && lt.ranAny(e, k) {
				problems = append(problems, fmt.Sprintf("live entry %s explains no row of engine %s in the last table", k.ID, engineNum(e)))
			}
		}
	}
	return problems
}

// ranAny reports whether engine e ran, in the table, a row that k applies
// to: an entry can only be held to explaining something where it could.
func (lt *lastTable) ranAny(e sim.Engine, k *Known) bool {
	for key, cell := range lt.verdicts {
		name, ok := strings.CutSuffix(key, " on engine "+engineNum(e))
		if !ok || cell == "n/a" || strings.HasPrefix(cell, "not run") {
			continue
		}
		sc, kind, _ := strings.Cut(name, "/")
		if k.applies(e, Row{Scenario: &sim.Scenario{Name: sc}, Kind: PlanKind(kind)}) {
			return true
		}
	}
	return false
}

// TestKnownAgainstLastTable holds the known differences to the last table
// (docs/conformance.md): each of its differences is explained by the same
// entry, no emulated entry matches one, and every live entry explains one.
// A stale table fails it too: regenerate it with -update.
func TestKnownAgainstLastTable(t *testing.T) {
	lt, err := readLastTable(tablePath)
	if err != nil {
		t.Fatalf("%s: %v", tablePath, err)
	}
	if len(lt.diffs) == 0 {
		t.Fatalf("%s lists no difference; the test would check nothing", tablePath)
	}
	for _, p := range checkKnown(lt, KnownDifferences) {
		t.Error(p)
	}
}

func TestCheckKnownFinds(t *testing.T) {
	doc := "# t\n\n## Matrix\n\n| scenario | engine | no-faults |\n| --- | --- | --- |\n| s | 1 | differ: [a](#a) |\n| s | 2 | not run: x |\n\n## Rows\n\n### s/no-faults\n\n" +
		"- engine 1 · calls X: engine `1`, server `2` (a)\n- engine 1 · timers fired: engine `1`, server `(none)` (unexplained)\n"
	lt, err := parseTable(doc)
	if err != nil {
		t.Fatal(err)
	}
	if lt.verdicts[cellKey(sim.EngineTestEnv, "s/no-faults")] != "differ: [a](#a)" || lt.verdicts[cellKey(sim.EngineServer, "s/no-faults")] != "not run: x" ||
		len(lt.diffs) != 2 || lt.diffs[1].diff.Server != "" || lt.diffs[0].on != sim.EngineTestEnv {
		t.Fatalf("parsed %+v", lt)
	}
	calls := Pattern{Field: `calls X`, Engine: `1`, Server: `2`}
	for _, tc := range []struct {
		name string
		list []*Known
		want int
	}{
		{"as recorded", []*Known{{ID: "a", Match: []Pattern{calls}}}, 0},
		{"another entry explains it", []*Known{{ID: "b", Match: []Pattern{calls}}}, 1},
		{"an emulated entry matches", []*Known{{ID: "a", Match: []Pattern{calls}}, {ID: "e", Emulated: true, Match: []Pattern{calls}}}, 1},
		{"a live entry explains nothing", []*Known{{ID: "a", Match: []Pattern{calls}}, {ID: "c", Match: []Pattern{{Field: "outcome", Engine: ".+", Server: ".+"}}}}, 1},
		{"an entry explains the unexplained", []*Known{{ID: "a", Match: []Pattern{calls, {Field: `timers fired`, Engine: `1`, Server: ``}}}}, 1},
		{"an entry for engine 2 alone", []*Known{{ID: "a", Engines: []sim.Engine{sim.EngineServer}, Match: []Pattern{calls}}}, 1},
		// Engine 2 ran no row, so an entry of both engines explains none of its rows and that is no problem.
		{"an entry of both engines", []*Known{{ID: "a", Engines: sim.Engines(), Match: []Pattern{calls}}}, 0},
	} {
		if got := checkKnown(lt, tc.list); len(got) != tc.want {
			t.Errorf("%s: problems %q, want %d", tc.name, got, tc.want)
		}
	}
}

func TestStaleSections(t *testing.T) {
	doc := func(counts, matrix, rows string) string {
		return "# t\n\n## Counts\n\n" + counts + "\n\n## Matrix\n\n" + matrix + "\n\n## History shapes\n\n| s | same |\n\n## Rows\n\n" + rows + "\n"
	}
	last := doc("| 3 | 2 |", "| s | agree |", "a row")
	if d := staleSections(last, doc("| 3 | 2 |", "| s | agree |", "another speed-up")); d != "" {
		t.Errorf("only the rows changed: %s", d)
	}
	if d := staleSections(last, doc("| 3 | 2 |", "| s | agree"+timingMark+"[x](#x), [y](#y) |", "a row")); d != "" {
		t.Errorf("only a timing-dependent difference changed: %s", d)
	}
	for name, fresh := range map[string]string{
		"Counts": doc("| 3 | 1 |", "| s | agree |", "a row"),
		"Matrix": doc("| 3 | 2 |", "| s | differ"+timingMark+"[x](#x) |", "a row"),
	} {
		d := staleSections(last, fresh)
		if !strings.Contains(d, name+" section") || !strings.Contains(d, "+") {
			t.Errorf("changed %s: diff %q", name, d)
		}
	}
	if d := staleSections("no sections", last); d == "" {
		t.Error("a table without sections is not stale")
	}
}

func TestUnsettled(t *testing.T) {
	sc := &sim.Scenario{Name: "s"}
	last := &lastTable{verdicts: map[string]string{cellKey(sim.EngineTestEnv, "s/no-faults"): "agree", cellKey(sim.EngineTestEnv, "s/cancellation"): "agree †",
		cellKey(sim.EngineServer, "s/cancellation"): "not run: workflow-cancel"}}
	agree := &RowResult{Row: Row{Scenario: sc, Kind: NoFaults}, On: sim.EngineTestEnv}
	differ := &RowResult{Row: Row{Scenario: sc, Kind: NoFaults}, Diffs: []Diff{{"outcome", "completed", "failed"}}, Explained: []*Known{nil}}
	broke := &RowResult{Row: Row{Scenario: sc, Kind: NoFaults}, ServerViolations: []sim.Violation{{Property: "p"}}}
	outside := &RowResult{Row: Row{Scenario: sc, Kind: Cancellation, OutsideProfile: true}, ServerViolations: []sim.Violation{{Property: "p"}}}
	newRow := &RowResult{Row: Row{Scenario: sc, Kind: WorkerShutdown}}
	for _, tc := range []struct {
		name string
		r    *RowResult
		err  error
		last *lastTable
		want bool
	}{
		{"as the table says", agree, nil, last, false},
		{"a row the table lacks", newRow, nil, last, false},
		{"the run failed", agree, fmt.Errorf("no server"), last, true},
		{"unexplained", differ, nil, nil, true},
		{"a property broken", broke, nil, nil, true},
		{"outside the profile, properties compared", outside, nil, last, false},
		{"not the table's cell", &RowResult{Row: Row{Scenario: sc, Kind: Cancellation}, On: sim.EngineTestEnv}, nil, last, true},
		{"engine 2 runs what it did not", &RowResult{Row: Row{Scenario: sc, Kind: Cancellation}, On: sim.EngineServer}, nil, last, true},
		{"engine 2 still does not run it", &RowResult{Row: Row{Scenario: sc, Kind: Cancellation}, On: sim.EngineServer, NotRun: "workflow-cancel"}, nil, last, false},
		{"a history shape differs", &RowResult{Row: Row{Scenario: sc, Kind: NoFaults}, On: sim.EngineServer, Engine: &Observation{},
			EngineShapes: []HistoryShape{{Events: []string{"A"}}}, ServerShapes: []HistoryShape{{Events: []string{"B"}}}}, nil, nil, true},
		{"a timing-dependent difference only", &RowResult{Row: Row{Scenario: sc, Kind: NoFaults}, Diffs: []Diff{{"timers fired", "2", "1"}},
			Explained: []*Known{{ID: "t", Timing: true}}}, nil, last, false},
	} {
		if got := unsettled(tc.r, tc.err, tc.last); got != tc.want {
			t.Errorf("%s: unsettled = %v, want %v", tc.name, got, tc.want)
		}
	}
	if r := slower(Row{Scenario: sc, Scale: 90}); r.Scale != 30 {
		t.Errorf("slower speed-up %g, want 30", r.Scale)
	}
	if r := slower(Row{Scenario: sc, Scale: 1.5}); r.Scale != 0.5 {
		t.Errorf("slower speed-up %g, want 0.5: a row at real time reruns slower than real time", r.Scale)
	}
	// The second run reruns the failed row a third as fast, and the third
	// run the row the second left unsettled a third as fast again; a
	// settled row and a row not run are left alone both times.
	rows := []Row{{Scenario: sc, Scale: 9}, {Scenario: sc, Scale: 9}, {Scenario: sc, Scale: 9, NotApplicable: "no"}}
	out := [][]*RowResult{nil, {{Row: rows[1]}}, nil}
	errs := []error{fmt.Errorf("no server"), nil, nil}
	second := rerun(rows, out, errs, nil)
	if second[0].NotApplicable != "" || second[0].Scale != 3 || second[1].NotApplicable == "" || second[2].NotApplicable == "" {
		t.Errorf("second run's rows: %+v", second)
	}
	third := rerun(second, out, errs, nil)
	if third[0].NotApplicable != "" || third[0].Scale != 1 || third[1].NotApplicable == "" || third[2].NotApplicable == "" {
		t.Errorf("third run's rows: %+v", third)
	}
	errs[0] = nil
	out[0] = []*RowResult{{Row: second[0]}}
	if r := rerun(second, out, errs, nil); r[0].NotApplicable == "" {
		t.Errorf("a row the second run settled runs a third time: %+v", r[0])
	}
}
