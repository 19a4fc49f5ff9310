package testrun

import (
	"flag"
	"testing"
)

// setFlag sets a testing flag for the rest of the test.
func setFlag(t *testing.T, name, value string) {
	f := flag.Lookup(name)
	if f == nil {
		t.Fatalf("no flag %s", name)
	}
	old := f.Value.String()
	if err := f.Value.Set(value); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

// TestOnceRunsOnceUnderCount: with -test.count=3, testing.RunTests runs its
// test three times (which shows the flag takes effect); Once runs it once.
func TestOnceRunsOnceUnderCount(t *testing.T) {
	setFlag(t, "test.count", "3")
	setFlag(t, "test.v", "false")
	bare := 0
	testing.RunTests(func(string, string) (bool, error) { return true, nil },
		[]testing.InternalTest{{Name: "bare", F: func(*testing.T) { bare++ }}})
	if bare != 3 {
		t.Fatalf("testing.RunTests ran its test %d times under -test.count=3, want 3", bare)
	}
	n := 0
	if !Once("once", func(*testing.T) { n++ }) {
		t.Fatal("Once reported a failure")
	}
	if n != 1 {
		t.Fatalf("Once ran f %d times under -test.count=3, want 1", n)
	}
}
