package sim

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"
)

// TestParentClosingBeforeItsChildEndsTheRunCleanly: a parent that returns
// while its child still runs must not leave the child's coroutines
// blocked in the bubble.
func TestParentClosingBeforeItsChildEndsTheRunCleanly(t *testing.T) {
	sc := &Scenario{
		Name: "orphan",
		Setup: func(w *World) Case {
			child := func(ctx workflow.Context) error { return workflow.Sleep(ctx, 24*time.Hour) }
			parent := func(ctx workflow.Context) error {
				cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "orphan-child"})
				f := workflow.ExecuteChildWorkflow(cctx, "child")
				if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
					return err
				}
				return workflow.Sleep(ctx, time.Minute)
			}
			w.RegisterWorkflowWithOptions(child, workflow.RegisterOptions{Name: "child"})
			w.RegisterWorkflowWithOptions(parent, workflow.RegisterOptions{Name: "parent"})
			return Case{Workflow: "parent"}
		},
	}
	r, err := Run(t, sc, 1, Plan{}, nil)
	require.NoError(t, err)
	require.Equal(t, Completed, r.Outcome, dump(r))
	require.Equal(t, time.Minute, r.Elapsed)
}
