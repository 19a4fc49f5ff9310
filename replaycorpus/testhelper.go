package replaycorpus

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Test replays every history under dir (see HistoryFiles) against the
// workflows in opts, one parallel subtest per file. A subtest's name is the
// file's path relative to dir, so
//
//	go test -run 'TestReplay/order/order_v1.json'
//
// replays one file. A subtest fails when the outcome is not the one the
// directory's manifest expects (a clean replay without a manifest entry),
// with the failure kind, the event id and the SDK's message. Test fails at
// once if opts cannot be registered or dir has no histories.
func Test(t *testing.T, dir string, opts Options) {
	t.Helper()
	r, err := NewReplayer(opts)
	if err != nil {
		t.Fatal(err)
	}
	files, err := HistoryFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("replaycorpus: no histories (*.json) under %s", dir)
	}
	manifests := loadManifests(files)
	for _, file := range files {
		name, err := filepath.Rel(dir, file)
		if err != nil {
			name = file
		}
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			t.Parallel()
			checkResult(t, r.replayFile(file, manifests))
		})
	}
}

// reporter is the part of testing.TB that checkResult uses, so its
// messages can be tested without failing a real test.
type reporter interface {
	Helper()
	Name() string
	Errorf(format string, args ...any)
}

// checkResult fails t when res did not match its expectation, saying what
// happened and how to run just this history again.
func checkResult(t reporter, res Result) {
	t.Helper()
	if res.Pass {
		return
	}
	t.Errorf("%s", failureReport(t.Name(), res))
}

func failureReport(testName string, res Result) string {
	got := "pass"
	if res.Err != nil {
		got = "fail:" + string(res.Err.Kind)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "replay %s: got %s, want %s\n", res.File, got, res.Expected)
	if e := res.Err; e != nil {
		if e.WorkflowType != "" {
			fmt.Fprintf(&b, "  workflow type: %s\n", e.WorkflowType)
		}
		fmt.Fprintf(&b, "  kind:          %s\n", e.Kind)
		if e.EventID > 0 {
			fmt.Fprintf(&b, "  event id:      %d\n", e.EventID)
		}
		fmt.Fprintf(&b, "  message:       %s\n", e.Message)
		if e.SDKMessage != "" && e.SDKMessage != e.Message {
			fmt.Fprintf(&b, "  sdk message:   %s\n", e.SDKMessage)
		}
		if e.Hint != "" {
			fmt.Fprintf(&b, "  hint:          %s\n", e.Hint)
		}
	}
	if res.Err != nil && res.Expected.Fail {
		b.WriteString("  if the new kind is right, update \"expect\" in the manifest.json next to the file\n")
	}
	fmt.Fprintf(&b, "To reproduce: go test -run '%s'\n", runPattern(testName))
	fmt.Fprintf(&b, "          or: simrun replay %s", res.File)
	return b.String()
}

// runPattern anchors every level of a test name for go test -run.
func runPattern(testName string) string {
	parts := strings.Split(testName, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
