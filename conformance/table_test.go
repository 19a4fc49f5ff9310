package conformance

import (
	"regexp"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

func regexpMatch(expr, s string) bool { return regexp.MustCompile(expr).MatchString(s) }

func TestWriteTable(t *testing.T) {
	sc := &sim.Scenario{Name: "s"}
	known := KnownDifferences[0]
	eng := &Observation{Outcome: sim.Completed, Activities: []ActivityObs{act("A", 1, "ok"), act("A", 2, "ok"), act("B", 1, "X", "ok")}}
	results := []*RowResult{
		{Row: Row{Scenario: sc, Kind: NoFaults, Why: "the fault-free run", Scale: 10}, Engine: eng},
		{Row: Row{Scenario: sc, Kind: WorkerShutdown, Why: "w", Scale: 5, Plan: sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.WorkerShutdown, At: 1e9}}}}, Engine: eng,
			Diffs: []Diff{{"activity A#1 attempt 1 result", "timeout:HEARTBEAT", "ApplicationError"}}, Explained: []*Known{known}},
		{Row: Row{Scenario: sc, Kind: ActivityError, Why: "e"}, Engine: eng,
			Diffs: []Diff{{"outcome", "completed", "failed"}}, Explained: []*Known{nil}},
		{Row: Row{Scenario: sc, Kind: HeartbeatLoss, NotApplicable: "heartbeat-loss not in the profile"}},
	}
	c := Count(results)
	if c.Rows != 4 || c.Applicable != 3 || c.Agreeing != 1 || c.Explained != 1 || c.Unexplained != 1 || c.Differences[known.ID] != 1 || c.Differences["unexplained"] != 1 {
		t.Errorf("counts %+v", c)
	}
	var b strings.Builder
	if err := WriteTable(&b, results, "a test server"); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{
		"| 4 | 3 | 1 | 1 | 1 |",
		"| s | agree | differ: **unexplained** |  | n/a |",
		"differ: [" + known.ID + "](#" + known.ID + ")",
		"### " + known.ID,
		"- Seen in: s/worker-shutdown.",
		"Not applicable: heartbeat-loss not in the profile.",
		"Plan: `f1 worker-shutdown at=1s` (w).",
		"Engine: completed; A ×2 1 attempt: ok; B 2 attempts: X, ok.",
		"The server agrees.",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the table lacks %q:\n%s", want, doc)
		}
	}
}
