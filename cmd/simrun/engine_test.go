package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// runEngineJSON is what run -json prints about the engine and histories.
type runEngineJSON struct {
	Engine        string `json:"engine"`
	TraceSHA256   string `json:"trace_sha256"`
	HistoryEvents int    `json:"history_events"`
	HistorySHA256 string `json:"history_sha256"`
	Repro         string `json:"repro"`
}

var runEngineKeys = []string{"engine", "trace_sha256", "history_events", "history_sha256"}

// TestEngineBadInput: an unknown -engine is refused by name on every
// command that runs scenarios, and -history on engine 1 says why it
// cannot be, each in one line with exit 2.
func TestEngineBadInput(t *testing.T) {
	const unknown = `invalid value "cassandra" for flag -engine: unknown engine "cassandra" (known: testenv, server)`
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "parallel-activities", "-seed", "1", "-engine", "cassandra"}, unknown},
		{[]string{"swarm", "-engine", "cassandra"}, unknown},
		{[]string{"swarm", "-exhaustive", "-engine", "cassandra"}, unknown},
		{[]string{"shrink", "parallel-activities", "-seed", "1", "-engine", "cassandra"}, unknown},
		{[]string{"run", "parallel-activities", "-seed", "1", "-history", t.TempDir()}, "-history: engine 1 (testenv) keeps no histories: add -engine server"},
	} {
		r := simrun(t, tt.args...).wantCode(t, 2)
		if !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: want one line containing %q, got %s", tt.args, tt.want, r)
		}
	}
}

// TestRunHistory runs child-workflow's fault-free plan on engine 2 at
// GOMAXPROCS 1 and 8: the same trace and history fingerprints, the same
// history files (one per workflow run, children included, under names
// that repeat), each read back by the SDK's JSON reader, with as many
// events in all as history_events says; and the fingerprint go test's
// sim.Run gives. On engine 1 the fields are empty.
func TestRunHistory(t *testing.T) {
	sc := lookup(t, "child-workflow")
	plan := filepath.Join(t.TempDir(), "none.plan")
	writeFile(t, plan, sim.PlanHeader+"\n")
	dirs := []string{filepath.Join(t.TempDir(), "h1"), filepath.Join(t.TempDir(), "h8")}
	var got [2]runEngineJSON
	for i, procs := range []string{"1", "8"} {
		t.Setenv("GOMAXPROCS", procs) // the binary's, not this process's
		simrun(t, "run", sc.Name, "-seed", "3", "-plan", plan, "-engine", "server", "-history", dirs[i], "-json").
			wantCode(t, 0).decode(t, &got[i], runEngineKeys...)
	}
	if got[0] != got[1] || got[0].Engine != "server" || len(got[0].HistorySHA256) != 64 || !strings.HasSuffix(got[0].Repro, " -engine server") {
		t.Fatalf("GOMAXPROCS 1: %+v\nGOMAXPROCS 8: %+v\nwant the same fingerprints, on engine 2", got[0], got[1])
	}
	want, err := sim.Run(t, sc, 3, sim.Plan{}, &sim.Options{Engine: sim.EngineServer})
	if err != nil {
		t.Fatal(err)
	}
	if sum, _ := want.HistorySHA256(); sum != got[0].HistorySHA256 || want.TraceSHA256() != got[0].TraceSHA256 {
		t.Fatalf("go test's run has history sha256 %s and trace %s; simrun printed %+v", sum, want.TraceSHA256(), got[0])
	}
	files := historyFiles(t, dirs[0])
	if len(files) != len(want.Histories()) || len(files) < 3 {
		t.Fatalf("files %v; want one per workflow run (%d), the parent and both children", files, len(want.Histories()))
	}
	if other := historyFiles(t, dirs[1]); !slices.Equal(files, other) {
		t.Fatalf("file names differ between two runs of the same seed: %v, %v", files, other)
	}
	events := 0
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(dirs[0], name))
		if err != nil {
			t.Fatal(err)
		}
		if b8, _ := os.ReadFile(filepath.Join(dirs[1], name)); !bytes.Equal(b, b8) {
			t.Errorf("%s differs between GOMAXPROCS 1 and 8", name)
		}
		h, err := client.HistoryFromJSON(bytes.NewReader(b), client.HistoryJSONOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		events += len(h.GetEvents())
	}
	if events != got[0].HistoryEvents {
		t.Errorf("the files hold %d events, history_events says %d", events, got[0].HistoryEvents)
	}

	var one runEngineJSON
	simrun(t, "run", sc.Name, "-seed", "3", "-plan", plan, "-json").wantCode(t, 0).decode(t, &one, runEngineKeys...)
	if one.Engine != "testenv" || one.HistoryEvents != 0 || one.HistorySHA256 != "" || strings.Contains(one.Repro, "-engine") {
		t.Errorf("engine 1: %+v; want no histories and no -engine in the repro line", one)
	}
}

var historyName = regexp.MustCompile(`^\d{2,}-[^/]+-[0-9a-f-]{36}\.json$`)

// historyFiles lists dir, failing on anything but history files (a
// temporary file left behind, say).
func historyFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !historyName.MatchString(e.Name()) {
			t.Errorf("unexpected file %s in %s", e.Name(), dir)
		}
		names = append(names, e.Name())
	}
	return names
}

