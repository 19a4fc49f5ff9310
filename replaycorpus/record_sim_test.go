package replaycorpus

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// The engine-2 corpus: RecordSimulated runs the recordings the dev-server
// corpus under testdata was made from (CorpusRecordings of every correct
// scenario) on engine 2, with no server, and writes the same layout.

// engine2Recordings are the runs of the engine-2 corpus: those of the
// dev-server corpus.
func engine2Recordings() []Recording {
	var recs []Recording
	for _, sc := range scenarios.Correct() {
		recs = append(recs, CorpusRecordings(sc)...)
	}
	return recs
}

// recordEngine2Corpus records the engine-2 corpus into dir, failing the
// test for a run that wrote nothing or broke a property (the scenarios
// are the correct ones: a broken property would be a false alarm).
func recordEngine2Corpus(t *testing.T, dir string) []Recorded {
	t.Helper()
	recs := engine2Recordings()
	got, err := RecordSimulated(t, dir, recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		switch {
		case r.Err != nil:
			t.Errorf("%s/%s: %v", r.Scenario.Name, r.Label, r.Err)
		case len(r.Sim.Violations) > 0:
			t.Errorf("%s/%s: engine 2 reports %v on a correct scenario", r.Scenario.Name, r.Label, r.Sim.Violations)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return got
}

// TestRecordSimulated records the engine-2 corpus and checks its files
// and manifests: one history per recording, under the dev-server
// corpus's names, with manifest entries that name engine 2, the seed and
// the plan; every history replays as its manifest says.
func TestRecordSimulated(t *testing.T) {
	dir := t.TempDir()
	got := recordEngine2Corpus(t, dir)
	for _, r := range got {
		if want := filepath.Join(dir, r.Scenario.Name, r.Label+".json"); r.Path != want {
			t.Errorf("%s/%s written to %q, want %q", r.Scenario.Name, r.Label, r.Path, want)
		}
		if id := recordedID(r.History); id != r.WorkflowID() {
			t.Errorf("%s: workflow id %q, want %q", r.Path, id, r.WorkflowID())
		}
		m, err := LoadManifest(filepath.Dir(r.Path))
		if err != nil {
			t.Fatal(err)
		}
		e, ok := m.Lookup(r.File())
		switch {
		case !ok:
			t.Errorf("%s has no manifest entry", r.Path)
		case e.ServerVersion != EngineServerVersion || e.SDKVersion != SDKVersion() || e.Expect != ExpectPass || e.WorkflowType != WorkflowType(r.History):
			t.Errorf("%s: manifest entry %+v", r.Path, e)
		case !strings.HasPrefix(e.MadeBy, "recorded: scenario "+r.Scenario.Name+" seed ") || !strings.Contains(e.MadeBy, " on engine 2 ") ||
			!strings.HasSuffix(e.MadeBy, planWords(r.Plan)):
			t.Errorf("%s: made_by %q does not name the scenario, seed %d, engine 2 and the plan", r.Path, e.MadeBy, r.Seed)
		}
	}
	n := 0
	for _, sc := range scenarios.Correct() {
		files := corpusFilesIn(t, dir, sc)
		n += len(files)
		for _, res := range replayScenario(t, sc, files, nil, nil) {
			if !res.Pass {
				t.Errorf("%s: %v", res.File, res.Err)
			}
		}
	}
	if n != len(got) {
		t.Errorf("%d histories written for %d recordings", n, len(got))
	}
	t.Logf("%d engine-2 histories replay as their manifests say", n)
}

// TestRecordSimulatedIsDeterministic records the engine-2 corpus twice
// and compares every file, manifests included, byte for byte.
func TestRecordSimulatedIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	recordEngine2Corpus(t, a)
	recordEngine2Corpus(t, b)
	files := 0
	err := filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, path)
		x, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two recordings", rel)
		}
		files++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files byte-identical", files)
}

