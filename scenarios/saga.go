package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// saga: an order is reserved, charged and shipped, each step an activity.
// When a step fails, the compensations of the steps that completed run in
// reverse order (refund the charge, release the reservation) in a
// disconnected context, and every one of them is attempted even when an
// earlier one fails. The charge carries an idempotency key, so a retry
// after a lost response does not charge twice. Some orders go to an
// address the carrier cannot serve (drawn per seed), so shipping fails
// without any fault and the saga must unwind. Workflow cancellation is
// left out of the fault profile: the SDK test environment resolves a
// cancelled activity at once, even with WaitForCancellation, so a step
// could still complete after the saga stopped waiting for it.

// SagaOrder is what the saga works on.
type SagaOrder struct {
	ID          string
	Account     string
	AmountCents int64
	Destination string
}

// SagaActivities holds the steps, their compensations and the fakes.
type SagaActivities struct {
	Clock    clock.Clock
	Payments *fakes.PaymentService
	// KeylessCharge is the planted bug: charge without an idempotency key.
	KeylessCharge bool
}

// Reserve holds the order's stock.
func (a *SagaActivities) Reserve(ctx context.Context, o SagaOrder) error {
	return waitVirtual(ctx, a.Clock, time.Second)
}

// Release gives the order's stock back; it compensates Reserve.
func (a *SagaActivities) Release(ctx context.Context, o SagaOrder) error {
	return waitVirtual(ctx, a.Clock, time.Second)
}

// Charge takes the order's amount from its account, keyed by the order so
// that a retry replays the first charge instead of making a second.
func (a *SagaActivities) Charge(ctx context.Context, o SagaOrder) (string, error) {
	key := "charge-" + o.ID
	if a.KeylessCharge {
		key = ""
	}
	return a.Payments.Charge(ctx, key, o.Account, o.AmountCents)
}

// Refund returns a charge; it compensates Charge.
func (a *SagaActivities) Refund(ctx context.Context, o SagaOrder, chargeID string) error {
	return a.Payments.Refund(ctx, "refund-"+o.ID, chargeID)
}

// Ship hands the order to the carrier, which refuses some destinations.
func (a *SagaActivities) Ship(ctx context.Context, o SagaOrder) error {
	if err := waitVirtual(ctx, a.Clock, 2*time.Second); err != nil {
		return err
	}
	if o.Destination == "Atlantis" {
		return temporal.NewNonRetryableApplicationError("no carrier serves "+o.Destination, "Undeliverable", nil)
	}
	return nil
}

// sagaCompensations maps each step to the activity that undoes it.
var sagaCompensations = map[string]string{"Reserve": "Release", "Charge": "Refund"}

type sagaCompensation struct {
	activity string
	args     []any
}

// sagaWorkflow returns the saga; stopAtFailedCompensation plants bug 1.
func sagaWorkflow(stopAtFailedCompensation bool) func(workflow.Context, SagaOrder) (string, error) {
	return func(ctx workflow.Context, o SagaOrder) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: time.Minute,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
		})
		var undo []sagaCompensation
		var chargeID string
		err := workflow.ExecuteActivity(ctx, "Reserve", o).Get(ctx, nil)
		if err == nil {
			undo = append(undo, sagaCompensation{"Release", []any{o}})
			err = workflow.ExecuteActivity(ctx, "Charge", o).Get(ctx, &chargeID)
		}
		if err == nil {
			undo = append(undo, sagaCompensation{"Refund", []any{o, chargeID}})
			err = workflow.ExecuteActivity(ctx, "Ship", o).Get(ctx, nil)
		}
		if err == nil {
			return chargeID, nil
		}
		sagaCompensate(ctx, undo, stopAtFailedCompensation)
		return "", err
	}
}

// sagaCompensate runs the compensations in undo in reverse order.
func sagaCompensate(ctx workflow.Context, undo []sagaCompensation, stopAtFailedCompensation bool) {
	// Compensate even if the workflow itself is being torn down.
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	dctx = workflow.WithActivityOptions(dctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
	for i := len(undo) - 1; i >= 0; i-- {
		c := undo[i]
		if cerr := workflow.ExecuteActivity(dctx, c.activity, c.args...).Get(dctx, nil); cerr != nil {
			workflow.GetLogger(ctx).Error("compensation failed", "activity", c.activity, "error", cerr)
			if stopAtFailedCompensation {
				break
			}
		}
	}
}

// sagaChargeFirst is a new version of the saga that charges before it
// reserves (payment first, so stock is never held for an order that
// cannot pay), deployed without a workflow.GetVersion guard: the planted
// bug of saga/bug-order-change. Sagas that start on it are correct; a saga
// that was running when it was deployed has Reserve in its history where
// the new code schedules Charge, so the new worker cannot replay it.
func sagaChargeFirst(ctx workflow.Context, o SagaOrder) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	var undo []sagaCompensation
	var chargeID string
	err := workflow.ExecuteActivity(ctx, "Charge", o).Get(ctx, &chargeID)
	if err == nil {
		undo = append(undo, sagaCompensation{"Refund", []any{o, chargeID}})
		err = workflow.ExecuteActivity(ctx, "Reserve", o).Get(ctx, nil)
	}
	if err == nil {
		undo = append(undo, sagaCompensation{"Release", []any{o}})
		err = workflow.ExecuteActivity(ctx, "Ship", o).Get(ctx, nil)
	}
	if err == nil {
		return chargeID, nil
	}
	sagaCompensate(ctx, undo, false)
	return "", err
}

