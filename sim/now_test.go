package sim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
	"pgregory.net/rapid"
)

// clockScenario runs activities that sleep the given durations on the
// World's clock, in parallel, and returns how far workflow.Now() moved
// across each activity, as seen by the workflow, and the activity clock's
// reading at the end of each activity.
func clockScenario(ds []time.Duration) *Scenario {
	return &Scenario{
		Name:   "clock",
		Budget: 2 * 365 * 24 * time.Hour,
		Setup: func(w *World) Case {
			sleep := func(ctx context.Context, d time.Duration) (time.Time, error) {
				w.Clock().Sleep(d)
				return w.Clock().Now(), nil
			}
			wf := func(ctx workflow.Context) (string, error) {
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 400 * 24 * time.Hour})
				start := workflow.Now(ctx)
				var fs []workflow.Future
				for _, d := range ds {
					fs = append(fs, workflow.ExecuteActivity(ctx, "Sleep", d))
				}
				out := ""
				for _, f := range fs {
					var actNow time.Time
					if err := f.Get(ctx, &actNow); err != nil {
						return "", err
					}
					out += fmt.Sprintf("%d:%d ", workflow.Now(ctx).Sub(start), actNow.Sub(start))
				}
				return out, nil
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "clockWorkflow"})
			w.RegisterActivityWithOptions(sleep, activity.RegisterOptions{Name: "Sleep"})
			return Case{Workflow: "clockWorkflow"}
		},
	}
}

// TestWorkflowTimeFollowsActivityTime: after an activity that ran for d of
// virtual time, workflow.Now() has moved by d, and equals the activity's
// own clock; with several activities in parallel, each result arrives at
// its own finishing time (results are read in order, so a later-listed
// shorter activity is seen at the time the workflow got to it).
func TestWorkflowTimeFollowsActivityTime(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 4).Draw(rt, "n")
		ds := make([]time.Duration, n)
		for i := range ds {
			ds[i] = time.Duration(rapid.Int64Range(int64(time.Millisecond), int64(365*24*time.Hour)).Draw(rt, "d")).Truncate(time.Millisecond)
		}
		r, err := Run(t, clockScenario(ds), 1, Plan{}, nil)
		if err != nil {
			rt.Fatal(err)
		}
		if r.Outcome != Completed {
			rt.Fatalf("outcome %s: %v", r.Outcome, r.Err)
		}
		want, seen := "", time.Duration(0)
		for _, d := range ds {
			seen = max(seen, d)
			want += fmt.Sprintf("%d:%d ", seen, d)
		}
		if r.Output != fmt.Sprintf("%q", want) {
			rt.Fatalf("durations %v: workflow saw (now:activity-clock) %s, want %q", ds, r.Output, want)
		}
	})
}
