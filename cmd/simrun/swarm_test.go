package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// swarmJSON is what swarm -json prints.
type swarmJSON struct {
	Scenarios             []string       `json:"scenarios"`
	Runs                  int            `json:"runs"`
	Failures              int            `json:"failures"`
	DeterminismMismatches int            `json:"determinism_mismatches"`
	SeedsPerSec           float64        `json:"seeds_per_sec"`
	VirtualPerWall        float64        `json:"virtual_per_wall"`
	FaultsInjected        map[string]int `json:"faults_injected"`
	FailingSeeds          []struct {
		Scenario   string          `json:"scenario"`
		Seed       uint64          `json:"seed"`
		Violations []sim.Violation `json:"violations"`
		Repro      string          `json:"repro"`
		PlanFile   string          `json:"plan_file"`
	} `json:"failing_seeds"`
	Results []seedLine `json:"results"`
}

type seedLine struct {
	Scenario    string `json:"scenario"`
	Seed        uint64 `json:"seed"`
	Outcome     string `json:"outcome"`
	Failed      bool   `json:"failed"`
	TraceSHA256 string `json:"trace_sha256"`
}

var swarmKeys = []string{"runs", "failures", "determinism_mismatches", "seeds_per_sec", "virtual_per_wall", "faults_injected", "failing_seeds"}

// TestSwarmShards checks that shards 1/3, 2/3 and 3/3 run disjoint seeds
// that together are exactly the unsharded run's, each seed in the shard
// ((s-start) mod 3)+1, and that every seed's trace is the one go test gets
// (the swarm runs two seeds at a time; order must not matter).
func TestSwarmShards(t *testing.T) {
	sc := lookup(t, "parallel-activities")
	base := []string{"swarm", "-scenario", sc.Name, "-start", "5", "-seeds", "13", "-parallel", "2", "-v", "-json"}
	var all swarmJSON
	simrun(t, base...).wantCode(t, 0).decode(t, &all, swarmKeys...)
	if len(all.Results) != 13 || all.Runs != 13 {
		t.Fatalf("unsharded run: %d results, %d runs; want 13", len(all.Results), all.Runs)
	}
	for i, r := range all.Results {
		if r.Seed != uint64(5+i) {
			t.Fatalf("results not in seed order: %+v", all.Results)
		}
		cfg, plan := drawPlan(t, sc, sim.Seed(r.Seed))
		want, err := sim.Run(t, sc, sim.Seed(r.Seed), plan, &sim.Options{Config: &cfg})
		if err != nil {
			t.Fatal(err)
		}
		if r.TraceSHA256 != want.TraceSHA256() {
			t.Fatalf("seed %d: swarm trace %s, go test %s", r.Seed, r.TraceSHA256, want.TraceSHA256())
		}
	}
	var union []seedLine
	for i := 1; i <= 3; i++ {
		var part swarmJSON
		simrun(t, append(base, "-shard", fmt.Sprintf("%d/3", i))...).wantCode(t, 0).decode(t, &part, swarmKeys...)
		for _, r := range part.Results {
			if got := int((r.Seed-5)%3) + 1; got != i {
				t.Errorf("seed %d ran in shard %d/3, belongs to %d/3", r.Seed, i, got)
			}
		}
		union = append(union, part.Results...)
	}
	slices.SortFunc(union, func(a, b seedLine) int { return int(a.Seed) - int(b.Seed) })
	if !slices.Equal(union, all.Results) {
		t.Fatalf("shards together ran\n%v\nthe unsharded run\n%v", union, all.Results)
	}
}

// TestSwarmTotals checks the counts against the engine: runs, the faults
// that took effect by kind, and no determinism mismatch when every seed
// runs twice.
func TestSwarmTotals(t *testing.T) {
	sc := lookup(t, "parallel-activities")
	var got swarmJSON
	r := simrun(t, "swarm", "-scenario", sc.Name, "-seeds", "20", "-check-determinism", "-json").wantCode(t, 0)
	r.decode(t, &got, swarmKeys...)
	want := map[string]int{}
	for s := 1; s <= 20; s++ {
		_, plan := drawPlan(t, sc, sim.Seed(s))
		res, err := sim.Run(t, sc, sim.Seed(s), plan, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range plan.Faults {
			if slices.Contains(res.Fired, f.ID) {
				want[string(f.Kind)]++
			}
		}
	}
	if got.Runs != 20 || got.Failures != 0 || got.DeterminismMismatches != 0 || fmt.Sprint(got.FaultsInjected) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want 20 runs, no failures or mismatches, faults %v", got, want)
	}
	if got.SeedsPerSec <= 0 || got.VirtualPerWall <= 0 {
		t.Fatalf("rates should be positive: %+v", got)
	}
	// Standard error is not a terminal here: plain progress lines.
	if !strings.Contains(r.stderr, "swarm: 20/20 seeds, 0 failures") {
		t.Fatalf("stderr should have plain progress lines:\n%s", r.stderr)
	}
}

