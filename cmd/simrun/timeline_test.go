package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

const chromium = "/usr/bin/chromium"

// TestTimelineInBrowser opens run -html pages in headless Chromium and
// checks the DOM it builds: one lane per activity and per workflow of the
// trace, and a fault mark for every fault that fired or hit an attempt.
func TestTimelineInBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("%s is missing: the timeline test needs Chromium; run scripts/setup.sh (CI does) or apt-get install chromium", chromium)
	}
	cases := []struct {
		bin  func(*testing.T, ...string) result
		name string
		seed sim.Seed
	}{
		{simrun, "parallel-activities", 12}, // worker shutdown and crash, retries
		{ownmain, "transfer/bug-deposit-anyway", failingSeed(t)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			page, trace := filepath.Join(dir, "t.html"), filepath.Join(dir, "t.jsonl")
			c.bin(t, "run", c.name, "-seed", fmt.Sprint(c.seed), "-html", page, "-trace", trace)
			data, err := os.ReadFile(trace)
			if err != nil {
				t.Fatal(err)
			}
			events, err := sim.DecodeJSONL(data)
			if err != nil {
				t.Fatal(err)
			}
			dom := dumpDOM(t, page)
			checkLanes(t, dom, "activity", distinct(events, func(e sim.Event) string {
				if len(e.Kind) > 4 && e.Kind[:4] == "act." {
					return e.ID
				}
				return ""
			}))
			checkLanes(t, dom, "workflow", distinct(events, func(e sim.Event) string {
				if e.Kind == "wf.start" {
					return e.WF
				}
				return ""
			}))
			wantFaults := distinct(events, func(e sim.Event) string {
				if e.Kind != "plan.fault" && e.Fault != 0 {
					return fmt.Sprintf("f%d", e.Fault)
				}
				return ""
			})
			gotFaults := distinctMatches(dom, `<span class="mark fault"[^>]*data-fault="(f\d+)"`)
			if len(wantFaults) == 0 || !slices.Equal(gotFaults, wantFaults) {
				t.Fatalf("fault marks for %v, want one for each fault in the trace: %v", gotFaults, wantFaults)
			}
			if !bytes.Contains(dom, []byte(`id="legend"`)) {
				t.Fatal("the page has no legend")
			}
		})
	}
}

// dumpDOM loads page in headless Chromium, returns the DOM it built and
// takes a screenshot next to it (which must be a PNG).
func dumpDOM(t *testing.T, page string) []byte {
	t.Helper()
	dir := filepath.Dir(page)
	shot := filepath.Join(dir, "t.png")
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir=" + filepath.Join(dir, "profile")}
	dom, err := exec.Command(chromium, append(args, "--dump-dom", "file://"+page)...).Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom: %v", err)
	}
	if out, err := exec.Command(chromium, append(args, "--window-size=1400,700", "--screenshot="+shot, "file://"+page)...).CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	png, err := os.ReadFile(shot)
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("no PNG screenshot (%v)", err)
	}
	return dom
}

// checkLanes requires exactly one lane of kind for each id.
func checkLanes(t *testing.T, dom []byte, kind string, ids []string) {
	t.Helper()
	got := regexp.MustCompile(`<div class="lane" data-kind="`+kind+`" data-id="([^"]*)"`).FindAllSubmatch(dom, -1)
	var names []string
	for _, m := range got {
		names = append(names, string(m[1]))
	}
	slices.Sort(names)
	if len(ids) == 0 || !slices.Equal(names, ids) {
		t.Fatalf("%s lanes %v, want one for each of %v", kind, names, ids)
	}
}

// distinct returns the sorted distinct non-empty keys of events.
func distinct(events []sim.Event, key func(sim.Event) string) []string {
	var out []string
	for _, e := range events {
		if k := key(e); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func distinctMatches(dom []byte, re string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllSubmatch(dom, -1) {
		if k := string(m[1]); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
