package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// local-activity: a chain of three local activities, each taking the
// previous one's output: normalise an order reference, price it, format a
// receipt. Local activities run on the worker that runs the workflow and
// are retried by the SDK, not the server; the fault plan makes their
// attempts fail (local-activity-error). When a step runs out of attempts
// the chain must stop there and the workflow fail: a later step must never
// run on a value the failed step did not produce.

// localChain is the chain's steps, in order.
var localChain = []string{"Normalize", "Price", "Receipt"}

// LocalChainActivities holds the chain's steps. Each takes a little
// virtual time (so faults planned at different times hit different steps)
// and is otherwise a pure function of its input, so the expected result
// is known in advance.
type LocalChainActivities struct {
	Clock clock.Clock
}

// Normalize trims and upper-cases an order reference.
func (a *LocalChainActivities) Normalize(ctx context.Context, ref string) (string, error) {
	if err := waitVirtual(ctx, a.Clock, 500*time.Millisecond); err != nil {
		return "", err
	}
	return strings.ToUpper(strings.TrimSpace(ref)), nil
}

// Price appends the order's total, as a pricing lookup would.
func (a *LocalChainActivities) Price(ctx context.Context, ref string) (string, error) {
	if err := waitVirtual(ctx, a.Clock, 2*time.Second); err != nil {
		return "", err
	}
	return ref + " total=19.99", nil
}

// Receipt formats the priced order as a receipt line.
func (a *LocalChainActivities) Receipt(ctx context.Context, priced string) (string, error) {
	if err := waitVirtual(ctx, a.Clock, time.Second); err != nil {
		return "", err
	}
	return "receipt[" + priced + "]", nil
}

// localChainOptions retries each step three times, a second apart, then
// gives up: local activities are for short work that either succeeds
// quickly or fails the workflow task.
var localChainOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumAttempts: 3},
}

// LocalChainWorkflow runs the chain on ref and returns the receipt.
func LocalChainWorkflow(ctx workflow.Context, ref string) (string, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, localChainOptions)
	v := ref
	for _, step := range localChain {
		if err := workflow.ExecuteLocalActivity(ctx, step, v).Get(ctx, &v); err != nil {
			return "", fmt.Errorf("step %s: %w", step, err)
		}
	}
	return v, nil
}

// LocalChainIgnoresErrorWorkflow is the planted bug: the Price step's
// error is logged and the chain goes on with the unpriced reference, so a
// failed Price produces a receipt without a total.
func LocalChainIgnoresErrorWorkflow(ctx workflow.Context, ref string) (string, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, localChainOptions)
	v := ref
	for _, step := range localChain {
		err := workflow.ExecuteLocalActivity(ctx, step, v).Get(ctx, &v)
		if err != nil && step == "Price" {
			workflow.GetLogger(ctx).Warn("pricing failed, continuing", "error", err)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("step %s: %w", step, err)
		}
	}
	return v, nil
}

// chainStopsAtFailure holds when no step of the chain was scheduled after
// an earlier step's last attempt failed. It reads the trace: la.schedule
// per step, la.end per attempt. A workflow task that fails or times out
// (engine 2's workflow-task-failure and workflow-task-timeout) loses the
// local activities it ran, and the worker runs the chain again from its
// first step, as a real worker does: that first step starts a new chain.
func chainStopsAtFailure(maxAttempts int) sim.Property {
	return harness.Property("chain-stops-at-failure", func(r *sim.Result) error {
		failed := ""
		for _, e := range r.Events {
			switch {
			case e.Kind == "la.end" && e.Result != "ok" && e.Attempt >= maxAttempts:
				failed = e.Name
			case e.Kind == "la.schedule" && e.Name == localChain[0]:
				failed = "" // the chain starts over (see above)
			case e.Kind == "la.schedule" && failed != "":
				return fmt.Errorf("step %s was scheduled at %s after step %s failed for good", e.Name, sim.FormatOffset(e.T), failed)
			}
		}
		return nil
	})
}

func localActivityScenario(name, bug string, wf any) *sim.Scenario {
	const ref = "  order-42 "
	const want = `"receipt[ORDER-42 total=19.99]"`
	// Three steps of three attempts each (3.5s of work, backoffs of 1s
	// then 2s) take up to 19.5s, so the window covers a chain slowed by
	// retries: a 4s window closed before a retried chain reached its last
	// step, and faults aimed at that step could not fire.
	window := 20 * time.Second
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "three chained local activities; a step that runs out of attempts fails the workflow",
		Profile: sim.Profile{
			Kinds:           []sim.Kind{sim.LocalActivityError},
			LocalActivities: localChain,
			Window:          window,
			// The engine numbers local activity calls per attempt (each SDK
			// retry is a new local activity), so only call=0 ("every call")
			// reaches every attempt; draw it or the first call, and every
			// attempt or the first, so that steps often fail for good.
			MaxCall:    1,
			MaxAttempt: 1,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "LocalChainWorkflow"})
			w.RegisterActivity(&LocalChainActivities{Clock: w.Clock()})
			return sim.Case{Workflow: "LocalChainWorkflow", Args: []any{ref}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, time.Minute),
				chainStopsAtFailure(int(localChainOptions.RetryPolicy.MaximumAttempts)),
				harness.Property("receipt-is-whole-chain", func(r *sim.Result) error {
					if r.Outcome == sim.Completed && r.Output != want {
						return fmt.Errorf("workflow returned %s, want %s", r.Output, want)
					}
					return nil
				}),
			}}
		},
	}
}

func init() {
	register(localActivityScenario("local-activity", "", LocalChainWorkflow))
	register(planted(localActivityScenario("local-activity/bug-ignore-step-error",
		"the chain ignores the Price step's error and formats a receipt without a total", LocalChainIgnoresErrorWorkflow),
		"chain-stops-at-failure", ""))
}
