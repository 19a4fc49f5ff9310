package scenarios

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/benbjohnson/clock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// child-workflow: a parent order workflow runs two children. The payment
// child runs in the plain form (start and wait for the result) and is
// terminated if the parent closes. The shipping child uses the
// start-and-handle form: the parent waits until the child has started
// (GetChildWorkflowExecution), then for its result; it is abandoned if the
// parent closes, since a shipment in progress must not be cut off. A
// child's failure is the parent's failure.

// ChildActivities does the children's work.
type ChildActivities struct {
	Clock clock.Clock
}

// Charge charges for the order (30s).
func (a *ChildActivities) Charge(ctx context.Context, order string) (string, error) {
	return a.work(ctx, 30*time.Second, "receipt-"+order)
}

// Ship books the shipment (2m).
func (a *ChildActivities) Ship(ctx context.Context, order string) (string, error) {
	return a.work(ctx, 2*time.Minute, "parcel-"+order)
}

func (a *ChildActivities) work(ctx context.Context, d time.Duration, result string) (string, error) {
	select {
	case <-a.Clock.After(d):
		return result, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// PaymentChild charges for an order.
func PaymentChild(ctx workflow.Context, order string) (string, error) {
	return childStep(ctx, "Charge", order)
}

// ShippingChild ships an order.
func ShippingChild(ctx workflow.Context, order string) (string, error) {
	return childStep(ctx, "Ship", order)
}

func childStep(ctx workflow.Context, act, order string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	var res string
	err := workflow.ExecuteActivity(ctx, act, order).Get(ctx, &res)
	return res, err
}

// OrderParentWorkflow pays for the order, then ships it.
func OrderParentWorkflow(ctx workflow.Context, order string) (string, error) {
	receipt, err := payForOrder(ctx, order)
	if err != nil {
		return "", err
	}
	parcel, err := shipOrder(ctx, order)
	if err != nil {
		return "", err
	}
	return receipt + " " + parcel, nil
}

// orderIgnoresChildFailure is OrderParentWorkflow with the planted bug: a
// failed child is logged and the parent carries on as if it had worked.
func orderIgnoresChildFailure(ctx workflow.Context, order string) (string, error) {
	receipt, err := payForOrder(ctx, order)
	if err != nil {
		workflow.GetLogger(ctx).Warn("payment failed", "error", err)
	}
	parcel, err := shipOrder(ctx, order)
	if err != nil {
		workflow.GetLogger(ctx).Warn("shipping failed", "error", err)
	}
	return receipt + " " + parcel, nil
}

// payForOrder runs the payment child in the plain form.
func payForOrder(ctx workflow.Context, order string) (string, error) {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		// An explicit id: the default derives from the run id, which is
		// random in the test environment.
		WorkflowID:        order + "-payment",
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_TERMINATE,
	})
	var receipt string
	err := workflow.ExecuteChildWorkflow(ctx, "PaymentChild", order).Get(ctx, &receipt)
	return receipt, err
}

// shipOrder runs the shipping child in the start-and-handle form.
func shipOrder(ctx workflow.Context, order string) (string, error) {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        order + "-shipping",
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	child := workflow.ExecuteChildWorkflow(ctx, "ShippingChild", order)
	var started workflow.Execution
	if err := child.GetChildWorkflowExecution().Get(ctx, &started); err != nil {
		return "", err // the child could not start
	}
	var parcel string
	err := child.Get(ctx, &parcel)
	return parcel, err
}

// childFailureFailsParent holds when the parent completed only if every
// child it ran completed (with the result both children produced), and
// failed, with the child's error, whenever a child failed.
func childFailureFailsParent(order string) sim.Property {
	return harness.Property("child-failure-fails-parent", func(r *sim.Result) error {
		var failed []string
		for _, e := range eventsOf(r, "child.end") {
			if e.Result != "ok" {
				failed = append(failed, e.WF+" ("+e.Result+")")
			}
		}
		switch {
		case len(failed) > 0 && r.Outcome != sim.Failed:
			return fmt.Errorf("child %s failed but the parent ended %s %s", failed[0], r.Outcome, r.Output)
		case len(failed) > 0 && !strings.HasPrefix(r.ErrType, "ChildWorkflowExecutionError>"):
			return fmt.Errorf("child %s failed but the parent failed with %s, not the child's error", failed[0], r.ErrType)
		case len(failed) == 0 && r.Outcome == sim.Failed:
			return fmt.Errorf("the parent failed (%s) although no child did", r.ErrType)
		}
		if want := fmt.Sprintf("%q", "receipt-"+order+" parcel-"+order); r.Outcome == sim.Completed && r.Output != want {
			return fmt.Errorf("the parent returned %s, want %s", r.Output, want)
		}
		return nil
	})
}

func childScenario(name, bug string, wf any) *sim.Scenario {
	const order = "order-1"
	window := 5 * time.Minute
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "parent runs a payment child (terminate on close) and a shipping child (abandon, start-and-handle form)",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ChildWorkflowFailure, sim.ActivityError, sim.Latency, sim.StartToCloseTimeout},
			Activities: []string{"Charge", "Ship"},
			Children:   []string{"PaymentChild", "ShippingChild"},
			Window:     window,
			MaxCall:    1,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "OrderParentWorkflow"})
			w.RegisterWorkflow(PaymentChild)
			w.RegisterWorkflow(ShippingChild)
			w.RegisterActivity(&ChildActivities{Clock: w.Clock()})
			return sim.Case{Workflow: "OrderParentWorkflow", Args: []any{order}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, time.Hour),
				childFailureFailsParent(order),
			}}
		},
	}
}

func init() {
	register(childScenario("child-workflow", "", OrderParentWorkflow))
	register(planted(childScenario("child-workflow/bug-ignores-child-failure",
		"the parent logs a failed child and carries on, returning success for an order that was not paid or not shipped", orderIgnoresChildFailure),
		"child-failure-fails-parent", ""))
}
