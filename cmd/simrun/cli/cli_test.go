package cli

import (
	"bytes"
	"slices"
	"testing"

	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// TestShardPartition checks that for any start and N the shards 1..N
// split a seed range into disjoint parts that cover it, and that
// seedsInShard counts what feed sends.
func TestShardPartition(t *testing.T) {
	for _, start := range []sim.Seed{0, 1, 7, 1 << 40} {
		for n := uint64(1); n <= 5; n++ {
			for seeds := uint64(1); seeds <= 11; seeds++ {
				seen := map[sim.Seed]int{}
				total := uint64(0)
				for i := uint64(1); i <= n; i++ {
					o := swarmOpts{start: start, seeds: seeds, shard: shard{i, n}, scenarios: []*sim.Scenario{{Name: "x"}}}
					units := make(chan unit)
					go feed(o, units, make(chan struct{}))
					got := uint64(0)
					for u := range units {
						if !o.shard.has(u.seed, start) {
							t.Fatalf("start %d shard %d/%d: fed seed %d, which it does not have", start, i, n, u.seed)
						}
						seen[u.seed]++
						got++
					}
					if got != o.seedsInShard() {
						t.Fatalf("start %d seeds %d shard %d/%d: fed %d, seedsInShard says %d", start, seeds, i, n, got, o.seedsInShard())
					}
					total += got
				}
				if total != seeds || len(seen) != int(seeds) {
					t.Fatalf("start %d seeds %d N=%d: shards ran %d seeds, %d distinct", start, seeds, n, total, len(seen))
				}
				for s := start; s < start+sim.Seed(seeds); s++ {
					if seen[s] != 1 {
						t.Fatalf("start %d seeds %d N=%d: seed %d ran %d times", start, seeds, n, s, seen[s])
					}
				}
			}
		}
	}
}

func TestParseInterspersed(t *testing.T) {
	a := newApp(Config{}, &bytes.Buffer{}, &bytes.Buffer{})
	fs := a.flags("run", "", "")
	seed := fs.Int("seed", 0, "")
	pos, err := fs.parse([]string{"a", "-seed", "3", "b", "--", "-c"})
	if err != nil || *seed != 3 || !slices.Equal(pos, []string{"a", "b", "-c"}) {
		t.Fatalf("got %v %v seed %d", pos, err, *seed)
	}
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{"a/bug-x": "a/bug-x", "it's": `'it'\''s'`, "": "''", "a b": "'a b'"} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestDefaultCommand(t *testing.T) {
	for arg0, want := range map[string]string{
		"/usr/local/bin/simrun":               "simrun",
		"./mysim":                             "mysim",
		"/tmp/go-build123456/b001/exe/simrun": "go run ./cmd/simrun",
	} {
		if got := defaultCommand(arg0); got != want {
			t.Errorf("defaultCommand(%q) = %q, want %q", arg0, got, want)
		}
	}
}

func parentWorkflow(workflow.Context) error { return nil }
func childWorkflow(workflow.Context) error  { return nil }

// TestCatalogueWorkflows checks that replay registers what Setup
// registers, by name or by function, children included, and that a
// correct scenario's function wins over a planted bug's under one name.
func TestCatalogueWorkflows(t *testing.T) {
	setup := func(parent any) func(w *sim.World) sim.Case {
		return func(w *sim.World) sim.Case {
			w.RegisterWorkflowWithOptions(parent, workflow.RegisterOptions{Name: "Parent"})
			w.RegisterWorkflow(childWorkflow)
			return sim.Case{Workflow: "Parent"}
		}
	}
	bug := &sim.Scenario{Name: "s/bug-x", Bug: "x", Setup: setup(childWorkflow)}
	good := &sim.Scenario{Name: "s", Setup: setup(parentWorkflow)}
	broken := &sim.Scenario{Name: "t", Setup: func(*sim.World) sim.Case { panic("needs the engine") }}
	a := newApp(Config{Scenarios: []*sim.Scenario{bug, broken, good}}, &bytes.Buffer{}, &bytes.Buffer{})
	cat := a.catalogueWorkflows()
	if len(cat.workflows) != 2 || cat.owner["Parent"] != "s" || cat.owner["childWorkflow"] != "s" {
		t.Fatalf("workflows %v owners %v", cat.workflows, cat.owner)
	}
	if workflowTypeName(cat.workflows["Parent"]) != "parentWorkflow" {
		t.Fatalf("Parent should be the correct scenario's function, got %s", workflowTypeName(cat.workflows["Parent"]))
	}
}
