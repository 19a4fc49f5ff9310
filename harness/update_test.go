package harness_test

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// cartWorkflow holds a cart for a minute: update addItem adds a non-empty
// item, query cart returns the items. Its bug checks the item in the
// handler, after adding it, instead of in a validator.
func cartWorkflow(ctx workflow.Context, bug bool) ([]string, error) {
	var cart []string
	if err := workflow.SetQueryHandler(ctx, "cart", func() ([]string, error) { return cart, nil }); err != nil {
		return nil, err
	}
	validate := func(ctx workflow.Context, item string) error {
		if item == "-" {
			return errors.New("no item")
		}
		return nil
	}
	add := func(ctx workflow.Context, item string) error {
		cart = append(cart, item)
		if bug {
			return validate(ctx, item)
		}
		return nil
	}
	opts := workflow.UpdateHandlerOptions{}
	if !bug {
		opts.Validator = validate
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, "addItem", add, opts); err != nil {
		return nil, err
	}
	return cart, workflow.Sleep(ctx, time.Minute)
}

// TestRejectedUpdateLeavesStateOnEngineRuns sends an item, then a bad
// one between two queries: the validator's rejection leaves the cart as
// it was; the planted bug's handler has added it before failing.
func TestRejectedUpdateLeavesStateOnEngineRuns(t *testing.T) {
	plan, err := sim.ParsePlan("f1 update at=1s target=addItem value=book\nf2 query at=2s target=cart\nf3 update at=3s target=addItem value=-\nf4 query at=4s target=cart\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, bug := range []bool{false, true} {
		sc := &sim.Scenario{
			Name:    "cart",
			Profile: sim.Profile{Kinds: []sim.Kind{sim.Update, sim.Query}, Updates: []sim.Message{{Name: "addItem", Values: []string{"book", "-"}}}, Queries: []sim.Message{{Name: "cart"}}},
			Setup: func(w *sim.World) sim.Case {
				w.RegisterWorkflow(cartWorkflow)
				return sim.Case{Workflow: cartWorkflow, Args: []any{bug}}
			},
			Properties: []sim.Property{harness.RejectedUpdateLeavesState("addItem", "cart")},
		}
		r, err := sim.Run(t, sc, 1, plan, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case !bug && r.Failed():
			t.Errorf("the validator rejects the bad item, yet: %v", r.Violations)
		case bug && !r.Failed():
			t.Errorf("the handler added the bad item before failing, and the property held; trace:\n%s", harness.Excerpt(r.Events, 0, 20))
		case bug:
			t.Logf("planted bug: %s", r.Violations[0])
		}
	}
}
