package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// checkShapes fails t when a fault-free row's history shapes on engine 2
// differ from the server's and shapeExceptions does not list the
// scenario, or when a listed scenario's shapes agree.
func checkShapes(t *testing.T, r *RowResult) {
	if !shapesCompared(r) {
		return
	}
	reason, listed := shapeExceptions[r.Scenario.Name]
	first := firstShapeDifference(r.EngineShapes, r.ServerShapes)
	switch {
	case first != "" && !listed:
		t.Errorf("engine 2's fault-free histories differ from the server's in their event types, first at %s "+
			"(-engine 2 +server, with the workflow task splits that latency decides merged):\n%s",
			first, shapeDiff(r.EngineShapes, r.ServerShapes))
	case first == "" && listed:
		t.Errorf("shapeExceptions lists %s (%s), but engine 2's history shapes equal the server's: remove the entry", r.Scenario.Name, reason)
	case listed:
		t.Logf("history shapes differ as listed (%s): %s", reason, first)
	}
}

// TestEngineShapes reads an engine-2 run of child-workflow: the parent's
// history first, then its children's, each named by its workflow type;
// and a history whose event types differ, or that is missing, is found
// at its first differing event.
func TestEngineShapes(t *testing.T) {
	sc, err := scenarios.Lookup("child-workflow")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(t, sc, 1, sim.Plan{}, &sim.Options{Engine: sim.EngineServer})
	if err != nil {
		t.Fatal(err)
	}
	shapes := engineShapes(r.Histories())
	if len(shapes) < 2 {
		t.Fatalf("%d histories, want the parent's and its children's", len(shapes))
	}
	for i, sh := range shapes {
		if sh.Type == "" || len(sh.Events) < 2 || sh.Events[0] != "WorkflowExecutionStarted" || !strings.HasPrefix(sh.Events[len(sh.Events)-1], "WorkflowExecution") {
			t.Errorf("history %d: %+v", i+1, sh)
		}
	}
	if !slices.Contains(shapes[0].Events, "StartChildWorkflowExecutionInitiated") {
		t.Errorf("the first history is not the parent's: %v", shapes[0].Events)
	}
	if d := firstShapeDifference(shapes, shapes); d != "" {
		t.Errorf("a run differs from itself: %s", d)
	}
	other := slices.Clone(shapes)
	other[1].Events = slices.Clone(other[1].Events)
	other[1].Events[1] = "TimerStarted"
	n := len(shapes[0].Events) + 2
	if d := firstShapeDifference(shapes, other); !strings.HasPrefix(d, fmt.Sprintf("event %d of", n)) || !strings.Contains(d, "server `2 "+shapes[1].Type+": TimerStarted`") {
		t.Errorf("a changed event type: %q", d)
	}
	if d := firstShapeDifference(shapes, shapes[:1]); !strings.Contains(d, "server (none)") {
		t.Errorf("a missing child history: %q", d)
	}
	if engineShapes(nil) != nil {
		t.Error("a run without histories (engine 1) has shapes")
	}
}

// shapesPath holds the dev server's fault-free history shapes as the last
// conformance run recorded them, so that engine 2 is held to them without
// a server.
const shapesPath = "testdata/server-shapes.txt"

// recordShapes writes the server's shapes of each fault-free row whose
// scenario shapeExceptions does not list (a listed one's server shape
// depends on the run's latencies): a "scenario NAME" line, then its shape
// lines.
func recordShapes(results []*RowResult) []byte {
	var b strings.Builder
	b.WriteString("# The dev server's fault-free history shapes (conformance/shapes.go), written by\n" +
		"# go test ./conformance -run TestConformance -update; do not edit by hand.\n")
	for _, r := range results {
		if r.Kind != NoFaults || r.On != sim.EngineTestEnv || r.NotApplicable != "" || r.Server == nil {
			continue
		}
		if _, listed := shapeExceptions[r.Scenario.Name]; listed {
			continue
		}
		fmt.Fprintf(&b, "scenario %s\n", r.Scenario.Name)
		for _, l := range shapeLines(r.ServerShapes) {
			fmt.Fprintf(&b, "%s\n", l)
		}
	}
	return []byte(b.String())
}

// readShapes reads a file recordShapes wrote: shape lines by scenario.
func readShapes(path string) (map[string][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	cur := ""
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if name, ok := strings.CutPrefix(l, "scenario "); ok {
			cur = name
			out[cur] = []string{}
			continue
		}
		if strings.HasPrefix(l, "#") {
			continue
		}
		if cur == "" {
			return nil, fmt.Errorf("%s: shape line %q before any scenario line", path, l)
		}
		out[cur] = append(out[cur], l)
	}
	return out, nil
}

// TestEngine2ShapesAgainstRecorded holds engine 2 to the dev server's
// fault-free history shapes as the last conformance run recorded them,
// without a server: every correct scenario but those shapeExceptions
// lists. A change to the in-process server that moves an event fails it.
func TestEngine2ShapesAgainstRecorded(t *testing.T) {
	recorded, err := readShapes(shapesPath)
	if err != nil {
		t.Fatalf("%v; regenerate it with go test ./conformance -run TestConformance -update", err)
	}
	for _, sc := range scenarios.Correct() {
		if _, listed := shapeExceptions[sc.Name]; listed {
			continue
		}
		want, ok := recorded[sc.Name]
		if !ok {
			t.Errorf("%s: %s has no shape of it; regenerate it with go test ./conformance -run TestConformance -update", sc.Name, shapesPath)
			continue
		}
		r, err := sim.Run(t, instrument(sc), 1, sim.Plan{}, &sim.Options{Engine: sim.EngineServer})
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if d := shapeDiff(shapesOfLines(want), engineShapes(r.Histories())); d != "" {
			t.Errorf("%s: engine 2's fault-free histories differ from the dev server's recorded event types (-server +engine 2):\n%s", sc.Name, d)
		}
	}
}

