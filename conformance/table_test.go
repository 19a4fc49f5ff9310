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
		{Row: Row{Scenario: sc, Kind: NoFaults, Why: "the fault-free run", Scale: 10}, On: sim.EngineServer, Engine: eng,
			EngineShapes: []HistoryShape{{Type: "W", Events: []string{"WorkflowExecutionStarted", "WorkflowTaskScheduled"}}},
			ServerShapes: []HistoryShape{{Type: "W", Events: []string{"WorkflowExecutionStarted", "TimerStarted"}}}},
		{Row: Row{Scenario: sc, Kind: WorkerShutdown, Why: "w", Scale: 5, Plan: sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.WorkerShutdown, At: 1e9}}}}, Engine: eng,
			Diffs: []Diff{{"activity A#1 attempt 1 result", "timeout:HEARTBEAT", "ApplicationError"}}, Explained: []*Known{known}},
		{Row: Row{Scenario: sc, Kind: WorkerShutdown, Why: "w", Scale: 5}, On: sim.EngineServer, NotRun: sim.WorkerShutdown},
		{Row: Row{Scenario: sc, Kind: ActivityError, Why: "e"}, Engine: eng,
			Diffs: []Diff{{"outcome", "completed", "failed"}}, Explained: []*Known{nil}},
		{Row: Row{Scenario: sc, Kind: ActivityError, Why: "e"}, On: sim.EngineServer, Engine: eng},
		{Row: Row{Scenario: sc, Kind: HeartbeatLoss, NotApplicable: "heartbeat-loss not in the profile"}},
		{Row: Row{Scenario: sc, Kind: HeartbeatLoss, NotApplicable: "heartbeat-loss not in the profile"}, On: sim.EngineServer},
	}
	for i := range results {
		if results[i].On == "" {
			results[i].On = sim.EngineTestEnv
		}
	}
	c := Count(results, sim.EngineTestEnv)
	if c.Rows != 4 || c.Applicable != 3 || c.NotRun != 0 || c.Agreeing != 1 || c.Explained != 1 || c.Unexplained != 1 || c.Differences[known.ID] != 1 || c.Differences["unexplained"] != 1 {
		t.Errorf("engine 1 counts %+v", c)
	}
	// A row engine 2 did not run counts apart, never as agreement.
	if c := Count(results, sim.EngineServer); c.Rows != 4 || c.Applicable != 2 || c.NotRun != 1 || c.Agreeing != 2 || c.RequiredNotRun != 1 {
		t.Errorf("engine 2 counts %+v", c)
	}
	var b strings.Builder
	if err := WriteTable(&b, results, "a test server"); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	for _, want := range []string{
		"| 1 | 4 | 3 | 0 | 1 | 1 | 1 |",
		"| 2 | 4 | 2 | 1 | 2 | 0 | 0 |",
		"| s | 1 | agree | differ: **unexplained** |  | n/a |",
		"| s | 2 | agree | agree |  | n/a |",
		"differ: [" + known.ID + "](#" + known.ID + ")",
		"not run: worker-shutdown",
		"### " + known.ID,
		"- Seen in: s/worker-shutdown (engine 1).",
		"Not applicable: heartbeat-loss not in the profile.",
		"Plan: `f1 worker-shutdown at=1s` (w).",
		"Engine 1: completed; A ×2 1 attempt: ok; B 2 attempts: X, ok. The server agrees.",
		"Engine 2: not run (it does not carry out worker-shutdown yet).",
		"- engine 1 · outcome: engine `completed`, server `failed` (unexplained)",
		"| s | 1 | 2 | **differ**, first at event 2 of 2 (engine 2) and 2 (server): engine 2 `1 W: WorkflowTaskScheduled`, server `1 W: TimerStarted` |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the table lacks %q:\n%s", want, doc)
		}
	}
	lt, err := parseTable(doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := lt.verdicts[cellKey(sim.EngineServer, "s/worker-shutdown")]; got != "not run: worker-shutdown" {
		t.Errorf("the parsed table's engine-2 cell of s/worker-shutdown is %q", got)
	}
}
