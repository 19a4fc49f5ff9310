package testrun

import (
	"flag"
	"os"
	"runtime"
	"testing"
)

// setFlag sets a testing flag for the rest of the test.
func setFlag(t *testing.T, name, value string) {
	f := flag.Lookup(name)
	if f == nil {
		t.Fatalf("the testing package of %s has no flag %s", runtime.Version(), name)
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// runBare runs f through testing.RunTests as Once does, without Once's
// guards.
func runBare(f func(*testing.T)) {
	testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: "bare", F: f}})
}

// TestOnceRunsOnceUnderCount: with -test.count=3, testing.RunTests runs its
// test three times (which shows the flag takes effect); Once runs it once.
func TestOnceRunsOnceUnderCount(t *testing.T) {
	setFlag(t, "test.count", "3")
	setFlag(t, "test.v", "false")
	setFlag(t, "test.skip", "")
	bare := 0
	runBare(func(*testing.T) { bare++ })
	if bare != 3 {
		t.Fatalf("testing.RunTests (%s) ran its test %d times under -test.count=3, want 3", runtime.Version(), bare)
	}
	n := 0
	if !Once("once", func(*testing.T) { n++ }) {
		t.Fatal("Once reported a failure")
	}
	if n != 1 {
		t.Fatalf("Once ran f %d times under -test.count=3, want 1", n)
	}
}

// TestOnceRunsUnderSkip: a -test.skip meant for other tests makes
// testing.RunTests skip its test (its matcher matches every name); Once
// runs it, and leaves the flag as it was.
func TestOnceRunsUnderSkip(t *testing.T) {
	setFlag(t, "test.count", "1")
	setFlag(t, "test.v", "false")
	setFlag(t, "test.skip", "^TestSomethingElse$")
	bare := 0
	// RunTests warns on stderr that it ran nothing, which go test would
	// read as this package having no tests.
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = devNull
	runBare(func(*testing.T) { bare++ })
	os.Stderr = stderr
	devNull.Close()
	if bare != 0 {
		t.Fatalf("testing.RunTests (%s) ran its test under a -test.skip that its matcher matches: %d times, want 0", runtime.Version(), bare)
	}
	n := 0
	Once("once", func(*testing.T) { n++ })
	if n != 1 {
		t.Fatalf("Once ran f %d times under -test.skip, want 1", n)
	}
	if got := flag.Lookup("test.skip").Value.String(); got != "^TestSomethingElse$" {
		t.Fatalf("Once left -test.skip as %q", got)
	}
}
