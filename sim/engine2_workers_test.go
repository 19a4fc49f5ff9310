package sim

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"
)

// slowScenario runs one activity that takes 30s, under a 1m start-to-close
// timeout, and counts the attempts that returned.
func slowScenario() *Scenario {
	return &Scenario{
		Name: "e2-slow",
		Setup: func(w *World) Case {
			act := func(ctx context.Context) (string, error) {
				select {
				case <-time.After(30 * time.Second):
					return "done", nil
				case <-ctx.Done():
					return "", ctx.Err()
				}
			}
			wf := func(ctx workflow.Context) (string, error) {
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
				var out string
				err := workflow.ExecuteActivity(ctx, "slow").Get(ctx, &out)
				return out, err
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "slowWF"})
			w.RegisterActivityWithOptions(act, activityOpts("slow"))
			return Case{Workflow: "slowWF"}
		},
	}
}

func kinds(r *Result) map[string]int {
	m := map[string]int{}
	for _, e := range r.Events {
		m[e.Kind]++
	}
	return m
}

// TestEngine2WorkerShutdown: a shutdown with a 5s grace cancels the running
// attempt's context; the attempt reports it, the server retries it on the
// next worker, and the records name the fault.
func TestEngine2WorkerShutdown(t *testing.T) {
	plan := Plan{Faults: []Fault{{ID: 1, Kind: WorkerShutdown, At: 10 * time.Second, Dur: 5 * time.Second}}}
	r, err := runOnServer(t, slowScenario(), 1, plan, Options{})
	require.NoError(t, err)
	require.Equal(t, Completed, r.Outcome, dump(r))
	require.Len(t, r.Activities, 1)
	atts := r.Activities[0].Attempts
	require.Len(t, atts, 2, dump(r))
	require.Equal(t, 1, atts[0].Worker)
	require.Equal(t, []int{1}, atts[0].Faults)
	require.Equal(t, 15*time.Second, atts[0].End.Truncate(time.Second), "cancelled when the grace ran out")
	require.Equal(t, 2, atts[1].Worker)
	require.Equal(t, "ok", atts[1].Result)
	k := kinds(r)
	require.Equal(t, 1, k["worker.stop"])
	require.Equal(t, 1, k["worker.kill"])
	require.Equal(t, 1, k["act.stop"])
	require.Equal(t, []int{1}, r.Fired)
}

// TestEngine2WorkerCrash: a crash loses the running attempt's result; the
// server times it out and retries it on the fresh worker, which takes the
// workflow's tasks over.
func TestEngine2WorkerCrash(t *testing.T) {
	plan := Plan{Faults: []Fault{{ID: 1, Kind: WorkerCrash, At: 10 * time.Second}}}
	r, err := runOnServer(t, slowScenario(), 1, plan, Options{})
	require.NoError(t, err)
	require.Equal(t, Completed, r.Outcome, dump(r))
	atts := r.Activities[0].Attempts
	require.Len(t, atts, 2, dump(r))
	require.Equal(t, "timeout:START_TO_CLOSE", atts[0].Result, "the server's verdict on the lost attempt")
	require.Equal(t, []int{1}, atts[0].Faults)
	require.Equal(t, 2, atts[1].Worker)
	k := kinds(r)
	require.Equal(t, 1, k["worker.crash"])
	require.Equal(t, 1, k["act.lost"])
	ids := map[string]int{}
	for _, h := range r.histories {
		for _, ev := range h.Events {
			if a := ev.GetWorkflowTaskCompletedEventAttributes(); a != nil {
				ids[a.GetIdentity()]++
			}
		}
	}
	require.Positive(t, ids["sim-worker-2"], "no workflow task completed on the fresh worker: %v", ids)
}

// TestEngine2NextWorkerExistsBeforeOldStops: for each worker fault kind, the
// next incarnation is created before the old one's Stop begins, so a run
// never holds no SDK worker between its first worker and its last Stop.
// The SDK's sticky cache is process-wide, and the Stop that leaves the
// process with no worker clears it, closing the coroutines of every run
// cached there: a run of another bubble caught in that gap took the swarm
// down with "send on synctest channel from outside bubble" (twice in two
// GOMAXPROCS=8 swarms of 5,100 engine-2 runs before this order).
func TestEngine2NextWorkerExistsBeforeOldStops(t *testing.T) {
	for _, kind := range []Kind{WorkerShutdown, WorkerCrash} {
		t.Run(string(kind), func(t *testing.T) {
			var mu sync.Mutex
			var events []string
			testHookWorker = func(event string, n int) {
				mu.Lock()
				events = append(events, fmt.Sprintf("%s %d", event, n))
				mu.Unlock()
			}
			defer func() { testHookWorker = nil }()
			plan := Plan{Faults: []Fault{
				{ID: 1, Kind: kind, At: 10 * time.Second, Dur: 5 * time.Second},
				{ID: 2, Kind: kind, At: 20 * time.Second, Dur: 5 * time.Second},
			}}
			r, err := runOnServer(t, slowScenario(), 1, plan, Options{})
			require.NoError(t, err)
			require.Equal(t, Completed, r.Outcome, dump(r))
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, []string{"new 1", "new 2", "stop 1", "new 3", "stop 2"}, events[:5])
		})
	}
}