// TestSwarmDefault is the README's first command: every correct scenario,
// 50 seeds each, and every property holds.
func TestSwarmDefault(t *testing.T) {
	r := simrun(t, "swarm").wantCode(t, 0)
	want := fmt.Sprintf("%d runs of %d scenarios", 50*len(scenarios.Correct()), len(scenarios.Correct()))
	if !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "0 failures") {
		t.Fatalf("want %q and 0 failures:\n%s", want, r)
	}
}

// TestSwarmDuration runs a time-boxed swarm; only its ending and its
// counts are checked, not its timing.
func TestSwarmDuration(t *testing.T) {
	var got swarmJSON
	simrun(t, "swarm", "-scenario", "parallel-activities", "-duration", "300ms", "-json").wantCode(t, 0).decode(t, &got, append(swarmKeys, "duration")...)
	if got.Runs == 0 || got.Failures != 0 {
		t.Fatalf("got %+v", got)
	}
}

// TestSwarmFailureFiles runs a planted bug in a project's own simrun and
// checks the plan files: one per failing seed, named <scenario>-<seed>.plan,
// holding the seed's swarm plan under a header whose repro command fails.
func TestSwarmFailureFiles(t *testing.T) {
	dir := t.TempDir()
	var got swarmJSON
	r := ownmain(t, "swarm", "-scenario", "transfer", "-bugs", "-seeds", "40", "-out", dir, "-html", "-v", "-json").wantCode(t, 1)
	r.decode(t, &got, swarmKeys...)
	sorted := slices.IsSortedFunc(got.Results, func(a, b seedLine) int {
		if c := strings.Compare(a.Scenario, b.Scenario); c != 0 {
			return c
		}
		return int(a.Seed) - int(b.Seed)
	})
	if len(got.Results) != 80 || !sorted {
		t.Fatalf("want 80 results sorted by scenario then seed, got %d: %v", len(got.Results), got.Results)
	}
	if got.Failures == 0 || got.Failures != len(got.FailingSeeds) || !slices.Equal(got.Scenarios, []string{"transfer", "transfer/bug-deposit-anyway"}) {
		t.Fatalf("want failures of the planted bug, got %+v", got)
	}
	for i, f := range got.FailingSeeds {
		if f.Scenario != "transfer/bug-deposit-anyway" || (i > 0 && f.Seed <= got.FailingSeeds[i-1].Seed) {
			t.Fatalf("failing seeds should be the bug's, in seed order: %+v", got.FailingSeeds)
		}
		path := filepath.Join(dir, fmt.Sprintf("transfer-bug-deposit-anyway-%d.plan", f.Seed))
		if f.PlanFile != path {
			t.Fatalf("plan_file %q, want %q", f.PlanFile, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := sim.ParsePlan(string(data))
		if err != nil {
			t.Fatalf("%s does not parse: %v", path, err)
		}
		repro := fmt.Sprintf("ownmain run transfer/bug-deposit-anyway -seed %d", f.Seed)
		if !strings.Contains(string(data), "# reproduce the swarm run (same trace): "+repro+"\n") || f.Repro != repro {
			t.Fatalf("%s header or repro %q lacks %q:\n%s", path, f.Repro, repro, data)
		}
		var run runJSON
		ownmain(t, "run", "transfer/bug-deposit-anyway", "-seed", fmt.Sprint(f.Seed), "-plan", path, "-json").wantCode(t, 1).decode(t, &run, runKeys...)
		if run.Plan != plan.String() || len(run.Violations) == 0 {
			t.Fatalf("running %s: %+v", path, run)
		}
		if _, err := os.Stat(strings.TrimSuffix(path, ".plan") + ".html"); err != nil {
			t.Fatalf("no timeline next to %s: %v", path, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2*got.Failures {
		t.Fatalf("want a plan and a timeline per failure in %s, got %d files", dir, len(entries))
	}
}

// failingSeed returns the first seed of 1..40 on which the planted bug in
// testdata/ownmain fails.
func failingSeed(t *testing.T) sim.Seed {
	t.Helper()
	var got swarmJSON
	ownmain(t, "swarm", "-scenario", "transfer/bug-deposit-anyway", "-seeds", "40", "-json").wantCode(t, 1).decode(t, &got, swarmKeys...)
	if len(got.FailingSeeds) == 0 {
		t.Fatal("the planted bug did not fail on seeds 1..40")
	}
	return sim.Seed(got.FailingSeeds[0].Seed)
}

// TestSwarmInterrupt stops an endless swarm with Ctrl-C once it has found
// a failure: it finishes the running seeds and reports what ran.
func TestSwarmInterrupt(t *testing.T) {
	cmd := exec.Command(bin.ownmain, "swarm", "-scenario", "transfer/bug-deposit-anyway", "-seeds", "1000000000", "-json")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "FAIL ") {
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, stderr)
	err = cmd.Wait()
	var got struct {
		swarmJSON
		Interrupted bool `json:"interrupted"`
	}
	r := result{stdout: stdout.String(), code: cmd.ProcessState.ExitCode()}
	r.wantCode(t, 1).decode(t, &got, append(swarmKeys, "interrupted")...)
	if !got.Interrupted || got.Failures == 0 || got.Runs == 0 || got.Runs >= 1000000000 {
		t.Fatalf("want an interrupted report with the failure found (%v): %+v", err, got)
	}
}
