package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput checks that every kind of bad usage or input exits 2 with
// exactly one line on stderr that names the problem, nothing on stdout,
// and no stack trace.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	badPlan := filepath.Join(dir, "bad.plan")
	writeFile(t, badPlan, "# temporalsim plan v1\nf1 activity-error target=Process bogus=1\n")
	unfitPlan := filepath.Join(dir, "unfit.plan")
	writeFile(t, unfitPlan, "# temporalsim plan v1\nf1 activity-error target=NoSuchActivity\n")
	tests := []struct {
		name string
		args []string
		want string // in the stderr line
	}{
		{"no command", nil, "missing command"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown scenario", []string{"run", "no-such-scenario", "-seed", "1"}, `unknown scenario "no-such-scenario"`},
		{"no scenario", []string{"run", "-seed", "1"}, "want one scenario name"},
		{"seed missing", []string{"run", "parallel-activities"}, "-seed is required"},
		{"seed not a number", []string{"run", "parallel-activities", "-seed", "x"}, "-seed"},
		{"seed negative", []string{"run", "parallel-activities", "-seed", "-1"}, "-seed"},
		{"unknown flag", []string{"run", "parallel-activities", "-seed", "1", "-frob"}, "-frob"},
		{"plan file missing", []string{"run", "parallel-activities", "-seed", "1", "-plan", filepath.Join(dir, "missing.plan")}, "missing.plan"},
		{"plan file a directory", []string{"run", "parallel-activities", "-seed", "1", "-plan", dir}, "reading plan"},
		{"plan syntax", []string{"run", "parallel-activities", "-seed", "1", "-plan", badPlan}, "unknown key"},
		{"plan does not fit", []string{"run", "parallel-activities", "-seed", "1", "-plan", unfitPlan}, "NoSuchActivity"},
		{"trace dir missing", []string{"run", "parallel-activities", "-seed", "1", "-trace", filepath.Join(dir, "no", "t.jsonl")}, "does not exist"},
		{"shard 0/3", []string{"swarm", "-shard", "0/3"}, "between 1 and N"},
		{"shard 4/3", []string{"swarm", "-shard", "4/3"}, "between 1 and N"},
		{"shard x", []string{"swarm", "-shard", "x"}, "want I/N"},
		{"shard 1/0", []string{"swarm", "-shard", "1/0"}, "want I/N"},
		{"seeds and duration", []string{"swarm", "-seeds", "5", "-duration", "1s"}, "not both"},
		{"seeds 0", []string{"swarm", "-seeds", "0"}, "at least one seed"},
		{"parallel 0", []string{"swarm", "-parallel", "0"}, "at least 1"},
		{"swarm unknown scenario", []string{"swarm", "-scenario", "nope"}, `unknown scenario "nope"`},
		{"html without out", []string{"swarm", "-html"}, "needs -out"},
		{"shrink without seed", []string{"shrink", "parallel-activities"}, "-seed is required"},
		{"shrink seed that passes", []string{"shrink", "parallel-activities", "-seed", "3", "-out", filepath.Join(dir, "x.plan")}, "does not fail"},
		{"replay nothing", []string{"replay"}, "at least one"},
		{"replay missing path", []string{"replay", filepath.Join(dir, "no-such-corpus")}, "no such file or directory"},
		{"replay pattern without match", []string{"replay", filepath.Join(dir, "*.nothing")}, "no files match"},
		{"replay empty dir", []string{"replay", dir}, "no histories"},
		{"record without out", []string{"record", "parallel-activities", "-address", "localhost:7233"}, "-out DIR is required"},
		{"record bad address", []string{"record", "parallel-activities", "-address", "nohost", "-out", dir}, "HOST:PORT"},
		{"record both servers", []string{"record", "parallel-activities", "-address", "localhost:7233", "-server", "/bin/true", "-out", dir}, "not both"},
		{"record unknown scenario", []string{"record", "nope", "-out", dir}, `unknown scenario "nope"`},
		{"record server not answering", []string{"record", "parallel-activities", "-address", "127.0.0.1:1", "-timeout", "1s", "-out", filepath.Join(dir, "rec")}, "starting the server"},
		{"record bad timeout", []string{"record", "parallel-activities", "-address", "127.0.0.1:1", "-timeout", "0s", "-out", dir}, "-timeout"},
		{"record on engine 1", []string{"record", "parallel-activities", "-engine", "testenv", "-out", filepath.Join(dir, "e1")}, "-engine testenv: engine 1 (the SDK's test environment) keeps no histories"},
		{"record on an unknown engine", []string{"record", "parallel-activities", "-engine", "warp", "-out", filepath.Join(dir, "e3")}, "-engine"},
		{"record on engine 2 with a server", []string{"record", "parallel-activities", "-engine", "server", "-address", "localhost:7233", "-out", filepath.Join(dir, "e2")}, "-engine server runs its own in-process server"},
		{"record on engine 2 unknown scenario", []string{"record", "nope", "-engine", "server", "-out", filepath.Join(dir, "e2")}, `unknown scenario "nope"`},
		{"record on engine 2 without out", []string{"record", "all", "-engine", "server"}, "-out DIR is required"},
		{"record on engine 2 unwritable out", []string{"record", "all", "-engine", "server", "-out", filepath.Join(badPlan, "corpus")}, "not a directory"},
		{"bench argument", []string{"bench", "extra"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := simrun(t, tt.args...).wantCode(t, 2)
			if r.stdout != "" {
				t.Errorf("stdout should be empty:\n%s", r)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if len(lines) != 1 || !strings.HasSuffix(r.stderr, "\n") {
				t.Fatalf("want one line on stderr, got %d:\n%s", len(lines), r)
			}
			if !strings.Contains(lines[0], tt.want) || !strings.HasPrefix(lines[0], "simrun") {
				t.Fatalf("stderr line %q should start with simrun and mention %q", lines[0], tt.want)
			}
		})
	}
	// After the parallel subtests: a refused record made no -out
	// directory and wrote nothing.
	t.Cleanup(func() {
		for _, out := range []string{"e1", "e2", "e3"} {
			if _, err := os.Stat(filepath.Join(dir, out)); !os.IsNotExist(err) {
				t.Errorf("a refused record left %s behind (%v)", out, err)
			}
		}
	})
}

// TestHelp checks that every command explains itself with -h and exits 0.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"list", "run", "swarm", "shrink", "replay", "record", "bench"} {
		t.Run(cmd, func(t *testing.T) {
			t.Parallel()
			r := simrun(t, cmd, "-h").wantCode(t, 0)
			if !strings.HasPrefix(r.stdout, "usage: simrun "+cmd) || r.stderr != "" {
				t.Fatalf("help should start with the usage line on stdout:\n%s", r)
			}
			if r2 := simrun(t, "help", cmd).wantCode(t, 0); r2.stdout != r.stdout {
				t.Fatalf("simrun help %s differs from simrun %s -h", cmd, cmd)
			}
		})
	}
	r := simrun(t, "-h").wantCode(t, 0)
	for _, cmd := range []string{"list", "run", "swarm", "shrink", "replay", "record", "bench"} {
		if !strings.Contains(r.stdout, "\n  "+cmd+" ") {
			t.Errorf("simrun -h does not list %s:\n%s", cmd, r.stdout)
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
