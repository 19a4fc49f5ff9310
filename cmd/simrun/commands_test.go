package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/replaycorpus"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestList checks one scenario a line, name then description, and that
// -bugs adds the planted-bug variants with the property each breaks, the
// word logic for those that need no fault, and their bug.
func TestList(t *testing.T) {
	r := simrun(t, "list").wantCode(t, 0)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) != len(scenarios.Correct()) {
		t.Fatalf("want %d lines, one per correct scenario:\n%s", len(scenarios.Correct()), r.stdout)
	}
	for i, sc := range scenarios.Correct() {
		if name, desc, _ := strings.Cut(lines[i], " "); name != sc.Name || strings.TrimSpace(desc) != sc.Description {
			t.Errorf("line %q, want %s then %q", lines[i], sc.Name, sc.Description)
		}
	}
	r = simrun(t, "list", "-bugs").wantCode(t, 0)
	lines = strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	bugs := scenarios.Bugs()
	if len(bugs) == 0 || len(lines) != len(scenarios.Correct())+len(bugs) {
		t.Fatalf("want %d lines, the correct scenarios then %d planted bugs:\n%s", len(scenarios.Correct())+len(bugs), len(bugs), r.stdout)
	}
	for i, sc := range bugs {
		f := strings.Fields(lines[len(scenarios.Correct())+i])
		kind := "fault"
		if sc.Logic != "" {
			kind = "logic"
		}
		if len(f) < 5 || f[0] != sc.Name || f[1] != "breaks" || f[2] != sc.Breaks || f[3] != kind || !strings.HasSuffix(lines[len(scenarios.Correct())+i], "bug: "+sc.Bug) {
			t.Errorf("line %q, want %s, breaks %s, %s, then bug: %s", lines[len(scenarios.Correct())+i], sc.Name, sc.Breaks, kind, sc.Bug)
		}
	}
	r = ownmain(t, "list", "-bugs").wantCode(t, 0)
	if !strings.Contains(r.stdout, "transfer/bug-deposit-anyway  breaks -  -  bug: deposits even when the withdrawal failed\n") {
		t.Fatalf("list -bugs should show a planted bug that names no property with - and what it is:\n%s", r.stdout)
	}
}

// TestShrink shrinks a failing seed of the planted bug: the written plan
// is no larger, parses, still fails when run, and matches what
// harness.Shrink would give (the same deterministic shrinker runs).
func TestShrink(t *testing.T) {
	seed := failingSeed(t)
	out := filepath.Join(t.TempDir(), "min.plan")
	var got struct {
		Before int    `json:"faults_before"`
		After  int    `json:"faults_after"`
		Plan   string `json:"plan"`
		File   string `json:"file"`
		Repro  string `json:"repro"`
	}
	ownmain(t, "shrink", "transfer/bug-deposit-anyway", "-seed", fmt.Sprint(seed), "-out", out, "-json").wantCode(t, 1).
		decode(t, &got, "faults_before", "faults_after", "plan", "violations", "file", "repro")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := sim.ParsePlan(string(data))
	if err != nil {
		t.Fatalf("shrunk plan does not parse: %v\n%s", err, data)
	}
	if plan.String() != got.Plan || got.After > got.Before || got.After != len(plan.Faults) || got.File != out {
		t.Fatalf("got %+v, file holds\n%s", got, data)
	}
	want := fmt.Sprintf("ownmain run transfer/bug-deposit-anyway -seed %d -plan %s", seed, out)
	if got.Repro != want || !strings.Contains(string(data), "# reproduce: "+want) {
		t.Fatalf("repro %q, want %q in the output and the file", got.Repro, want)
	}
	ownmain(t, "run", "transfer/bug-deposit-anyway", "-seed", fmt.Sprint(seed), "-plan", out).wantCode(t, 1)
	// Readable form: the plan, the violation and the repro line.
	r := ownmain(t, "shrink", "transfer/bug-deposit-anyway", "-seed", fmt.Sprint(seed), "-out", out).wantCode(t, 1)
	if !strings.Contains(r.stdout, plan.String()) || !strings.Contains(r.stdout, "reproduce: "+want) {
		t.Fatalf("shrink output should show the plan and the repro command:\n%s", r.stdout)
	}
}

// replayJSON is what replay -json prints.
type replayJSON struct {
	Files, Passed, Failed, Unexpected int
	Results                           []struct {
		File      string `json:"file"`
		Result    string `json:"result"`
		Expected  string `json:"expected"`
		Pass      bool   `json:"pass"`
		ErrorKind string `json:"error_kind"`
	} `json:"results"`
}

// TestReplay replays the test corpus (a clean history and a mutant its
// manifest expects to fail; generated, not recorded from a scenario, so
// it needs -catalogue), then the mutant alone without a manifest, where
// its failure is unexpected.
func TestReplay(t *testing.T) {
	var got replayJSON
	simrun(t, "replay", "-json", "-catalogue", "testdata/corpus").wantCode(t, 0).decode(t, &got, "files", "passed", "failed", "unexpected", "results")
	if got.Files != 2 || got.Passed != 1 || got.Failed != 1 || got.Unexpected != 0 || len(got.Results) != 2 {
		t.Fatalf("got %+v", got)
	}
	if m := got.Results[1]; m.Result != "fail:command-mismatch" || m.ErrorKind != "command-mismatch" || !m.Pass || m.Expected != "fail:command-mismatch" {
		t.Fatalf("mutant result %+v", m)
	}
	data, err := os.ReadFile("testdata/corpus/parallel_renamed_activity.json")
	if err != nil {
		t.Fatal(err)
	}
	lone := filepath.Join(t.TempDir(), "mutant.json")
	writeFile(t, lone, string(data))
	r := simrun(t, "replay", "-catalogue", lone).wantCode(t, 1)
	if !strings.Contains(r.stdout, "FAIL "+lone+": fail:command-mismatch (expected pass)") || !strings.Contains(r.stdout, "1 unexpected") {
		t.Fatalf("want the unexpected failure reported:\n%s", r)
	}
}

