package sim_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestOracleLeavesCodecOutagesAlone: a run in which a codec-failure fault
// fired is not judged (its replay decodes what the run could not, and the
// workflow takes another branch); the same scenario without the fault is.
func TestOracleLeavesCodecOutagesAlone(t *testing.T) {
	sc, err := scenarios.Lookup("encryption")
	require.NoError(t, err)
	plan, err := sim.ParsePlan(sim.PlanHeader + "\nf1 codec-failure at=4m59.999s dur=1s\n")
	require.NoError(t, err)
	r, err := sim.Run(t, sc, 1, plan, &sim.Options{Engine: sim.EngineServer})
	require.NoError(t, err)
	require.Equal(t, []int{1}, r.Fired)
	_, _, err = r.ReplayHistories()
	require.ErrorIs(t, err, sim.ErrReplayCodecOutage)

	r, err = sim.Run(t, sc, 1, sim.Plan{}, &sim.Options{Engine: sim.EngineServer})
	require.NoError(t, err)
	n, failures, err := r.ReplayHistories()
	require.NoError(t, err)
	require.Positive(t, n)
	require.Empty(t, failures)
}
