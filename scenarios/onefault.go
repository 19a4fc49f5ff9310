package scenarios

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// payout: a payout debits a source account (keyed by the payout, so a
// retry replays the debit), then credits the destination while holding a
// lease on it; when the credit fails, the debit is refunded in a
// disconnected context. Its three planted bugs each need exactly one
// fault at one call, and the fault-free run passes for every seed:
//
//   - bug-no-refund-when-declined skips the refund when the credit fails
//     with a non-retryable error (one activity-error on Credit);
//   - bug-lease-kept-on-cancel releases the lease only when the credit
//     finishes, not when its context is cancelled (one worker shutdown
//     while Credit runs);
//   - bug-keyless-debit debits without a key, so a retry of a debit whose
//     acknowledgement was lost debits twice (one worker shutdown between
//     the debit and the end of its attempt).

// Payout is what the payout workflow works on.
type Payout struct {
	ID          string
	From, To    string
	AmountCents int64
}

// PayoutActivities holds the steps and their fakes; the three flags plant
// the bugs.
type PayoutActivities struct {
	Clock    clock.Clock
	Payments *fakes.PaymentService
	Leases   *Leases
	// KeylessDebit debits without an idempotency key.
	KeylessDebit bool
	// LeaseOnlyOnSuccess releases the lease only when the credit finishes.
	LeaseOnlyOnSuccess bool
	// RefuseRedebit fails a debit whose key the provider has applied
	// before, instead of letting the provider replay it (payout_redebit.go).
	RefuseRedebit bool
}

// Debit takes the amount from the source account, then spends two
// seconds recording the debit before it acknowledges it.
func (a *PayoutActivities) Debit(ctx context.Context, p Payout) (string, error) {
	key := "debit-" + p.ID
	if a.KeylessDebit {
		key = ""
	}
	if a.RefuseRedebit && a.Payments.AppliedCount(key) > 0 {
		return "", temporal.NewNonRetryableApplicationError("payout "+p.ID+" is already debited", "AlreadyDebited", nil)
	}
	id, err := a.Payments.Charge(ctx, key, p.From, p.AmountCents)
	if err != nil {
		return "", err
	}
	return id, waitVirtual(ctx, a.Clock, 2*time.Second)
}

// Credit holds a lease on the destination while it credits it (a second).
func (a *PayoutActivities) Credit(ctx context.Context, p Payout) error {
	a.Leases.Acquire(p.To)
	if !a.LeaseOnlyOnSuccess {
		defer a.Leases.Release(p.To)
	}
	if err := waitVirtual(ctx, a.Clock, time.Second); err != nil {
		return err
	}
	if a.LeaseOnlyOnSuccess {
		a.Leases.Release(p.To)
	}
	return nil
}

// Refund returns a debit; it compensates Debit.
func (a *PayoutActivities) Refund(ctx context.Context, p Payout, debitID string) error {
	return a.Payments.Refund(ctx, "refund-"+p.ID, debitID)
}

// Leases counts the leases held per account.
type Leases struct {
	mu   sync.Mutex
	held map[string]int
}

// Acquire takes a lease on account.
func (l *Leases) Acquire(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[string]int{}
	}
	l.held[account]++
}

// Release gives a lease on account back.
func (l *Leases) Release(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held[account]--
}

// Held is how many leases on account are held.
func (l *Leases) Held(account string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held[account]
}

// payoutWorkflow returns the payout; skipRefundWhenDeclined plants a bug.
func payoutWorkflow(skipRefundWhenDeclined bool) func(workflow.Context, Payout) (string, error) {
	return func(ctx workflow.Context, p Payout) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
		})
		var debitID string
		if err := workflow.ExecuteActivity(ctx, "Debit", p).Get(ctx, &debitID); err != nil {
			return "", err
		}
		err := workflow.ExecuteActivity(ctx, "Credit", p).Get(ctx, nil)
		if err == nil {
			return debitID, nil
		}
		var app *temporal.ApplicationError
		if skipRefundWhenDeclined && errors.As(err, &app) && app.NonRetryable() {
			return "", err
		}
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		dctx = workflow.WithActivityOptions(dctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
		})
		if rerr := workflow.ExecuteActivity(dctx, "Refund", p, debitID).Get(dctx, nil); rerr != nil {
			workflow.GetLogger(ctx).Error("refund failed", "error", rerr)
		}
		return "", err
	}
}

