package sim

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"
)

// ownIDScenario's workflow returns the workflow id it was started with.
func ownIDScenario() *Scenario {
	return &Scenario{
		Name: "own-id",
		Setup: func(w *World) Case {
			wf := func(ctx workflow.Context) (string, error) { return workflow.GetInfo(ctx).WorkflowExecution.ID, nil }
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "ownID"})
			return Case{Workflow: "ownID"}
		},
	}
}

// TestOptionsWorkflowID: both engines start the scenario's workflow under
// its name, or under Options.WorkflowID when given, and say which in
// Result.WorkflowID.
func TestOptionsWorkflowID(t *testing.T) {
	for _, e := range []Engine{EngineTestEnv, EngineServer} {
		for id, want := range map[string]string{"": "own-id", "own-id-7": "own-id-7"} {
			r, err := Run(t, ownIDScenario(), 7, Plan{}, &Options{Engine: e, WorkflowID: id})
			require.NoError(t, err)
			require.Equal(t, Completed, r.Outcome, dump(r))
			require.Equal(t, `"`+want+`"`, r.Output, "engine %s, WorkflowID %q", e, id)
			require.Equal(t, want, r.WorkflowID)
			require.Equal(t, want, r.RootWorkflowID())
			if e == EngineServer {
				require.Equal(t, want, r.Histories()[0].WorkflowID)
			}
		}
	}
}

// TestEngine2WorkflowIDReachesTimedFaults: on engine 2 the client calls
// of the plan (signal, update, query, cancel) go to the workflow under
// Options.WorkflowID, so the run's trace is the one it has under the
// scenario's name but for the workflow id.
func TestEngine2WorkflowIDReachesTimedFaults(t *testing.T) {
	sc := probeScenario(probeInput{Wait: 10 * time.Minute})
	plan, err := ParsePlan("f1 signal at=1m target=ping\nf2 update at=2m target=set value=1\nf3 query at=3m target=count\nf4 workflow-cancel at=4m")
	require.NoError(t, err)
	base, err := Run(t, sc, 3, plan, &Options{Engine: EngineServer})
	require.NoError(t, err)
	named, err := Run(t, sc, 3, plan, &Options{Engine: EngineServer, WorkflowID: "probe-3"})
	require.NoError(t, err)
	require.Equal(t, Canceled, named.Outcome, dump(named))
	require.Equal(t, []int{1, 2, 3, 4}, named.Fired)
	require.Equal(t, "probe-3", named.Histories()[0].WorkflowID)
	renamed := slices.Clone(named.Events)
	for i := range renamed {
		if renamed[i].WF == "probe-3" {
			renamed[i].WF = "probe"
		}
	}
	require.Equal(t, base.Events, renamed)
}
