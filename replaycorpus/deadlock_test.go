package replaycorpus

import (
	"testing"
	"testing/synctest"
	"time"

	"go.temporal.io/sdk/workflow"
)

// slowStart blocks outside the SDK's scheduler until release is closed,
// then runs orderWorkflow: a workflow a debugger (or a slow machine) holds
// up for longer than the SDK's one-second deadlock timeout.
func slowStart(release <-chan struct{}) func(workflow.Context, string) (string, error) {
	return func(ctx workflow.Context, id string) (string, error) {
		<-release
		return orderWorkflow(ctx, id)
	}
}

// TestDisableDeadlockDetection holds the workflow up for five seconds of
// the bubble's virtual time: with detection on the SDK reports a
// deadlock after one; with DisableDeadlockDetection the replay waits and
// then passes.
func TestDisableDeadlockDetection(t *testing.T) {
	for _, tc := range []struct {
		disable bool
		want    Expectation
	}{{false, ExpectFail(Deadlock)}, {true, ExpectPass}} {
		synctest.Test(t, func(t *testing.T) {
			release := make(chan struct{})
			opts := Options{NamedWorkflows: map[string]any{orderWorkflowType: slowStart(release)}, DisableDeadlockDetection: tc.disable}
			r := mustReplayer(t, opts)
			done := make(chan Result)
			go func() { done <- r.ReplayHistory("slow", orderEvents(), tc.want) }()
			time.Sleep(5 * time.Second) // virtual: the bubble's clock
			close(release)
			if res := <-done; !res.Pass {
				t.Errorf("DisableDeadlockDetection=%v: want %s, got %v", tc.disable, tc.want, res.Err)
			}
		})
	}
}
