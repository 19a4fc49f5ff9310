package scenarios

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// retry-policy: a charge against a payment service under an explicit retry
// policy. Transient failures are retried with exponential backoff up to
// MaximumAttempts; a declined card is a business error the policy names as
// non-retryable, so it fails at once. The workflow returns the activity's
// error unchanged, so callers see the whole chain: the workflow error, the
// ActivityError, and the ApplicationError with its type.

// Charge is what RetryWorkflow charges.
type Charge struct {
	Order string
	Card  string
	Cents int64 // set from the order's price
}

// chargePolicy is the retry policy of the Charge activity.
var chargePolicy = temporal.RetryPolicy{
	InitialInterval:        time.Second,
	BackoffCoefficient:     2,
	MaximumInterval:        10 * time.Second,
	MaximumAttempts:        4,
	NonRetryableErrorTypes: []string{"CardDeclined"},
}

// errDeclined is how the fake payment service declines a card.
var errDeclined = errors.New("card declined")

// RetryActivities prices orders and charges through a payment service.
type RetryActivities struct {
	Clock    clock.Clock
	Payments *fakes.PaymentService
}

// PriceOrder looks up the order's price (10s).
func (a *RetryActivities) PriceOrder(ctx context.Context, order string) (int64, error) {
	select {
	case <-a.Clock.After(10 * time.Second):
		return 1999, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// Charge charges the card, keyed by order so a retry never charges twice.
func (a *RetryActivities) Charge(ctx context.Context, c Charge) (string, error) {
	id, err := a.Payments.Charge(ctx, "charge-"+c.Order, c.Card, c.Cents)
	if errors.Is(err, errDeclined) {
		// Not marked non-retryable here: the retry policy decides.
		return "", temporal.NewApplicationError("card declined", "CardDeclined")
	}
	return id, err
}

// RetryWorkflow prices the order, then charges c under chargePolicy.
func RetryWorkflow(ctx workflow.Context, c Charge) (string, error) {
	return chargeUnder(ctx, c, chargePolicy)
}

func chargeUnder(ctx workflow.Context, c Charge, policy temporal.RetryPolicy) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: &policy})
	if err := workflow.ExecuteActivity(ctx, "PriceOrder", c.Order).Get(ctx, &c.Cents); err != nil {
		return "", err
	}
	var id string
	err := workflow.ExecuteActivity(ctx, "Charge", c).Get(ctx, &id)
	return id, err
}

// retryWrapsError is RetryWorkflow with a planted bug: a declined card,
// the failure its author expected, passes through, but any other failure
// (an error or timeout left after the retries) is replaced with a new
// error, losing the chain and the error type.
func retryWrapsError(ctx workflow.Context, c Charge) (string, error) {
	id, err := chargeUnder(ctx, c, chargePolicy)
	var appErr *temporal.ApplicationError
	if err != nil && !(errors.As(err, &appErr) && appErr.Type() == "CardDeclined") {
		return "", temporal.NewApplicationError("charge failed: "+err.Error(), "ChargeFailed")
	}
	return id, err
}

// retryDeclinedRetried is RetryWorkflow with a planted bug: its policy
// does not name CardDeclined as non-retryable.
func retryDeclinedRetried(ctx workflow.Context, c Charge) (string, error) {
	policy := chargePolicy
	policy.NonRetryableErrorTypes = nil
	return chargeUnder(ctx, c, policy)
}

// retryGivesUpEarly is RetryWorkflow with a planted bug: its policy stops
// after two attempts where the agreed policy allows four.
func retryGivesUpEarly(ctx workflow.Context, c Charge) (string, error) {
	policy := chargePolicy
	policy.MaximumAttempts = 2
	return chargeUnder(ctx, c, policy)
}

