package replaycorpus

import (
	"errors"
	"runtime"
	"time"

	"go.temporal.io/sdk/workflow"
)

// The order workflow is the original that the test histories record; the
// mutants below are incompatible (or, for the versioned one, compatible)
// changes to it. All of them register as orderWorkflowType.
const orderWorkflowType = "OrderWorkflow"

var orderActivityOptions = workflow.ActivityOptions{StartToCloseTimeout: time.Minute}

func orderWorkflow(ctx workflow.Context, orderID string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, orderActivityOptions)
	var reserved, charged string
	if err := workflow.ExecuteActivity(ctx, "Reserve", orderID).Get(ctx, &reserved); err != nil {
		return "", err
	}
	if err := workflow.Sleep(ctx, time.Minute); err != nil {
		return "", err
	}
	if err := workflow.ExecuteActivity(ctx, "Charge", orderID).Get(ctx, &charged); err != nil {
		return "", err
	}
	return reserved + "+" + charged, nil
}

// orderHistory is what a server records for orderWorkflow("order-1").
func orderHistory() *historyBuilder {
	b := newHistoryBuilder(orderWorkflowType, "order-1")
	b.workflowTask()                  // 2-4
	b.activity("Reserve", "reserved") // 5-7
	b.workflowTask()                  // 8-10
	b.timer(time.Minute)              // 11-12
	b.workflowTask()                  // 13-15
	b.activity("Charge", "charged")   // 16-18
	b.workflowTask()                  // 19-21
	b.complete("reserved+charged")    // 22
	return b
}

// run executes activities and timers in order; each step is an activity
// name or "sleep".
func run(ctx workflow.Context, steps ...string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, orderActivityOptions)
	result := ""
	for _, step := range steps {
		if step == "sleep" {
			if err := workflow.Sleep(ctx, time.Minute); err != nil {
				return "", err
			}
			continue
		}
		var out string
		if err := workflow.ExecuteActivity(ctx, step, "order-1").Get(ctx, &out); err != nil {
			return "", err
		}
		if result != "" {
			result += "+"
		}
		result += out
	}
	return result, nil
}

func mutantReorderActivities(ctx workflow.Context, _ string) (string, error) {
	return run(ctx, "Charge", "sleep", "Reserve")
}

func mutantAddActivity(ctx workflow.Context, _ string) (string, error) {
	return run(ctx, "Reserve", "sleep", "Charge", "Notify")
}

func mutantRemoveTimer(ctx workflow.Context, _ string) (string, error) {
	return run(ctx, "Reserve", "Charge")
}

func mutantRemoveActivity(ctx workflow.Context, _ string) (string, error) {
	return run(ctx, "Reserve", "sleep")
}

func mutantChangeActivityType(ctx workflow.Context, _ string) (string, error) {
	return run(ctx, "Hold", "sleep", "Charge")
}

func mutantAddTimer(ctx workflow.Context, _ string) (string, error) {
	return run(ctx, "sleep", "Reserve", "sleep", "Charge")
}

func mutantAddTimerAtEnd(ctx workflow.Context, _ string) (string, error) {
	return run(ctx, "Reserve", "sleep", "Charge", "sleep")
}

// mutantChangeResultHandling fails where the original completed.
func mutantChangeResultHandling(ctx workflow.Context, id string) (string, error) {
	out, err := run(ctx, "Reserve", "sleep", "Charge")
	if err != nil {
		return "", err
	}
	return "", errors.New("charge needs review: " + out)
}

// mutantVersioned adds an activity behind workflow.GetVersion, the
// compatible way to make the change: old histories take the old branch.
func mutantVersioned(ctx workflow.Context, id string) (string, error) {
	out, err := run(ctx, "Reserve", "sleep", "Charge")
	if err != nil {
		return "", err
	}
	if workflow.GetVersion(ctx, "notify", workflow.DefaultVersion, 1) == 1 {
		return run(ctx, "Notify")
	}
	return out, nil
}

// mutantPanics panics in replay, as code reading a nil map would.
func mutantPanics(ctx workflow.Context, _ string) (string, error) {
	var m map[string]int
	m["boom"]++ //lint:ignore SA5000 the nil-map panic is the mutant's point
	return "", nil
}

// blockingWorkflow returns a workflow that blocks outside the SDK's
// scheduler until release is closed, which the SDK reports as a potential
// deadlock. It then exits its goroutine without touching workflow state.
func blockingWorkflow(release <-chan struct{}) func(workflow.Context, string) (string, error) {
	return func(ctx workflow.Context, _ string) (string, error) {
		<-release
		runtime.Goexit()
		return "", nil
	}
}

func mutantSideEffect(ctx workflow.Context, _ string) (string, error) {
	var n int
	if err := workflow.SideEffect(ctx, func(workflow.Context) any { return 1 }).Get(&n); err != nil {
		return "", err
	}
	return run(ctx, "Reserve", "sleep", "Charge")
}

func mutantMutableSideEffect(ctx workflow.Context, _ string) (string, error) {
	var n int
	eq := func(a, b any) bool { return a == b }
	if err := workflow.MutableSideEffect(ctx, "limit", func(workflow.Context) any { return 1 }, eq).Get(&n); err != nil {
		return "", err
	}
	return run(ctx, "Reserve", "sleep", "Charge")
}

// versionedWorkflow calls GetVersion("notify", min, max) and then runs
// Reserve, as the code behind orderHistoryWithVersion did with (Default, 1).
func versionedWorkflow(minSupported, maxSupported workflow.Version) func(workflow.Context, string) (string, error) {
	return func(ctx workflow.Context, _ string) (string, error) {
		workflow.GetVersion(ctx, "notify", minSupported, maxSupported)
		return run(ctx, "Reserve")
	}
}

// reserveOnly is versionedWorkflow with the GetVersion call deleted.
func reserveOnly(ctx workflow.Context, _ string) (string, error) {
	return run(ctx, "Reserve")
}
