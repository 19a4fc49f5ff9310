package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporalsim/temporalsim/sim"
	"github.com/temporalsim/temporalsim/sim/internal/simtest"
)

func TestFanOutCompletes(t *testing.T) {
	r, err := sim.Run(t, simtest.FanOut(4), 1, sim.Plan{}, nil)
	require.NoError(t, err)
	require.Equal(t, sim.Completed, r.Outcome, "err=%v", r.Err)
	require.Equal(t, `["w0@1","w1@1","w2@1","w3@1"]`, r.Output)
	// Workflow time after the activities equals activity time: the
	// longest ran 4 minutes, then the workflow slept a day.
	require.Equal(t, "24h4m0s", r.Elapsed.String())
}
