package harness_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

var (
	planLine = regexp.MustCompile(`(?m)^\s+(go test \. -run '\^TestPayBug\$' -sim\.seed=\d+ -sim\.plan=\S+)$`)
	seedLine = regexp.MustCompile(`(?m)^\s+(go test \. -run '\^TestPayBug\$' -sim\.seed=\d+ -sim\.shrink)$`)
	runSHA   = regexp.MustCompile(`trace sha256 ([0-9a-f]{64})`)
)

// TestGoTestFlagsEndToEnd drives a user's test package only through go
// test flags: one seed with its trace, HTML timeline and readable trace,
// a swarm of 200 seeds, and a planted failure swarmed and shrunk, whose
// printed go test line reruns the shrunk run trace for trace.
func TestGoTestFlagsEndToEnd(t *testing.T) {
	dir := userModule(t)
	goTest := func(args ...string) (string, int) {
		return output(t, command(dir, nil, "go", append([]string{"test", "-count=1", "."}, args...)...))
	}

	out, code := goTest("-run", "^TestPayHolds$", "-v", "-sim.seed=3", "-sim.v", "-sim.trace=run.jsonl", "-sim.html=run.html")
	if code != 0 || !strings.Contains(out, "pay: 1 runs (") || !strings.Contains(out, "act.start") {
		t.Fatalf("one seed: exit %d; want 0, one run and its readable trace:\n%s", code, out)
	}
	events := readTrace(t, filepath.Join(dir, "run.jsonl"))
	if sha := runSHA.FindStringSubmatch(out); sha == nil || sha[1] != sim.TraceSHA256(events) {
		t.Errorf("-sim.v printed trace %v; the -sim.trace file's is %s", sha, sim.TraceSHA256(events))
	}
	html, err := os.ReadFile(filepath.Join(dir, "run.html"))
	if err != nil || !strings.HasPrefix(string(html), "<!DOCTYPE html>") || !strings.Contains(string(html), "-sim.seed=3") {
		t.Errorf("-sim.html: %v; want a page naming the go test line that reruns it:\n%.300s", err, html)
	}

	if out, code := goTest("-run", "^TestPayHolds$", "-v", "-sim.swarm=200"); code != 0 || !strings.Contains(out, "pay: 200 runs (") {
		t.Errorf("swarm of 200: exit %d; want 0 and 200 runs:\n%s", code, out)
	}

	out, code = goTest("-run", "^TestPayBug$", "-sim.swarm=200", "-sim.shrink")
	sha, seed, plan := runSHA.FindStringSubmatch(out), seedLine.FindStringSubmatch(out), planLine.FindStringSubmatch(out)
	if code != 1 || sha == nil || seed == nil || plan == nil || !strings.Contains(out, "of the swarm") {
		t.Fatalf("swarm of the planted bug: exit %d; want 1, a trace fingerprint, the seed's go test line and the shrunk plan's:\n%s", code, out)
	}
	if strings.Index(out, seed[1]) > strings.Index(out, plan[1]) {
		t.Errorf("the seed's go test line should come first:\n%s", out)
	}
	for _, line := range []string{seed[1], plan[1]} {
		again, code := output(t, command(dir, nil, "sh", "-c", line+" -count=1 -sim.trace=shrunk.jsonl"))
		if got := runSHA.FindStringSubmatch(again); code != 1 || got == nil || got[1] != sha[1] {
			t.Fatalf("%s: exit %d; want the failure again with trace %s:\n%s", line, code, sha[1], again)
		}
	}
	if got := sim.TraceSHA256(readTrace(t, filepath.Join(dir, "shrunk.jsonl"))); got != sha[1] {
		t.Errorf("-sim.trace of the rerun has trace %s, the report %s", got, sha[1])
	}
}

func readTrace(t *testing.T, path string) []sim.Event {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	events, err := sim.DecodeJSONL(data)
	if err != nil || len(events) == 0 {
		t.Fatalf("%s: %v, %d events", path, err, len(events))
	}
	return events
}