// shapeDiff is go-cmp's diff of two runs' shapes, one event a line, with
// the workflow task splits that latency decides merged (comparable).
func shapeDiff(a, b []HistoryShape) string {
	a, b = comparable(a, b)
	return cmp.Diff(shapeLines(a), shapeLines(b))
}

// shapesOfLines turns shape lines ("1 TimersWorkflow: TimerStarted")
// back into shapes.
func shapesOfLines(lines []string) []HistoryShape {
	var out []HistoryShape
	last := ""
	for _, l := range lines {
		head, event, _ := strings.Cut(l, ": ")
		if head != last {
			_, typ, _ := strings.Cut(head, " ")
			out = append(out, HistoryShape{Type: typ})
			last = head
		}
		out[len(out)-1].Events = append(out[len(out)-1].Events, event)
	}
	return out
}

// TestAlignSplits: the split that failed custom-metrics' fault-free
// row on a loaded machine (two activities that end together, the second
// recorded by the dev server after the task the first scheduled had
// started) compares equal to engine 2's shape; a split task that carried
// a command, a missing arrival and concurrent-timers' listed difference
// still differ.
func TestAlignSplits(t *testing.T) {
	head := []string{"WorkflowExecutionStarted", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted",
		"ActivityTaskScheduled", "ActivityTaskScheduled", "ActivityTaskStarted", "ActivityTaskCompleted"}
	tail := []string{"ActivityTaskScheduled", "ActivityTaskStarted", "ActivityTaskCompleted", "WorkflowTaskScheduled",
		"WorkflowTaskStarted", "WorkflowTaskCompleted", "WorkflowExecutionCompleted"}
	engine := slices.Concat(head, []string{"WorkflowTaskScheduled", "ActivityTaskStarted", "ActivityTaskCompleted",
		"WorkflowTaskStarted", "WorkflowTaskCompleted"}, tail)
	split := slices.Concat(head, []string{"WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted",
		"ActivityTaskStarted", "ActivityTaskCompleted", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted"}, tail)
	shape := func(events []string) []HistoryShape { return []HistoryShape{{Type: "FeedWorkflow", Events: events}} }
	if d := firstShapeDifference(shape(engine), shape(split)); d != "" {
		t.Errorf("a split that latency decides: %s", d)
	}
	if d := firstShapeDifference(shape(split), shape(engine)); d != "" {
		t.Errorf("a split that latency decides, on the engine's side: %s", d)
	}
	withCommand := slices.Concat(head, []string{"WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted",
		"TimerStarted", "ActivityTaskStarted", "ActivityTaskCompleted", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted"}, tail)
	if firstShapeDifference(shape(engine), shape(withCommand)) == "" {
		t.Error("a split task that carried a command compares equal")
	}
	missing := slices.Concat(head, []string{"WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted",
		"ActivityTaskCompleted", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted"}, tail)
	if firstShapeDifference(shape(engine), shape(missing)) == "" {
		t.Error("a split with an arrival missing compares equal")
	}
	timers := []string{"TimerFired", "WorkflowTaskScheduled", "TimerFired", "WorkflowTaskStarted", "WorkflowTaskCompleted", "TimerStarted", "TimerStarted"}
	serverTimers := []string{"TimerFired", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted", "TimerStarted",
		"TimerFired", "WorkflowTaskScheduled", "WorkflowTaskStarted", "WorkflowTaskCompleted", "TimerStarted"}
	if firstShapeDifference(shape(timers), shape(serverTimers)) == "" {
		t.Error("concurrent-timers' listed difference (the first task re-arms a timer) compares equal")
	}
	lines := shapeLines([]HistoryShape{{Type: "A", Events: engine}, {Type: "B", Events: split}})
	if d := cmp.Diff([]HistoryShape{{Type: "A", Events: engine}, {Type: "B", Events: split}}, shapesOfLines(lines)); d != "" {
		t.Errorf("shapesOfLines(shapeLines(x)) != x:\n%s", d)
	}
}

// TestEngine2ShapesAgainstRecordedCanFail: engine 2's shapes of saga,
// recorded and read back as the server's, match; with one event type
// changed in the recording, they differ.
func TestEngine2ShapesAgainstRecordedCanFail(t *testing.T) {
	sc, err := scenarios.Lookup("saga")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(t, instrument(sc), 1, sim.Plan{}, &sim.Options{Engine: sim.EngineServer})
	if err != nil {
		t.Fatal(err)
	}
	shapes := engineShapes(r.Histories())
	path := filepath.Join(t.TempDir(), "shapes.txt")
	row := &RowResult{Row: Row{Scenario: sc, Kind: NoFaults}, On: sim.EngineTestEnv, Server: &Observation{}, ServerShapes: shapes}
	if err := os.WriteFile(path, recordShapes([]*RowResult{row}), 0o644); err != nil {
		t.Fatal(err)
	}
	recorded, err := readShapes(path)
	if err != nil {
		t.Fatal(err)
	}
	got := shapeLines(shapes)
	if d := cmp.Diff(recorded["saga"], got); d != "" {
		t.Fatalf("recorded and read back, the shapes changed:\n%s", d)
	}
	recorded["saga"][len(got)/2] = "1 SagaWorkflow: TimerFired"
	if cmp.Diff(recorded["saga"], got) == "" {
		t.Error("a changed event type went unseen")
	}
}