// TestBench runs the bench on a small scale and checks that every figure
// was measured; how fast is the bench's business, not the test's.
func TestBench(t *testing.T) {
	var got map[string]float64
	simrun(t, "bench", "-json", "-runs", "2", "-seeds", "2", "-histories", "4", "-rounds", "1").wantCode(t, 0).decode(t, &got)
	for _, k := range []string{"engine_run_ms", "bare_bubble_run_ms", "bare_run_ms", "engine_vs_bare_bubble", "engine_vs_bare",
		"swarm_p1_seeds_per_sec", "swarm_p2_seeds_per_sec", "swarm_p2_vs_p1", "virtual_per_wall",
		"replay_batch_events_per_sec", "replay_sdk_loop_events_per_sec", "replay_batch_vs_sdk_loop",
		"engine2_run_ms", "engine2_vs_bare_bubble", "engine2_vs_bare_bubble_cpu", "engine2_swarm_p2_fault_free_seeds_per_sec",

		"engine2_oracle_run_ms", "engine2_no_oracle_run_ms", "oracle_vs_no_oracle"} {
		if got[k] <= 0 {
			t.Errorf("%s = %v, want a positive measurement", k, got[k])
		}
	}
}

// TestRecordThenReplay records a scenario's standard runs against a dev
// server and replays what it wrote: every history as its manifest says.
func TestRecordThenReplay(t *testing.T) {
	if _, err := realserver.FindCLI(""); err != nil {
		t.Fatalf("%v\n(this test runs a dev server: TEMPORAL_CLI=\"$(scripts/install-temporal-cli.sh)\" go test ./cmd/simrun)", err)
	}
	sc := lookup(t, "parallel-activities")
	dir := t.TempDir()
	r := simrun(t, "record", sc.Name, "-out", dir).wantCode(t, 0)
	want := len(replaycorpus.CorpusRecordings(sc))
	if n := strings.Count(r.stdout, "ok   "+filepath.Join(dir, sc.Name)); n != want {
		t.Fatalf("want %d recordings written, got %d:\n%s", want, n, r)
	}
	var got replayJSON
	simrun(t, "replay", "-json", dir).wantCode(t, 0).decode(t, &got, "files", "passed", "unexpected")
	if got.Files != want || got.Passed != want || got.Unexpected != 0 {
		t.Fatalf("replaying the recordings: %+v", got)
	}
	if _, err := replaycorpus.LoadManifest(filepath.Join(dir, sc.Name)); err != nil {
		t.Fatalf("no manifest next to the recordings: %v", err)
	}
}

// TestReplayRecordedCorpus replays the project's recorded corpus (one
// directory per scenario under replaycorpus/testdata) with the catalogue's
// own workflows and options: every history as its manifest says.
func TestReplayRecordedCorpus(t *testing.T) {
	args := []string{"replay", "-json"}
	for _, sc := range scenarios.Correct() {
		dir := filepath.Join("..", "..", "replaycorpus", "testdata", sc.Name)
		if _, err := os.Stat(dir); err == nil {
			args = append(args, dir)
		}
	}
	if len(args) == 2 {
		t.Fatal("no recorded corpus under replaycorpus/testdata")
	}
	var got replayJSON
	simrun(t, args...).wantCode(t, 0).decode(t, &got, "files", "passed", "unexpected")
	if got.Files == 0 || got.Unexpected != 0 {
		t.Fatalf("%+v", got)
	}
}

// TestRecordOnEngine2ThenReplay records every correct scenario's standard
// runs on engine 2 (no server), replays what it wrote, every history as
// its manifest says, and records again: the same bytes.
func TestRecordOnEngine2ThenReplay(t *testing.T) {
	var recs int
	for _, sc := range scenarios.Correct() {
		recs += len(replaycorpus.CorpusRecordings(sc))
	}
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, dir := range dirs {
		r := simrun(t, "record", "-engine", "server", "all", "-out", dir).wantCode(t, 0)
		if n := strings.Count(r.stdout, "ok   "+dir+string(filepath.Separator)); n != recs {
			t.Fatalf("want %d recordings written, got %d:\n%s", recs, n, r)
		}
		if !strings.Contains(r.stderr, fmt.Sprintf("recording %d runs of %d scenarios on engine 2", recs, len(scenarios.Correct()))) {
			t.Errorf("stderr does not say what it records:\n%s", r.stderr)
		}
	}
	var got replayJSON
	simrun(t, "replay", "-json", dirs[0]).wantCode(t, 0).decode(t, &got, "files", "passed", "unexpected")
	if got.Files != recs || got.Passed != recs || got.Unexpected != 0 {
		t.Fatalf("replaying the engine-2 corpus: %+v", got)
	}
	same := 0
	err := filepath.WalkDir(dirs[0], func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dirs[0], path)
		a, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join(dirs[1], rel))
		if err != nil {
			return err
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two records", rel)
		}
		same++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d histories replay as their manifests say; %d files byte-identical on a second record", got.Files, same)
}