// debitRefunded holds when a payout that did not complete, and whose
// debit went through while its credit never did, attempted the refund.
func debitRefunded() sim.Property {
	return harness.Property("debit-refunded", func(r *sim.Result) error {
		ok := map[string]bool{}
		scheduled := map[string]bool{}
		for _, a := range r.Activities {
			scheduled[a.Type] = true
			for _, at := range a.Attempts {
				ok[a.Type] = ok[a.Type] || at.Result == "ok"
			}
		}
		if r.Outcome != sim.Completed && ok["Debit"] && !ok["Credit"] && !scheduled["Refund"] {
			return fmt.Errorf("the payout ended %s after its debit went through and its credit did not, and Refund never ran", r.Outcome)
		}
		return nil
	})
}

func payoutScenario(name, bug, breaks string, skipRefund, leaseOnlyOnSuccess, keyless bool) *sim.Scenario {
	return payoutWith(name, bug, breaks, skipRefund, PayoutActivities{LeaseOnlyOnSuccess: leaseOnlyOnSuccess, KeylessDebit: keyless})
}

// payoutWith builds a payout scenario whose activities carry bugs' flags.
func payoutWith(name, bug, breaks string, skipRefund bool, bugs PayoutActivities) *sim.Scenario {
	window := 20 * time.Second
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Breaks:      breaks,
		Description: "debit (keyed), credit under a lease, refund the debit when the credit fails",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.WorkerShutdown},
			Activities: []string{"Debit", "Credit", "Refund"},
			Window:     window,
			MaxCall:    1,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			draw := w.Rand("payout")
			p := Payout{ID: fmt.Sprintf("payout-%d", 1+draw.IntN(99)), From: "acct-ada", To: "acct-bob", AmountCents: 100 + draw.Int64N(9900)}
			payments := fakes.NewPaymentService(w.Clock(), w.Rand("payments"), &fakes.PaymentConfig{
				Latency: fakes.Uniform(100*time.Millisecond, 500*time.Millisecond),
			})
			leases := &Leases{}
			w.RegisterWorkflowWithOptions(payoutWorkflow(skipRefund), workflow.RegisterOptions{Name: "PayoutWorkflow"})
			acts := bugs
			acts.Clock, acts.Payments, acts.Leases = w.Clock(), payments, leases
			w.RegisterActivity(&acts)
			return sim.Case{Workflow: "PayoutWorkflow", Args: []any{p}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, 10*time.Minute),
				debitRefunded(),
				paymentsIdempotent(payments),
				harness.Property("lease-released", func(r *sim.Result) error {
					if n := leases.Held(p.To); n != 0 {
						return fmt.Errorf("%d leases on %s still held when the run ended", n, p.To)
					}
					return nil
				}),
			}}
		},
	}
}

func init() {
	register(payoutScenario("payout", "", "", false, false, false))
	register(payoutScenario("payout/bug-no-refund-when-declined",
		"the debit is not refunded when the credit fails with a non-retryable error", "debit-refunded", true, false, false))
	register(payoutScenario("payout/bug-lease-kept-on-cancel",
		"Credit releases its lease only when it finishes, so a worker shutdown that cancels it keeps the lease", "lease-released", false, true, false))
	register(payoutScenario("payout/bug-keyless-debit",
		"Debit sends no idempotency key, so a retry after a lost acknowledgement debits twice", "payments-idempotent", false, false, true))
}
