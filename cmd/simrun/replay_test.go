package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReplayUserWorkflowSharingACatalogueName replays a user's history
// whose workflow type, CounterWorkflow, is also the name of a catalogue
// workflow. Without -catalogue nothing is registered for it: the result
// is unregistered-workflow-type with how to register it, not the false
// nondeterminism that replaying it against the catalogue's CounterWorkflow
// gives (shown with -catalogue).
func TestReplayUserWorkflowSharingACatalogueName(t *testing.T) {
	data, err := os.ReadFile("testdata/corpus/parallel.json")
	if err != nil {
		t.Fatal(err)
	}
	// A user's CounterWorkflow that runs four activities in parallel.
	text := strings.Replace(string(data), `"name": "ParallelWorkflow"`, `"name": "CounterWorkflow"`, 1)
	if text == string(data) {
		t.Fatal("testdata/corpus/parallel.json no longer names ParallelWorkflow")
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "counter.json"), text)

	var got replayJSON
	r := simrun(t, "replay", "-json", dir).wantCode(t, 1)
	r.decode(t, &got, "files", "results")
	if len(got.Results) != 1 || got.Results[0].ErrorKind != "unregistered-workflow-type" {
		t.Fatalf("want unregistered-workflow-type, got %s", r.stdout)
	}
	r = simrun(t, "replay", dir).wantCode(t, 1)
	for _, want := range []string{
		"unregistered-workflow-type at event 1: no workflow is registered as CounterWorkflow (registered: none)",
		"-catalogue", "cli.Config.Replay", "Options{Workflows: ...}",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}

	simrun(t, "replay", "-json", "-catalogue", dir).wantCode(t, 1).decode(t, &got, "results")
	if k := got.Results[0].ErrorKind; k == "unregistered-workflow-type" || k == "" || k == "malformed" {
		t.Errorf("with -catalogue the history replays against the catalogue's CounterWorkflow and fails; got %q", k)
	}
}

// TestReplayRecordedHistoryNeedsNoCatalogue: a history recorded from a
// scenario replays against that scenario's workflows without -catalogue.
func TestReplayRecordedHistoryNeedsNoCatalogue(t *testing.T) {
	file := filepath.Join("..", "..", "replaycorpus", "testdata", "continue-as-new", "clean.json")
	var got replayJSON
	simrun(t, "replay", "-json", file).wantCode(t, 0).decode(t, &got, "results")
	if len(got.Results) != 1 || !got.Results[0].Pass || got.Results[0].Result != "pass" {
		t.Fatalf("%+v", got)
	}
}
