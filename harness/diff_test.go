package harness_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
)

// TestDeterminismDiff shows a determinism failure as a cmp.Diff of the
// first diverging events: the flaky activity's duration alternates, so
// the two runs differ in the virtual time of the same event.
func TestDeterminismDiff(t *testing.T) {
	t.Chdir(t.TempDir())
	f, err := harness.Find(t, flaky(), harness.Checks(5), harness.SearchSeed(1), harness.CheckDeterminism(true))
	if err != nil || f == nil || f.Divergence == nil {
		t.Fatalf("%v, %v; want a divergence", f, err)
	}
	// cmp pads its output with non-breaking spaces, so nobody parses it.
	d := strings.ReplaceAll(f.Divergence.Diff, "\u00a0", " ")
	for _, re := range []string{`(?m)^\s*\[\]sim\.Event\{`, `(?m)^-\s+T:\s+\d+,`, `(?m)^\+\s+T:\s+\d+,`} {
		if !regexp.MustCompile(re).MatchString(d) {
			t.Errorf("diff does not match %s:\n%s", re, d)
		}
	}
	r := strings.ReplaceAll(f.Report(), "\u00a0", " ")
	if !strings.Contains(r, "(-run 1 +run 2)") || !regexp.MustCompile(`(?m)^\s+\+\s+T:\s+\d+,`).MatchString(r) {
		t.Errorf("the report does not show the diff:\n%s", r)
	}
}
