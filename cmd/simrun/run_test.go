package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// runJSON is what run -json prints.
type runJSON struct {
	Scenario         string          `json:"scenario"`
	Seed             uint64          `json:"seed"`
	Outcome          string          `json:"outcome"`
	TraceSHA256      string          `json:"trace_sha256"`
	VirtualElapsedMS int64           `json:"virtual_elapsed_ms"`
	Violations       []sim.Violation `json:"violations"`
	Config           string          `json:"config"`
	Plan             string          `json:"plan"`
	Repro            string          `json:"repro"`
}

var runKeys = []string{"scenario", "seed", "outcome", "trace_sha256", "virtual_elapsed_ms", "violations", "plan"}

// TestRunMatchesGoTest checks, for every registered scenario (planted-bug
// variants included), that simrun run prints the trace fingerprint, outcome
// and violations that sim.Run gives under go test for the same seed, and
// exits 1 exactly when a property was violated.
func TestRunMatchesGoTest(t *testing.T) {
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			for _, seed := range []sim.Seed{1, 2} {
				cfg, plan := drawPlan(t, sc, seed)
				want, err := sim.Run(t, sc, seed, plan, &sim.Options{Config: &cfg})
				if err != nil {
					t.Fatal(err)
				}
				code := 0
				if want.Failed() {
					code = 1
				}
				var got runJSON
				simrun(t, "run", sc.Name, "-seed", fmt.Sprint(seed), "-json").wantCode(t, code).decode(t, &got, runKeys...)
				if got.TraceSHA256 != want.TraceSHA256() {
					t.Fatalf("seed %d: simrun trace_sha256 %s, go test %s", seed, got.TraceSHA256, want.TraceSHA256())
				}
				if got.Scenario != sc.Name || got.Seed != uint64(seed) || got.Outcome != string(want.Outcome) ||
					got.VirtualElapsedMS != want.Elapsed.Milliseconds() || len(got.Violations) != len(want.Violations) {
					t.Fatalf("seed %d: simrun printed %+v; go test got %v elapsed %s", seed, got, want, want.Elapsed)
				}
				if got.Config != cfg.String() || got.Plan != plan.String() {
					t.Fatalf("seed %d: config %q plan %q, want %q and %q", seed, got.Config, got.Plan, cfg.String(), plan.String())
				}
			}
		})
	}
}

// TestRunWritesFiles checks -trace and -html: the trace file holds the
// same JSON lines as go test's trace, and nothing but the two files is
// left in the directory (they are written to a temporary name first).
func TestRunWritesFiles(t *testing.T) {
	sc, seed := lookup(t, "parallel-activities"), sim.Seed(2)
	dir := t.TempDir()
	trace, page := filepath.Join(dir, "t.jsonl"), filepath.Join(dir, "t.html")
	r := simrun(t, "run", sc.Name, "-seed", fmt.Sprint(seed), "-trace", trace, "-html", page).wantCode(t, 0)
	cfg, plan := drawPlan(t, sc, seed)
	want, err := sim.Run(t, sc, seed, plan, &sim.Options{Config: &cfg})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, sim.EncodeJSONL(want.Events)) {
		t.Fatalf("trace file differs from go test's trace")
	}
	html, err := os.ReadFile(page)
	if err != nil || !bytes.HasPrefix(html, []byte("<!DOCTYPE html>")) {
		t.Fatalf("timeline not written (%v)", err)
	}
	if bytes.Contains(html, []byte("http://")) || bytes.Contains(html, []byte("https://")) || bytes.Contains(html, []byte("<script")) {
		t.Errorf("timeline should be self-contained: no links to fetch and no scripts")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("want only t.jsonl and t.html in the directory, got %d entries", len(entries))
	}
	// The readable form: every event on its line, the verdict, the repro.
	for _, e := range want.Events {
		if !strings.Contains(r.stdout, e.String()) {
			t.Fatalf("readable trace lacks %q:\n%s", e.String(), r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "reproduce: simrun run parallel-activities -seed 2\n") || !strings.Contains(r.stdout, "config: "+cfg.String()) {
		t.Fatalf("readable output lacks the config or the repro line:\n%s", r.stdout)
	}
}

// TestRunPlanFile runs a plan from a file: no swarm config, and the trace
// of sim.Run with that plan and no config.
func TestRunPlanFile(t *testing.T) {
	sc, seed := lookup(t, "parallel-activities"), sim.Seed(2)
	_, plan := drawPlan(t, sc, seed)
	path := filepath.Join(t.TempDir(), "p.plan")
	writeFile(t, path, plan.String())
	var got runJSON
	simrun(t, "run", sc.Name, "-plan", path, "-seed", fmt.Sprint(seed), "-json").wantCode(t, 0).decode(t, &got, runKeys...)
	want, err := sim.Run(t, sc, seed, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.TraceSHA256 != want.TraceSHA256() || got.Config != "" || got.Plan != plan.String() {
		t.Fatalf("got %+v, want trace %s with no config", got, want.TraceSHA256())
	}
	if !strings.HasSuffix(got.Repro, "-plan "+path) {
		t.Fatalf("repro %q should name the plan file", got.Repro)
	}
}

// TestRunFailureExitsOne runs a failing seed of a planted bug in a
// project's own simrun: exit 1, and the violation in the output.
func TestRunFailureExitsOne(t *testing.T) {
	seed := failingSeed(t)
	r := ownmain(t, "run", "transfer/bug-deposit-anyway", "-seed", fmt.Sprint(seed)).wantCode(t, 1)
	if !strings.Contains(r.stdout, "no-deposit-without-withdrawal: deposited although") ||
		!strings.Contains(r.stdout, fmt.Sprintf("reproduce: ownmain run transfer/bug-deposit-anyway -seed %d", seed)) {
		t.Fatalf("output should name the violation and the repro command:\n%s", r)
	}
}

func lookup(t *testing.T, name string) *sim.Scenario {
	t.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// drawPlan is the plan simrun run and swarm draw for seed: aimed by the
// seed's fault-free baseline.
func drawPlan(t *testing.T, sc *sim.Scenario, seed sim.Seed) (sim.SwarmConfig, sim.Plan) {
	t.Helper()
	cfg, plan, err := sim.DrawSwarmPlan(t, sc, seed)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, plan
}
