package harness_test

import (
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// TestDivergenceReportBlamesTheEngineForItsOwnDecisions checks that a
// difference in how the engine stopped a run sends the reader to the
// engine, and any other difference to the scenario's code first.
func TestDivergenceReportBlamesTheEngineForItsOwnDecisions(t *testing.T) {
	end := func(result string) *sim.Event {
		return &sim.Event{T: 1_800_000, Kind: "act.end", WF: "wf", Name: "Release", ID: "wf/a0002", Attempt: 35, Result: result}
	}
	report := func(a, b *sim.Event) string {
		f := &harness.Failure{Scenario: "wf", Source: harness.SourceSearch, Divergence: &harness.Divergence{Index: 9, A: a, B: b}}
		return f.Report()
	}
	r := report(end("run-over"), end("ApplicationError"))
	for _, want := range []string{`different result "run-over" vs "ApplicationError"`, "temporalsim bug, not your code"} {
		if !strings.Contains(r, want) {
			t.Errorf("engine-decided difference: report lacks %q:\n%s", want, r)
		}
	}
	r = report(end("ok"), end("ApplicationError"))
	if !strings.Contains(r, "look in the scenario's code") || strings.Contains(r, "not your code") {
		t.Errorf("difference in the workflow's own result: report should send the reader to the scenario's code first:\n%s", r)
	}
}