// TestRecordSimulatedRefusesRunOptions: RecordOptions.Run adjusts
// real-server runs, which engine 2 has none of.
func TestRecordSimulatedRefusesRunOptions(t *testing.T) {
	_, err := RecordSimulated(t, t.TempDir(), engine2Recordings()[:1], &RecordOptions{Run: func(*realserver.RunOptions) {}})
	if err == nil || !strings.Contains(err.Error(), "RecordOptions.Run") {
		t.Fatalf("want an error naming RecordOptions.Run, got %v", err)
	}
}

// TestEngine2CorpusMutants replays the engine-2 corpus against every
// scenario's mutants, as TestCorpusMutants does the dev-server corpus.
func TestEngine2CorpusMutants(t *testing.T) {
	dir := t.TempDir()
	recordEngine2Corpus(t, dir)
	corpusMutants(t, dir)
}

// devMadeBy is the made_by Record writes for a run on a real server.
var devMadeBy = regexp.MustCompile(`^recorded: scenario (\S+) seed (\d+) on a real worker, time scaled \S+x, (?:no faults|plan (.*))$`)

// devRecordings reads back, from the manifests of the dev-server corpus
// under testdata, the recording each history was made from: scenario,
// label, seed and plan.
func devRecordings(t *testing.T) []Recording {
	t.Helper()
	var recs []Recording
	for _, sc := range scenarios.Correct() {
		m, err := LoadManifest(filepath.Join("testdata", sc.Name))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range m.Histories {
			g := devMadeBy.FindStringSubmatch(e.MadeBy)
			if g == nil || g[1] != sc.Name {
				t.Fatalf("testdata/%s/%s: made_by %q is not a real-server recording of %s", sc.Name, e.File, e.MadeBy, sc.Name)
			}
			seed, err := strconv.ParseUint(g[2], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := sim.ParsePlan(strings.ReplaceAll(g[3], "; ", "\n"))
			if err != nil {
				t.Fatalf("testdata/%s/%s: %v", sc.Name, e.File, err)
			}
			recs = append(recs, Recording{Scenario: sc, Seed: sim.Seed(seed), Plan: plan, Label: strings.TrimSuffix(e.File, ".json")})
		}
	}
	return recs
}

// TestEngine2CorpusMatchesDevServer records, on engine 2, the runs the
// dev-server corpus under testdata was recorded from (the seeds and plans
// its manifests give), and checks that for every scenario each history
// replays with the same result in both corpora, against the scenario's
// code and against each of its mutants, and that each run ended the same
// way.
func TestEngine2CorpusMatchesDevServer(t *testing.T) {
	dir := t.TempDir()
	recs := devRecordings(t)
	got, err := RecordSimulated(t, dir, recs, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.Err != nil {
			t.Fatalf("%s/%s: %v", r.Scenario.Name, r.Label, r.Err)
		}
		if len(r.Sim.Violations) > 0 {
			t.Errorf("%s/%s: engine 2 reports %v on a correct scenario", r.Scenario.Name, r.Label, r.Sim.Violations)
		}
		dev, err := LoadHistory(filepath.Join("testdata", r.Scenario.Name, r.File()), nil)
		if err != nil {
			t.Fatal(err)
		}
		key := r.Scenario.Name + "/" + r.Label
		a, b := lastEventType(dev), lastEventType(r.History)
		switch why, known := endedOtherwise[key]; {
		case a != b && !known:
			t.Errorf("%s: the dev-server run ended with %s, the engine-2 run with %s", key, a, b)
		case a == b && known:
			t.Errorf("%s: both runs ended with %s; endedOtherwise lists it as ending otherwise (%s)", key, a, why)
		case known:
			t.Logf("%s: dev server %s, engine 2 %s, as listed: %s", key, a, b, why)
		}
	}
	dev, e2 := map[string]string{}, map[string]string{}
	for _, sc := range scenarios.Correct() {
		for _, c := range []struct {
			dir string
			out map[string]string
		}{{"testdata", dev}, {dir, e2}} {
			for _, res := range replayScenario(t, sc, corpusFilesIn(t, c.dir, sc), nil, nil) {
				c.out[sc.Name+"/"+filepath.Base(res.File)] = resultWord(res)
			}
		}
	}
	for k, v := range corpusMutants(t, "testdata") {
		dev[k] = v
	}
	for k, v := range corpusMutants(t, dir) {
		e2[k] = v
	}
	var keys []string
	for k := range dev {
		keys = append(keys, k)
	}
	for k := range e2 {
		if _, ok := dev[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	same := 0
	for _, k := range keys {
		d, okd := dev[k]
		e, oke := e2[k]
		switch {
		case !okd:
			t.Errorf("%s: engine 2 %s; the dev-server corpus has no such replay", k, e)
		case !oke:
			t.Errorf("%s: dev server %s; the engine-2 corpus has no such replay", k, d)
		case d != e:
			t.Errorf("%s: dev server %s, engine 2 %s", k, d, e)
		default:
			same++
		}
	}
	t.Logf("%d recordings; %d of %d replays (of the scenarios' code and of their mutants) give the same result on both corpora", len(got), same, len(keys))
}

// endedOtherwise lists the recordings whose dev-server run ended another
// way than the same seed and plan on engine 2, and why. Their histories
// still replay with the same results.
var endedOtherwise = map[string]string{
	"cancellation/swarm-102": "the dev server ran it at 300x, where a heartbeat timeout is not scaled below 1s " +
		"(realserver.DefaultMinHeartbeatTimeout): LongWork's 30s heartbeat timeout became 5 virtual minutes, so its first attempt " +
		"was still running when the cancel came at 1m53.611s and the run ended canceled; on engine 2, in virtual time, the first " +
		"attempt timed out at 1m4s (heartbeats lost 32s in) and the second, whose heartbeats were lost too, timed out at 2m9s, " +
		"after the cancel, which the workflow waits for (WaitForCancellation): it failed",
}

// lastEventType is the type of a history's last event.
func lastEventType(h *historypb.History) string {
	ev := h.GetEvents()
	return ev[len(ev)-1].GetEventType().String()
}

// TestRecordSimulatedWritesNoStuckRun: a run that does not close within
// its budget leaves no file behind (no history, no manifest, no temporary
// file) and says why.
func TestRecordSimulatedWritesNoStuckRun(t *testing.T) {
	sc := &sim.Scenario{Name: "sleeper", Budget: time.Hour, Setup: func(w *sim.World) sim.Case {
		wf := func(ctx workflow.Context) error { return workflow.Sleep(ctx, 24*time.Hour) }
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "Sleeper"})
		return sim.Case{Workflow: "Sleeper"}
	}}
	dir := t.TempDir()
	got, err := RecordSimulated(t, dir, []Recording{{Scenario: sc, Seed: 1, Label: "clean"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Err == nil || !strings.Contains(got[0].Err.Error(), "sleeper clean: the workflow did not close within the run's budget") || got[0].Path != "" {
		t.Fatalf("a stuck run: path %q, error %v", got[0].Path, got[0].Err)
	}
	var left []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if path != dir {
			left = append(left, path)
		}
		return err
	})
	if len(left) > 0 {
		t.Errorf("a stuck run left %v", left)
	}
}

// TestRecordSimulatedNotesBrokenProperties: a recording of a planted bug
// that breaks its property on every run still writes the history, and
// its manifest note names the property.
func TestRecordSimulatedNotesBrokenProperties(t *testing.T) {
	sc, err := scenarios.Lookup("continue-as-new/bug-total-dropped")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	got, err := RecordSimulated(t, dir, []Recording{{Scenario: sc, Seed: 1, Label: "clean"}}, nil)
	if err != nil || got[0].Err != nil {
		t.Fatal(err, got[0].Err)
	}
	m, err := LoadManifest(filepath.Dir(got[0].Path))
	if err != nil {
		t.Fatal(err)
	}
	e, _ := m.Lookup("clean.json")
	if !strings.HasSuffix(e.Note, "; violated: "+sc.Breaks) {
		t.Errorf("note %q does not end with the broken property %s", e.Note, sc.Breaks)
	}
}