// engine2Seeds finds, among seeds 1 to 40 of sc, one whose swarm plan has
// no faults and one whose plan engine 2 refuses, with the refusal.
func engine2Seeds(t *testing.T, sc *sim.Scenario) (none, refused sim.Seed, why error) {
	t.Helper()
	for seed := sim.Seed(1); seed <= 40 && (none == 0 || refused == 0); seed++ {
		_, plan := drawPlan(t, sc, seed)
		if len(plan.Faults) == 0 {
			if none == 0 {
				none = seed
			}
			continue
		}
		if refused != 0 {
			continue
		}
		_, err := sim.Run(t, sc, seed, plan, &sim.Options{Engine: sim.EngineServer})
		if errors.Is(err, sim.ErrEngineLacksKind) {
			refused, why = seed, err
		}
	}
	return none, refused, why
}

// TestSwarmOnEngine2 runs a swarm seed with a fault-free plan on engine 2,
// twice over (-check-determinism), and a seed whose plan engine 2
// refuses: the swarm stops with one line naming the kind and exit 2, not
// a failing seed.
func TestSwarmOnEngine2(t *testing.T) {
	sc := lookup(t, "parallel-activities")
	none, refused, why := engine2Seeds(t, sc)
	if none == 0 {
		t.Fatal("no seed of 1-40 draws a fault-free plan")
	}
	var got swarmJSON
	simrun(t, "swarm", "-engine", "server", "-scenario", sc.Name, "-start", fmt.Sprint(none), "-seeds", "1", "-check-determinism", "-json").
		wantCode(t, 0).decode(t, &got, swarmKeys...)
	if got.Runs != 1 || got.Failures != 0 || got.DeterminismMismatches != 0 {
		t.Fatalf("seed %d on engine 2: %+v", none, got)
	}
	if refused == 0 {
		t.Skip("engine 2 runs every plan of seeds 1-40: nothing to refuse")
	}
	kind := why.Error()[strings.LastIndex(why.Error(), ": ")+2:]
	r := simrun(t, "swarm", "-engine", "server", "-scenario", sc.Name, "-start", fmt.Sprint(refused), "-seeds", "3", "-json").wantCode(t, 2)
	var lines []string // what is not the progress lines
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if !strings.HasPrefix(l, "swarm: ") {
			lines = append(lines, l)
		}
	}
	want := fmt.Sprintf("simrun swarm: seed %d: scenario %s: ", refused, sc.Name)
	if len(lines) != 1 || !strings.HasPrefix(lines[0], want) || !strings.Contains(lines[0], "engine 2 does not run this fault kind yet: "+kind+" (") || r.stdout != "" {
		t.Fatalf("want one line naming seed %d and kind %s, and no report, got %s", refused, kind, r)
	}
}

// TestShrinkOnEngine2: shrink -engine server shrinks on engine 2 a seed
// of a planted logic bug that fails there with no faults.
func TestShrinkOnEngine2(t *testing.T) {
	var sc *sim.Scenario
	var seed sim.Seed
	for _, bug := range scenarios.Bugs() {
		for s := sim.Seed(1); bug.Logic != "" && sc == nil && s <= 20; s++ {
			r, err := sim.Run(t, bug, s, sim.Plan{}, &sim.Options{Engine: sim.EngineServer})
			if err == nil && r.Failed() {
				sc, seed = bug, s
			}
		}
	}
	if sc == nil {
		t.Fatal("no planted logic bug fails on engine 2 with no faults in seeds 1-20")
	}
	dir := t.TempDir()
	plan, out := filepath.Join(dir, "none.plan"), filepath.Join(dir, "min.plan")
	writeFile(t, plan, sim.PlanHeader+"\n")
	r := simrun(t, "shrink", sc.Name, "-seed", fmt.Sprint(seed), "-plan", plan, "-engine", "server", "-out", out).wantCode(t, 1)
	if !strings.Contains(r.stdout, "shrunk 0 faults to 0") || !strings.Contains(r.stdout, "-engine server\n") {
		t.Fatalf("want the failure shrunk on engine 2 with a repro line that says so:\n%s", r)
	}
}

// TestRunRefusesReplayKindOnEngine1: a plan with cache-eviction runs on
// engine 2 and is refused on engine 1 with exit 2 and one line naming the
// kind, never a failing run.
func TestRunRefusesReplayKindOnEngine1(t *testing.T) {
	sc := lookup(t, "parallel-activities")
	plan := filepath.Join(t.TempDir(), "evict.plan")
	if err := os.WriteFile(plan, []byte(sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.CacheEviction, At: 45 * time.Second}}}.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	simrun(t, "run", sc.Name, "-seed", "1", "-plan", plan, "-engine", "server").wantCode(t, 0)
	r := simrun(t, "run", sc.Name, "-seed", "1", "-plan", plan).wantCode(t, 2)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "cannot carry out this fault kind: cache-eviction (this is a limit of the engine") || r.stdout != "" {
		t.Fatalf("want one line naming cache-eviction, got %s", r)
	}
}
