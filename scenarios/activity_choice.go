package scenarios

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// activity-choice: the workflow looks up what an order is for (an enum) and
// picks which activity to run from it. A value it does not know is a
// business error no retry can fix, so the workflow fails at once with a
// non-retryable ApplicationError and schedules nothing more. Each seed
// draws the order's contents, unknown values included.

// Fruit is the enum the activity-choice workflow dispatches on.
type Fruit string

// The fruits the supplier sells.
const (
	Apple  Fruit = "apple"
	Banana Fruit = "banana"
	Cherry Fruit = "cherry"
)

// fruitActivities maps each known choice to the activity that orders it.
var fruitActivities = map[Fruit]string{Apple: "OrderApples", Banana: "OrderBananas", Cherry: "OrderCherries"}

// ChoiceActivities looks orders up in an order book and orders fruit from
// a supplier, whose order inbox is a notification sink.
type ChoiceActivities struct {
	Clock    clock.Clock
	Book     map[string]Fruit
	Supplier *fakes.NotificationSink
}

// GetOrder returns what the order is for, after a lookup that takes 5s.
func (a *ChoiceActivities) GetOrder(ctx context.Context, orderID string) (Fruit, error) {
	select {
	case <-a.Clock.After(5 * time.Second):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return a.Book[orderID], nil
}

// OrderApples orders apples.
func (a *ChoiceActivities) OrderApples(ctx context.Context) (string, error) {
	return a.order(ctx, Apple)
}

// OrderBananas orders bananas.
func (a *ChoiceActivities) OrderBananas(ctx context.Context) (string, error) {
	return a.order(ctx, Banana)
}

// OrderCherries orders cherries.
func (a *ChoiceActivities) OrderCherries(ctx context.Context) (string, error) {
	return a.order(ctx, Cherry)
}

func (a *ChoiceActivities) order(ctx context.Context, f Fruit) (string, error) {
	if err := a.Supplier.Send(ctx, "supplier", "order", string(f)); err != nil {
		return "", err
	}
	return string(f) + " ordered", nil
}

// ChoiceWorkflow looks the order up and runs the activity for its fruit.
func ChoiceWorkflow(ctx workflow.Context, orderID string) (string, error) {
	ctx = withChoiceOptions(ctx)
	choice, err := lookUpOrder(ctx, orderID)
	if err != nil {
		return "", err
	}
	act, ok := fruitActivities[choice]
	if !ok {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("unknown choice %q", choice), "UnknownChoice", nil)
	}
	return runChoice(ctx, act)
}

// choiceRetryableUnknown is ChoiceWorkflow with the planted bug: an unknown
// choice fails with a retryable error.
func choiceRetryableUnknown(ctx workflow.Context, orderID string) (string, error) {
	ctx = withChoiceOptions(ctx)
	choice, err := lookUpOrder(ctx, orderID)
	if err != nil {
		return "", err
	}
	act, ok := fruitActivities[choice]
	if !ok {
		return "", temporal.NewApplicationError(fmt.Sprintf("unknown choice %q", choice), "UnknownChoice")
	}
	return runChoice(ctx, act)
}

// choiceFallsBack is ChoiceWorkflow with a planted bug: when ordering the
// chosen fruit fails for good, it orders apples instead, which the
// customer did not ask for.
func choiceFallsBack(ctx workflow.Context, orderID string) (string, error) {
	ctx = withChoiceOptions(ctx)
	choice, err := lookUpOrder(ctx, orderID)
	if err != nil {
		return "", err
	}
	act, ok := fruitActivities[choice]
	if !ok {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("unknown choice %q", choice), "UnknownChoice", nil)
	}
	res, err := runChoice(ctx, act)
	if err != nil && choice != Apple {
		workflow.GetLogger(ctx).Warn("order failed, ordering apples", "choice", choice, "error", err)
		return runChoice(ctx, fruitActivities[Apple])
	}
	return res, err
}

func withChoiceOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
}

func lookUpOrder(ctx workflow.Context, orderID string) (Fruit, error) {
	var choice Fruit
	err := workflow.ExecuteActivity(ctx, "GetOrder", orderID).Get(ctx, &choice)
	return choice, err
}

