package sim

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
)

// TestHungWorkflowIsStoppedByTheVirtualBudget: a workflow that waits for a
// signal nobody sends is stopped when the virtual-time budget runs out and
// reported stuck with goroutine stacks, instead of hanging the test.
func TestHungWorkflowIsStoppedByTheVirtualBudget(t *testing.T) {
	sc := &Scenario{
		Name:   "hung",
		Budget: 48 * time.Hour,
		Setup: func(w *World) Case {
			wf := func(ctx workflow.Context) error {
				workflow.GetSignalChannel(ctx, "never").Receive(ctx, nil)
				return nil
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "hungWorkflow"})
			return Case{Workflow: "hungWorkflow"}
		},
	}
	r, err := Run(t, sc, 1, Plan{}, nil)
	require.NoError(t, err)
	require.Equal(t, Stuck, r.Outcome)
	require.Equal(t, 48*time.Hour, r.Elapsed)
	require.Contains(t, r.Stacks, "goroutine")
	stuck := find(r, "run.stuck")
	require.Len(t, stuck, 1, dump(r))
	require.True(t, strings.Contains(stuck[0].Detail, "48h0m0s"), stuck[0].Detail)
}

// TestWallClockHangIsReported: a run stuck outside virtual time (an
// activity in a busy loop, so the bubble's clock cannot move) trips the
// wall-clock watchdog, which hands over the goroutine stacks.
func TestWallClockHangIsReported(t *testing.T) {
	stop := make(chan struct{})
	var stacks string
	sc := &Scenario{
		Name: "busy",
		Setup: func(w *World) Case {
			spin := func(ctx context.Context) error {
				for {
					select {
					case <-stop:
						return nil
					default: //lint:ignore SA5004 the busy loop is the point: it keeps virtual time from moving
					}
				}
			}
			wf := func(ctx workflow.Context) error {
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
				return workflow.ExecuteActivity(ctx, "Spin").Get(ctx, nil)
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "busyWorkflow"})
			w.RegisterActivityWithOptions(spin, activity.RegisterOptions{Name: "Spin"})
			return Case{Workflow: "busyWorkflow"}
		},
	}
	r, err := Run(t, sc, 1, Plan{}, &Options{WallBudget: 100 * time.Millisecond, OnHang: func(s string) {
		stacks = s
		close(stop)
	}})
	require.NoError(t, err)
	require.Equal(t, Completed, r.Outcome)
	require.Contains(t, stacks, "TestWallClockHangIsReported", "the stacks show the spinning activity")
}
