package realserver

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestRunRefusesReplayKinds: a plan with a kind only engine 2 carries out
// is refused before any server is reached, naming the kind.
func TestRunRefusesReplayKinds(t *testing.T) {
	sc, err := scenarios.Lookup("parallel-activities")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range scenarios.ReplayKinds {
		plan := sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: k, At: time.Second}}}
		_, err := Run(context.Background(), nil, RunOptions{Scenario: sc, Plan: plan})
		if !errors.Is(err, sim.ErrEngineLacksKind) || !strings.Contains(err.Error(), string(k)) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", k, err)
		}
	}
}
