package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// TestCodecFailureAtStartStopsTheEngine backs the rule in sim's landFault
// that drawn codec faults start a second in: a codec that fails from the
// very start (the workflow's input) stops the SDK test environment
// itself, which sim.Run reports as an error, not as a finding. If this
// starts passing, the engine handles it and the rule can go.
func TestCodecFailureAtStartStopsTheEngine(t *testing.T) {
	sc, err := Lookup("encryption")
	if err != nil {
		t.Fatal(err)
	}
	plan := sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.CodecFailure, Dur: time.Minute}}}
	_, err = sim.Run(t, sc, 4, plan, nil)
	if err == nil || !strings.Contains(err.Error(), "could not run the workflow") {
		t.Fatalf("a codec failing from the start: err %v; want the engine's could-not-run error", err)
	}
}
