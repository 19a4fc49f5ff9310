package sim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// completionLog is what a test's completer saw: one line per call.
type completionLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *completionLog) note(w *World, what string, err error) {
	answer := "ok"
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		answer = "not-found"
	case err != nil:
		answer = err.Error()
	}
	l.mu.Lock()
	l.lines = append(l.lines, fmt.Sprintf("%s %s: %s", w.Since().Round(time.Second), what, answer))
	l.mu.Unlock()
}

// asyncScenario: attempt 1 of "pending" is completed by token after its
// 10s start-to-close timeout (too late); attempt 2 is completed by token
// 2s after it starts, then again, then by id, while the workflow waits on
// a timer.
func asyncScenario(log *completionLog) *Scenario {
	return &Scenario{
		Name: "e2-async",
		Setup: func(w *World) Case {
			later := func(d time.Duration, f func()) {
				go func() {
					t := w.Clock().Timer(d)
					defer t.Stop()
					select {
					case <-t.C:
						f()
					case <-w.Done():
					}
				}()
			}
			act := func(ctx context.Context) (string, error) {
				info := activity.GetInfo(ctx)
				tok, wf, run, id := info.TaskToken, info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityID
				if info.Attempt == 1 {
					later(15*time.Second, func() {
						log.note(w, "attempt 1 by token", w.CompleteActivity(context.Background(), tok, "v1", nil))
					})
					return "", activity.ErrResultPending
				}
				later(2*time.Second, func() {
					log.note(w, "attempt 2 by token", w.CompleteActivity(context.Background(), tok, "v2", nil))
				})
				later(3*time.Second, func() {
					log.note(w, "attempt 2 again", w.CompleteActivity(context.Background(), tok, "v2 again", nil))
				})
				later(4*time.Second, func() {
					log.note(w, "by id after", w.CompleteActivityByID(context.Background(), wf, run, id, "v3", nil))
				})
				return "", activity.ErrResultPending
			}
			wf := func(ctx workflow.Context) (string, error) {
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
					RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 2}})
				var out string
				if err := workflow.ExecuteActivity(ctx, "pending").Get(ctx, &out); err != nil {
					return "", err
				}
				return out, workflow.Sleep(ctx, time.Minute)
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "asyncWF"})
			w.RegisterActivityWithOptions(act, activityOpts("pending"))
			return Case{Workflow: "asyncWF"}
		},
	}
}

// TestAsyncCompletionSemantics: on both engines a completion is accepted
// once, while its attempt runs; a late one (the attempt timed out and was
// retried with a new token), a second one and one by id after the end are
// answered NotFound, and the attempt ends when the completer finished it.
func TestAsyncCompletionSemantics(t *testing.T) {
	for _, eng := range Engines() {
		t.Run(string(eng), func(t *testing.T) {
			log := &completionLog{}
			r, err := Run(t, asyncScenario(log), 1, Plan{}, &Options{Engine: eng})
			require.NoError(t, err)
			require.Equal(t, Completed, r.Outcome, "%v", r.Err)
			require.Equal(t, `"v2"`, r.Output)
			require.Equal(t, []string{
				"13s attempt 2 by token: ok",
				"14s attempt 2 again: not-found",
				"15s attempt 1 by token: not-found",
				"15s by id after: not-found",
			}, sortedLines(log))
			require.Len(t, r.Activities, 1)
			atts := r.Activities[0].Attempts
			require.Len(t, atts, 2)
			require.Equal(t, "timeout:START_TO_CLOSE", atts[0].Result)
			require.Equal(t, "ok", atts[1].Result)
			require.Equal(t, 13*time.Second, atts[1].End.Round(time.Second))
		})
	}
}

func sortedLines(l *completionLog) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := append([]string(nil), l.lines...)
	slices.Sort(out)
	return out
}
