package sim_test

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
	"github.com/temporalsim/temporalsim/sim/internal/simtest"
)

// TestHostMatchesGoTest runs the same seeds in a plain program (through
// internal/host, as the simrun CLI does, two bubbles at a time) and under
// go test, and requires the same trace fingerprints.
func TestHostMatchesGoTest(t *testing.T) {
	const n = 40
	out, err := exec.Command("go", "run", "./testdata/hostmain", fmt.Sprint(n)).CombinedOutput()
	if err != nil {
		t.Fatalf("hostmain: %v\n%s", err, out)
	}
	sc := simtest.FanOut(4)
	var want strings.Builder
	for s := 1; s <= n; s++ {
		_, plan := sc.Profile.SwarmPlan(sim.Seed(s))
		r, err := sim.Run(t, sc, sim.Seed(s), plan, nil)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&want, s, r.TraceSHA256())
	}
	if got := string(out); got != want.String() {
		t.Fatalf("fingerprints outside go test differ from those under go test:\n got:\n%s\nwant:\n%s", got, want.String())
	}
}
