package cputime

import (
	"testing"
	"time"
)

// sink keeps the busy loop's result alive.
var sink uint64

// TestUsedCountsWork: a fixed amount of work (about 50ms of CPU on the
// project's 2-core machine, however loaded: CPU time, not wall time) shows
// in Used.
func TestUsedCountsWork(t *testing.T) {
	if !Reported {
		t.Skip("this system does not report CPU time")
	}
	c0 := Used()
	x := uint64(1)
	for i := range 100_000_000 {
		x = x*6364136223846793005 + uint64(i)
	}
	sink = x
	if busy := Used() - c0; busy < 5*time.Millisecond {
		t.Errorf("a busy loop used %v of CPU, want at least 5ms", busy)
	}
}
