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
		t.Errorf("engine 2's fault-free histories differ from the server's in their event types, first at %s (-engine 2 +server):\n%s",
			first, cmp.Diff(shapeLines(r.EngineShapes), shapeLines(r.ServerShapes)))
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
		if d := cmp.Diff(want, shapeLines(engineShapes(r.Histories()))); d != "" {
			t.Errorf("%s: engine 2's fault-free histories differ from the dev server's recorded event types (-server +engine 2):\n%s", sc.Name, d)
		}
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