// errorChainKept holds when a failed run's error is the activity's own:
// ActivityError wrapping the last attempt's ApplicationError or timeout.
func errorChainKept() sim.Property {
	return harness.Property("error-chain-kept", func(r *sim.Result) error {
		if r.Outcome != sim.Failed {
			return nil
		}
		last := lastAttempt(r, "Charge")
		want := "ActivityError>" + last.Result
		if t, ok := strings.CutPrefix(last.Result, "timeout:"); ok {
			want = "ActivityError>TimeoutError:" + t
		}
		if r.ErrType != want {
			return fmt.Errorf("workflow failed with %s; the last attempt ended %s, so want %s", r.ErrType, last.Result, want)
		}
		return nil
	})
}

// attemptsFollowPolicy holds when a declined card was tried exactly once
// and any other failure was retried until MaximumAttempts.
func attemptsFollowPolicy() sim.Property {
	return harness.Property("attempts-follow-policy", func(r *sim.Result) error {
		for _, a := range r.Activities {
			if a.Type != "Charge" || len(a.Attempts) == 0 {
				continue
			}
			for _, at := range a.Attempts {
				if at.Result == "ApplicationError:CardDeclined" && at.N != len(a.Attempts) {
					return fmt.Errorf("%s: attempt %d was declined, yet %d attempts were made", a.Key, at.N, len(a.Attempts))
				}
			}
			last := a.Attempts[len(a.Attempts)-1]
			if last.Result != "ok" && last.Retryable && len(a.Attempts) != int(chargePolicy.MaximumAttempts) {
				return fmt.Errorf("%s gave up after %d attempts on a retryable %s; the policy allows %d",
					a.Key, len(a.Attempts), last.Result, chargePolicy.MaximumAttempts)
			}
		}
		return nil
	})
}

// lastAttempt is the last attempt of the first activity of type typ.
func lastAttempt(r *sim.Result, typ string) sim.AttemptRecord {
	for _, a := range r.Activities {
		if a.Type == typ && len(a.Attempts) > 0 {
			return a.Attempts[len(a.Attempts)-1]
		}
	}
	return sim.AttemptRecord{}
}

func retryScenario(name, bug string, wf any) *sim.Scenario {
	window := 20 * time.Second
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "charge under a retry policy: transient errors retried with backoff, a declined card not retried, the error chain kept",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout},
			Activities: []string{"Charge"}, // it starts after the 10s pricing
			Window:     window,
			MaxCall:    1,
			MaxAttempt: 4,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			c := Charge{Order: "order-1", Card: pickOne(w, "card", "4242", "4242", "0002")}
			payments := fakes.NewPaymentService(w.Clock(), w.Rand("payments"), &fakes.PaymentConfig{
				Latency: fakes.Uniform(time.Second, 5*time.Second),
				Fail: func(string, int) error {
					if c.Card == "0002" {
						return errDeclined
					}
					return nil
				},
			})
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "RetryWorkflow"})
			w.RegisterActivity(&RetryActivities{Clock: w.Clock(), Payments: payments})
			return sim.Case{Workflow: "RetryWorkflow", Args: []any{c}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, time.Hour),
				errorChainKept(),
				attemptsFollowPolicy(),
			}}
		},
	}
}

func init() {
	register(retryScenario("retry-policy", "", RetryWorkflow))
	register(planted(retryScenario("retry-policy/bug-wrapped-error",
		"the workflow passes a declined card through but replaces any other activity failure with a new ApplicationError, losing the ActivityError chain and the original type", retryWrapsError),
		"error-chain-kept", ""))
	register(planted(retryScenario("retry-policy/bug-declined-retried",
		"the retry policy does not list CardDeclined as non-retryable, so a declined card is charged again until MaximumAttempts", retryDeclinedRetried),
		"attempts-follow-policy", "a declined card is part of the input (about one seed in three draws one) and the retry policy alone retries it"))
	register(planted(retryScenario("retry-policy/bug-gives-up-early",
		"the workflow's retry policy stops after 2 attempts where the agreed policy allows 4, so a transient outage fails the charge", retryGivesUpEarly),
		"attempts-follow-policy", ""))
}