// compensationsComplete holds when, in a saga that did not complete,
// every step with a successful attempt had its compensation attempted, in
// reverse step order; and a completed saga compensated nothing.
func compensationsComplete() sim.Property {
	return harness.Property("compensations-complete", func(r *sim.Result) error {
		done := map[string]bool{}
		scheduled := map[string]time.Duration{}
		for _, a := range r.Activities {
			for _, at := range a.Attempts {
				done[a.Type] = done[a.Type] || at.Result == "ok"
			}
			if len(a.Attempts) > 0 {
				scheduled[a.Type] = a.Scheduled
			}
		}
		for _, step := range []string{"Reserve", "Charge"} {
			comp := sagaCompensations[step]
			_, ran := scheduled[comp]
			switch {
			case r.Outcome == sim.Completed && ran:
				return fmt.Errorf("the saga completed but %s ran", comp)
			case r.Outcome != sim.Completed && done[step] && !ran:
				return fmt.Errorf("the saga ended %s; %s had completed but %s never ran", r.Outcome, step, comp)
			}
		}
		if ref, ok := scheduled["Refund"]; ok {
			if rel, ok := scheduled["Release"]; ok && rel < ref {
				return fmt.Errorf("Release ran at %s before Refund at %s; compensations run in reverse step order", rel, ref)
			}
		}
		return nil
	})
}

func sagaScenario(name, bug string, stopAtFailedCompensation, keyless bool) *sim.Scenario {
	window := 10 * time.Second
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "reserve, charge (idempotency key), ship; on failure refund and release in reverse order",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"Reserve", "Charge", "Ship", "Refund", "Release"},
			Window:     window,
			MaxCall:    1,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			draw := w.Rand("order")
			o := SagaOrder{ID: "order-17", Account: "acct-ada", AmountCents: 4250, Destination: "Berlin"}
			if draw.IntN(3) == 0 {
				o.Destination = "Atlantis"
			}
			// Half the seeds lose the response to the first charge: it takes
			// effect, but the activity sees an error and is retried.
			loseFirst := draw.IntN(2) == 0
			payments := fakes.NewPaymentService(w.Clock(), w.Rand("payments"), &fakes.PaymentConfig{
				Latency: fakes.Uniform(100*time.Millisecond, 2*time.Second),
				LoseResponse: func(op string, attempt int) error {
					if loseFirst && op == fakes.OpCharge && attempt == 1 {
						return fmt.Errorf("connection reset after the charge was applied")
					}
					return nil
				},
			})
			w.RegisterWorkflowWithOptions(sagaWorkflow(stopAtFailedCompensation), workflow.RegisterOptions{Name: "SagaWorkflow"})
			w.RegisterActivity(&SagaActivities{Clock: w.Clock(), Payments: payments, KeylessCharge: keyless})
			return sim.Case{Workflow: "SagaWorkflow", Args: []any{o}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, 10*time.Minute),
				compensationsComplete(),
				paymentsIdempotent(payments),
				harness.Property("charged-once-when-complete", func(r *sim.Result) error {
					if got := payments.Balance(o.Account); r.Outcome == sim.Completed && got != o.AmountCents {
						return fmt.Errorf("the saga completed and %s was charged %d in all, want %d", o.Account, got, o.AmountCents)
					}
					return nil
				}),
			}}
		},
	}
}

func init() {
	register(sagaScenario("saga", "", false, false))
	register(planted(sagaScenario("saga/bug-skip-compensation",
		"the compensation loop stops at the first compensation that fails, so Release is skipped when Refund fails", true, false),
		"compensations-complete", ""))
	register(planted(sagaScenario("saga/bug-keyless-charge",
		"Charge sends no idempotency key, so a retry after a lost response charges the account twice", false, true),
		"payments-idempotent", "the payment fake loses the first charge's response on half the seeds by design, which is all the bug needs"))
	register(planted(sagaOrderChange(), "nondeterminism", ""))
}

// sagaOrderChange is the saga with a new version to deploy mid-run
// (Scenario.Deploy) that swaps Reserve and Charge without
// workflow.GetVersion. It passes every run engine 1 can make (engine 1
// cannot deploy: it refuses the deploy fault) and fails nondeterminism on
// engine 2 when a deploy fault lands while a saga runs.
func sagaOrderChange() *sim.Scenario {
	sc := sagaScenario("saga/bug-order-change",
		"its new version (Deploy) charges before it reserves, with no workflow.GetVersion: a saga running when it is deployed cannot replay on the new worker", false, false)
	sc.Profile.Kinds = append(sc.Profile.Kinds, sim.Deploy)
	sc.Deploy = func(w *sim.World) {
		w.RegisterWorkflowWithOptions(sagaChargeFirst, workflow.RegisterOptions{Name: "SagaWorkflow"})
	}
	return sc
}

// paymentsIdempotent holds when the payment fake applied no idempotency
// key more than once (the saga's charges, the payout's debits).
func paymentsIdempotent(payments *fakes.PaymentService) sim.Property {
	return harness.Property("payments-idempotent", func(*sim.Result) error {
		if d := payments.DuplicateApplies(); len(d) > 0 {
			return fmt.Errorf("%s took effect %d times", d[0].Identity, len(d[0].Applies))
		}
		return nil
	})
}
