package replaycorpus

import (
	"path/filepath"
	"slices"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// The recorded corpus: testdata/<scenario>/ holds histories of every
// correct scenario recorded against a real dev server (TestRecordCorpus
// regenerates them). They must all replay against today's scenario code,
// and every mutant of a scenario must be caught with the right kind.

const recordCommand = "TEMPORAL_CLI=\"$(scripts/install-temporal-cli.sh)\" go test ./replaycorpus -run TestRecordCorpus -record"

// change is a change to a scenario's workflow code to replay against:
// Make builds the function registered as the history's workflow type from
// the scenario's own.
type change struct {
	Make func(orig any) any
}

// corpusFiles lists a scenario's recorded histories under testdata,
// failing the test when there are none.
func corpusFiles(t *testing.T, sc *sim.Scenario) []string {
	t.Helper()
	return corpusFilesIn(t, "testdata", sc)
}

// corpusFilesIn lists a scenario's recorded histories under dir.
func corpusFilesIn(t *testing.T, dir string, sc *sim.Scenario) []string {
	t.Helper()
	files, err := HistoryFiles(filepath.Join(dir, sc.Name))
	switch {
	case (err != nil || len(files) == 0) && dir == "testdata":
		t.Fatalf("scenario %s has no recorded histories under testdata/%s (%v): record them with\n\t%s", sc.Name, sc.Name, err, recordCommand)
	case err != nil || len(files) == 0:
		t.Fatalf("scenario %s has no recorded histories under %s (%v)", sc.Name, filepath.Join(dir, sc.Name), err)
	}
	return files
}

// replayScenario replays files, histories of scenario sc, against sc's
// code changed by ch (nil: unchanged), expecting exp (nil: each file's
// manifest entry, or a clean replay).
func replayScenario(t testing.TB, sc *sim.Scenario, files []string, ch *change, exp *Expectation) []Result {
	t.Helper()
	type loaded struct {
		file string
		h    *historypb.History
	}
	bySeed := map[sim.Seed][]loaded{}
	var seeds []sim.Seed
	for _, f := range files {
		h, err := LoadHistory(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		seed, ok := RecordedSeed(h)
		if !ok {
			t.Fatalf("%s: workflow id %q does not end in the seed", f, recordedID(h))
		}
		if _, seen := bySeed[seed]; !seen {
			seeds = append(seeds, seed)
		}
		bySeed[seed] = append(bySeed[seed], loaded{f, h})
	}
	slices.Sort(seeds)
	var out []Result
	for _, seed := range seeds {
		r := scenarioReplayer(t, sc, ch, bySeed[seed][0].h)
		if exp == nil {
			var paths []string
			for _, l := range bySeed[seed] {
				paths = append(paths, l.file)
			}
			out = append(out, r.ReplayFiles(paths)...)
			continue
		}
		for _, l := range bySeed[seed] {
			out = append(out, r.ReplayHistory(l.file, l.h, *exp))
		}
	}
	return out
}

// scenarioReplayer builds a Replayer for sc's histories recorded under the
// workflow id (and so the seed) of h, with ch applied to h's workflow
// type.
func scenarioReplayer(t testing.TB, sc *sim.Scenario, ch *change, h *historypb.History) *Replayer {
	t.Helper()
	opts, regs, err := ScenarioOptions(sc, h)
	if err != nil {
		t.Fatal(err)
	}
	if ch != nil {
		typ := WorkflowType(h)
		i := slices.IndexFunc(regs.Workflows, func(w realserver.WorkflowRegistration) bool { return w.Name() == typ })
		if i < 0 {
			t.Fatalf("scenario %s registers no workflow %s", sc.Name, typ)
		}
		changed := ch.Make(regs.Workflows[i].Func)
		opts.Register = func(rep worker.WorkflowReplayer) {
			for j, w := range regs.Workflows {
				if j == i {
					rep.RegisterWorkflowWithOptions(changed, workflow.RegisterOptions{Name: typ})
					continue
				}
				rep.RegisterWorkflowWithOptions(w.Func, w.Options)
			}
		}
	}
	opts.Parallelism = 4
	r, err := NewReplayer(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCorpusReplays replays every recorded history of every correct
// scenario against the scenario's current code.
func TestCorpusReplays(t *testing.T) {
	for _, sc := range scenarios.Correct() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			for _, res := range replayScenario(t, sc, corpusFiles(t, sc), nil, nil) {
				if !res.Pass {
					t.Errorf("%s: %v\n(if the scenario changed on purpose, re-record with %s)", res.File, res.Err, recordCommand)
				}
			}
		})
	}
}

// TestScenarioOptionsMatter replays recorded histories with the
// scenario's workflows alone, without what ScenarioOptions adds: the
// encryption scenario's histories do not decode without its codec, and
// the schedule scenario's child workflow ids (made from its own workflow
// id) differ under the SDK replayer's "ReplayId".
func TestScenarioOptionsMatter(t *testing.T) {
	for _, name := range []string{"encryption", "schedule"} {
		sc, err := scenarios.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		files := corpusFiles(t, sc)
		h, err := LoadHistory(files[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		_, regs, err := ScenarioOptions(sc, h)
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReplayer(Options{Register: func(rep worker.WorkflowReplayer) { regs.ApplyWorkflows(rep) }})
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range r.ReplayFiles(files) {
			if res.Err == nil {
				t.Errorf("%s replays without the scenario's data converter and workflow id", res.File)
			}
		}
	}
}
