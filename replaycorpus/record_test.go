package replaycorpus

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

var record = flag.Bool("record", false, "re-record the corpus under testdata/<scenario>/ against a temporal dev server")

// recordOnly limits -record to the scenarios it names (comma-separated),
// so adding a scenario does not re-record every other one.
var recordOnly = flag.String("record.only", "", "with -record: re-record only these scenarios (comma-separated names)")

// startServer starts a dev server for the test and stops it at the end.
// Without a temporal CLI the test fails: recording is part of the suite.
func startServer(t *testing.T) *realserver.Server {
	t.Helper()
	if _, err := realserver.FindCLI(""); err != nil {
		t.Fatalf("%v\n(the recorder tests need the Temporal CLI: TEMPORAL_CLI=\"$(scripts/install-temporal-cli.sh)\" go test ./replaycorpus)", err)
	}
	srv, err := realserver.Start(context.Background(), realserver.ServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Error(err)
		}
	})
	return srv
}

// recordAndCheck records recs into dir and fails the test for any run
// that wrote no history.
func recordAndCheck(t *testing.T, srv *realserver.Server, dir string, recs []Recording, par int) []Recorded {
	t.Helper()
	start := time.Now()
	got, err := Record(context.Background(), srv, dir, recs, &RecordOptions{Parallelism: par})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.Err != nil {
			t.Errorf("%s/%s: %v", r.Scenario.Name, r.Label, r.Err)
			continue
		}
		res := r.Result
		t.Logf("%-20s %-26s K=%-6g wall %5.2fs, %4d events, %s %s, workers %d, replays %d",
			r.Scenario.Name, r.Label, res.Scale, res.Wall.Seconds(), len(res.History.Events), res.Outcome, res.ErrType, res.Workers, res.Replays)
	}
	t.Logf("recorded %d runs in %s", len(got), time.Since(start).Round(time.Millisecond))
	return got
}

// TestRecord records a run of every correct scenario against a fresh dev
// server, plus a worker shutdown that forces a replay on a new worker,
// checks the files against `temporal workflow show -o json`, and replays
// them against the unmodified scenario code: recording divides timers and
// timeouts by the time scale, and replay must not care.
func TestRecord(t *testing.T) {
	srv := startServer(t)
	dir := t.TempDir()
	var recs []Recording
	for _, sc := range scenarios.Correct() {
		recs = append(recs, Recording{Scenario: sc, Seed: 1, Label: "clean"})
	}
	got := recordAndCheck(t, srv, dir, recs, 8)

	// On its own, so that the workflow has surely made progress on the
	// first worker when the shutdown comes.
	sc, err := scenarios.Lookup("parallel-activities")
	if err != nil {
		t.Fatal(err)
	}
	shutdown := sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.WorkerShutdown, At: time.Minute}}}
	sd := recordAndCheck(t, srv, dir, []Recording{{Scenario: sc, Seed: 2, Plan: shutdown, Label: "worker-shutdown"}}, 1)[0]
	if sd.Err == nil {
		checkReplayedOnNewWorker(t, sd.Result)
		compareWithCLI(t, srv, sd)
		checkScaled(t, sd.Result, 5*time.Minute)
	}
	got = append(got, sd)
	for _, r := range got {
		if r.Err == nil {
			checkManifest(t, r, srv)
		}
	}
	replayRecorded(t, dir)
}

// checkReplayedOnNewWorker checks that a run whose workflow tasks were
// taken by a second worker after the first had taken some was replayed
// there: the new worker has no cached state, so it must rebuild it from
// the history.
func checkReplayedOnNewWorker(t *testing.T, res *realserver.Result) {
	t.Helper()
	var workers []string
	for _, e := range res.History.GetEvents() {
		if a := e.GetWorkflowTaskStartedEventAttributes(); a != nil && !slices.Contains(workers, a.GetIdentity()) {
			workers = append(workers, a.GetIdentity())
		}
	}
	if res.Workers != 2 {
		t.Fatalf("worker shutdown: %d worker incarnations, want 2", res.Workers)
	}
	if len(workers) < 2 {
		t.Fatalf("worker shutdown at 1m: workflow tasks were taken by %v only; want both workers (wall %s)", workers, res.Wall)
	}
	if res.Replays == 0 {
		t.Errorf("workflow tasks were taken by %v, but the second worker did not replay the history", workers)
	}
}

