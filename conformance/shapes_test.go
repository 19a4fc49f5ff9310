package conformance

import (
	"fmt"
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
	shapes := engineShapes(r.RunHistories())
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
