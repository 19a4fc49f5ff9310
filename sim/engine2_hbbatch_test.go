package sim

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
)

// stepsScenario runs an activity that heartbeats its step count every 10s
// under a 30s heartbeat timeout (the SDK's batch window is 24s, so a window
// ends on a heartbeat every 2 minutes) and resumes from the last details
// the server kept; resumed holds where each attempt started.
func stepsScenario(resumed *[]int) *Scenario {
	return &Scenario{Name: "e2-steps", Setup: func(w *World) Case {
		act := func(ctx context.Context) error {
			done := 0
			if activity.HasHeartbeatDetails(ctx) {
				_ = activity.GetHeartbeatDetails(ctx, &done)
			}
			*resumed = append(*resumed, done)
			for ; done < 30; done++ {
				select {
				case <-w.Clock().After(10 * time.Second):
				case <-ctx.Done():
					return ctx.Err()
				}
				activity.RecordHeartbeat(ctx, done+1)
			}
			return nil
		}
		wf := func(ctx workflow.Context) error {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: 30 * time.Second})
			return workflow.ExecuteActivity(ctx, "steps").Get(ctx, nil)
		}
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "stepsWF"})
		w.RegisterActivityWithOptions(act, activityOpts("steps"))
		return Case{Workflow: "stepsWF"}
	}}
}

// TestEngine2CrashResumesFromSentDetails: the crash at 4m10.317s follows a
// heartbeat (step 25) made at the very instant a batch window ended
// (4m10.001s), when the SDK's batch goroutine sends the details it held
// (step 24). Whichever goroutine ran first used to decide what the server
// kept, so the retry resumed from 24 or 25 from run to run; the batch
// goroutine now always goes first, and the retry resumes from 24 in every
// run.
func TestEngine2CrashResumesFromSentDetails(t *testing.T) {
	plan := Plan{Faults: []Fault{{ID: 1, Kind: WorkerCrash, At: 4*time.Minute + 10317*time.Millisecond}}}
	var sha string
	for i := range 6 {
		var resumed []int
		r, err := runOnServer(t, stepsScenario(&resumed), 1, plan, Options{})
		require.NoError(t, err)
		require.Equal(t, Completed, r.Outcome, dump(r))
		require.Equal(t, []int{0, 24}, resumed, "run %d: the retry did not resume from the details the batch goroutine sent; "+
			"if the SDK moved past go.temporal.io/sdk v1.50.0, check its heartbeat batching against engine2_hbbatch.go", i)
		if i == 0 {
			sha = r.TraceSHA256()
		}
		require.Equal(t, sha, r.TraceSHA256(), "run %d", i)
	}
}