// checkScaled checks that the history holds the activities' start-to-close
// timeout (want in the code) divided by the time scale: so the replays
// below prove that replay ignores the difference.
func checkScaled(t *testing.T, res *realserver.Result, want time.Duration) {
	t.Helper()
	n := 0
	for _, e := range res.History.GetEvents() {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
			n++
			if got := a.GetStartToCloseTimeout().AsDuration(); got != time.Duration(float64(want)/res.Scale) {
				t.Errorf("event %d: start-to-close timeout %s, want %s/%g", e.GetEventId(), got, want, res.Scale)
			}
		}
	}
	if n == 0 {
		t.Error("no activity in the history")
	}
}

// compareWithCLI checks that the file Record wrote is what
// `temporal workflow show -o json` prints for the same execution.
func compareWithCLI(t *testing.T, srv *realserver.Server, r Recorded) {
	t.Helper()
	cli, _ := realserver.FindCLI("")
	out, err := exec.Command(cli, "workflow", "show", "-w", r.Result.WorkflowID, "-r", r.Result.RunID,
		"-o", "json", "--address", srv.Address(), "--namespace", srv.Namespace()).Output()
	if err != nil {
		t.Fatalf("temporal workflow show: %v", err)
	}
	ours, err := os.ReadFile(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(out, &a); err != nil {
		t.Fatalf("CLI output is not JSON: %v", err)
	}
	if err := json.Unmarshal(ours, &b); err != nil {
		t.Fatalf("%s is not JSON: %v", r.Path, err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s differs from `temporal workflow show -o json` for the same run", r.Path)
	}
	if string(out)+"\n" != string(ours) && string(out) != string(ours) {
		t.Logf("%s has the CLI's content but not its exact bytes", r.Path)
	}
}

func checkManifest(t *testing.T, r Recorded, srv *realserver.Server) {
	t.Helper()
	m, err := LoadManifest(filepath.Dir(r.Path))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := m.Lookup(r.File())
	switch {
	case !ok:
		t.Errorf("%s has no manifest entry", r.Path)
	case e.WorkflowType != r.Result.WorkflowType || e.ServerVersion != srv.Version() || e.SDKVersion != SDKVersion() || e.Expect != ExpectPass:
		t.Errorf("%s: manifest entry %+v", r.Path, e)
	}
}

// TestRecordCorpus regenerates testdata/<scenario>/ for every correct
// scenario: go test ./replaycorpus -run TestRecordCorpus -record. Each
// scenario's directory is replaced, so a file no longer recorded does not
// linger.
func TestRecordCorpus(t *testing.T) {
	if !*record {
		t.Skip("re-records the corpus against a dev server; run with -record")
	}
	srv := startServer(t)
	var recs []Recording
	only := strings.Split(*recordOnly, ",")
	for _, sc := range scenarios.Correct() {
		if *recordOnly != "" && !slices.Contains(only, sc.Name) {
			continue
		}
		if err := os.RemoveAll(filepath.Join("testdata", sc.Name)); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, CorpusRecordings(sc)...)
	}
	recordAndCheck(t, srv, "testdata", recs, 8)
	replayRecorded(t, "testdata")
}

// replayRecorded replays every scenario's histories under dir against the
// scenario's current code.
func replayRecorded(t *testing.T, dir string) {
	t.Helper()
	for _, sc := range scenarios.Correct() {
		files, err := HistoryFiles(filepath.Join(dir, sc.Name))
		if errors.Is(err, os.ErrNotExist) || len(files) == 0 {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range replayScenario(t, sc, files, nil, nil) {
			if !res.Pass {
				t.Errorf("%s does not replay against the scenario's code: %v", res.File, res.Err)
			}
		}
	}
}
