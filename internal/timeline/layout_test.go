package timeline

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// TestTimelineOpenSpans lays out a stuck run: an attempt and a workflow
// that never ended are drawn to the end, and the stop is marked.
func TestTimelineOpenSpans(t *testing.T) {
	r := &sim.Result{Scenario: "wf", Outcome: sim.Stuck, Events: []sim.Event{
		{T: 0, Kind: "wf.start", WF: "wf", Name: "W"},
		{T: 0, Kind: "act.schedule", WF: "wf", Name: "A", ID: "wf/a0001"},
		{T: 10, Kind: "act.start", WF: "wf", Name: "A", ID: "wf/a0001", Attempt: 1, Fault: 2},
		{T: 20, Kind: "fault", Name: "workflow-cancel", Fault: 1},
		{T: 40, Kind: "run.stuck"},
	}}
	tl := layout(r, "simrun run wf -seed 1")
	var kinds []string
	for _, l := range tl.Lanes {
		kinds = append(kinds, l.Kind+":"+l.ID)
	}
	if !slices.Equal(kinds, []string{"run:run", "workflow:wf", "activity:wf/a0001"}) {
		t.Fatalf("lanes %v", kinds)
	}
	act := tl.Lanes[2]
	if len(act.Bars) != 1 || act.Bars[0].Left != "25.000" || act.Bars[0].Width != "75.000" || !strings.Contains(act.Bars[0].Class, "open") {
		t.Fatalf("open attempt bar %+v", act.Bars)
	}
	if wf := tl.Lanes[1]; len(wf.Marks) != 1 || wf.Marks[0].Fault != "f1" || wf.Marks[0].Class != "fault" {
		t.Fatalf("the cancellation should be a fault mark on the workflow lane: %+v", wf.Marks)
	}
	if got := HTML(r, "x"); !bytes.Equal(got, HTML(r, "x")) {
		t.Fatal("the same result should render the same bytes")
	}
}