func runChoice(ctx workflow.Context, act string) (string, error) {
	var res string
	err := workflow.ExecuteActivity(ctx, act).Get(ctx, &res)
	return res, err
}

// choiceDispatched holds when a known choice ran its own activity and no
// other (and a completed run placed exactly that one order), and an unknown
// one failed the workflow with a non-retryable UnknownChoice error before
// anything else was scheduled.
func choiceDispatched(choice Fruit, supplier *fakes.NotificationSink) sim.Property {
	return harness.Property("choice-dispatched", func(r *sim.Result) error {
		act, known := fruitActivities[choice]
		for _, a := range r.Activities {
			if a.Type != "GetOrder" && (!known || a.Type != act) {
				return fmt.Errorf("choice %q scheduled %s", choice, a.Type)
			}
		}
		if known {
			if r.Outcome != sim.Completed {
				return nil // the lookup or the order failed
			}
			if want := fmt.Sprintf("%q", string(choice)+" ordered"); r.Output != want {
				return fmt.Errorf("choice %q returned %s, want %s", choice, r.Output, want)
			}
			if orders := supplier.Sent(); len(orders) != 1 || orders[0].Body != string(choice) {
				return fmt.Errorf("choice %q completed but the supplier got %d orders %v", choice, len(orders), orders)
			}
			return nil
		}
		if failedEarly(r) {
			return nil
		}
		var appErr *temporal.ApplicationError
		if r.Outcome != sim.Failed || !errors.As(r.Err, &appErr) || appErr.Type() != "UnknownChoice" {
			return fmt.Errorf("unknown choice %q ended %s (%s), want failed with ApplicationError:UnknownChoice", choice, r.Outcome, r.ErrType)
		}
		if !appErr.NonRetryable() {
			return fmt.Errorf("unknown choice %q failed with a retryable error: a workflow retry policy would run it again", choice)
		}
		return nil
	})
}

// failedEarly reports whether the order lookup itself failed, before any
// choice was made.
func failedEarly(r *sim.Result) bool {
	for _, a := range r.Activities {
		if a.Type == "GetOrder" && (len(a.Attempts) == 0 || a.Attempts[len(a.Attempts)-1].Result != "ok") {
			return true
		}
	}
	return false
}

func choiceScenario(name, bug string, wf any) *sim.Scenario {
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "pick an activity by an enum input; an unknown value fails at once, non-retryable",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout},
			Activities: []string{"GetOrder", "OrderApples", "OrderBananas", "OrderCherries"},
			Window:     10 * time.Second, // orders start after the 5s lookup: faults drawn later would hit little
			MaxCall:    1,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			choice := pickOne(w, "choice", Apple, Banana, Cherry, "durian")
			supplier := fakes.NewNotificationSink(w.Clock(), w.Rand("supplier"), &fakes.NotificationConfig{Latency: fakes.Uniform(time.Second, 20*time.Second)})
			acts := &ChoiceActivities{Clock: w.Clock(), Book: map[string]Fruit{"order-1": choice}, Supplier: supplier}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "ChoiceWorkflow"})
			w.RegisterActivity(acts)
			return sim.Case{Workflow: "ChoiceWorkflow", Args: []any{"order-1"}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(10*time.Second, time.Hour),
				choiceDispatched(choice, acts.Supplier),
			}}
		},
	}
}

func init() {
	register(choiceScenario("activity-choice", "", ChoiceWorkflow))
	register(planted(choiceScenario("activity-choice/bug-retryable-unknown",
		"an unknown choice fails with a retryable ApplicationError, so a workflow retry policy would rerun it until MaximumAttempts", choiceRetryableUnknown),
		"choice-dispatched", "an unknown choice is part of the order (about one seed in four draws one) and the bug is on that branch: no fault is needed to reach it"))
	register(planted(choiceScenario("activity-choice/bug-fallback-order",
		"when ordering the chosen fruit fails for good, the workflow orders apples instead", choiceFallsBack),
		"choice-dispatched", ""))
}
