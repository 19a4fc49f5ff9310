package scenarios

import (
	"fmt"
	"sort"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Planted nondeterminism bugs of parallel-activities (parallel.go): each
// workflow returns what ParallelWorkflow returns, so every property of
// the scenario holds on a single execution, and engine 1, which never
// replays, cannot see them. A production worker that replays the
// workflow after a restart or a cache eviction fails it; on engine 2 the
// replay oracle (harness.Nondeterminism, part of Safety) does the same
// replay after the run.

// parallelOptions are ParallelWorkflow's activity options, with the
// activity id id ("" for the SDK's own).
func parallelOptions(ctx workflow.Context, id string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ActivityID:          id,
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second, MaximumAttempts: 10},
	})
}

// gatherSorted waits for every future and returns the results sorted, as
// ParallelWorkflow does.
func gatherSorted(ctx workflow.Context, futures []workflow.Future) ([]string, error) {
	out := make([]string, 0, len(futures))
	for _, f := range futures {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

// processRegions are where an item may be processed.
var processRegions = map[string]bool{"ams": true, "fra": true, "iad": true, "lhr": true, "nrt": true, "sfo": true, "sin": true, "syd": true}

// parallelMapOrder has a planted bug: it picks each item's region by
// ranging over a map and taking the first key, and names the activity
// after the region (for idempotency). Go randomises map order on every
// range, so a replay picks other regions and issues activities with ids
// the history does not have.
func parallelMapOrder(ctx workflow.Context, n int) ([]string, error) {
	futures := make([]workflow.Future, n)
	for i := range futures {
		region := ""
		for r := range processRegions { // the bug: map order is random
			region = r
			break
		}
		actx := parallelOptions(ctx, fmt.Sprintf("%s/item-%d", region, i))
		futures[i] = workflow.ExecuteActivity(actx, "Process", i, time.Duration(i+1)*30*time.Second)
	}
	return gatherSorted(ctx, futures)
}

// parallelWallClock has a planted bug: it expires a batch that waited
// more than a minute to start by reading the machine's clock
// (time.Since) instead of workflow.Now. The first execution runs as the
// batch starts; a replay runs later, finds the batch "expired" and fails
// where the history scheduled activities.
func parallelWallClock(ctx workflow.Context, n int) ([]string, error) {
	if time.Since(workflow.GetInfo(ctx).WorkflowStartTime) > time.Minute { // the bug
		return nil, temporal.NewNonRetryableApplicationError("batch expired before it started", "BatchExpired", nil)
	}
	return ParallelWorkflow(ctx, n)
}

// parallelNativeGoroutine has a planted bug: it warms a cache in a native
// goroutine (a go statement, not workflow.Go) while the activities run,
// and waits a second with a timer if the cache is not warm when they are
// done. The first execution finds it warm; a replay runs the whole
// history at once, before the goroutine is done, and adds a timer the
// history does not have.
func parallelNativeGoroutine(ctx workflow.Context, n int) ([]string, error) {
	ctx = parallelOptions(ctx, "")
	var warm atomic.Bool
	go func() { // the bug: a native goroutine in workflow code
		time.Sleep(5 * time.Second) // a network call, outside any activity
		warm.Store(true)
	}()
	futures := make([]workflow.Future, n)
	for i := range futures {
		futures[i] = workflow.ExecuteActivity(ctx, "Process", i, time.Duration(i+1)*30*time.Second)
	}
	out, err := gatherSorted(ctx, futures)
	if err == nil && !warm.Load() {
		err = workflow.Sleep(ctx, time.Second)
	}
	return out, err
}

func init() {
	register(planted(parallelVariant("parallel-activities/bug-map-order",
		"picks each item's region by ranging over a map and names the activity after it: a replay picks other regions", parallelMapOrder),
		"nondeterminism", ""))
	register(planted(parallelVariant("parallel-activities/bug-wall-clock",
		"expires the batch with time.Since instead of workflow.Now: a replay, run later, takes the expired branch", parallelWallClock),
		"nondeterminism", ""))
	register(planted(parallelVariant("parallel-activities/bug-native-goroutine",
		"warms a cache in a native go statement instead of workflow.Go: a replay does not wait for it and adds a timer", parallelNativeGoroutine),
		"nondeterminism", ""))
}
