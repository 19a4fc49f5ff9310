package scenarios

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// asyncAuthWorkflow authorizes the payment and, when no attempt was
// completed, voids what the processor authorized; voidOnlyOnError plants
// a bug.
func asyncAuthWorkflow(voidOnlyOnError bool) func(workflow.Context, AuthRequest) (string, error) {
	return func(ctx workflow.Context, req AuthRequest) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			// The processor's webhook window: an attempt not completed
			// within it is retried and submitted again.
			StartToCloseTimeout: time.Minute,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 2},
		})
		var authID string
		err := workflow.ExecuteActivity(ctx, "Authorize", req).Get(ctx, &authID)
		if err == nil {
			// The run stays open while the capture runs, so repeated
			// webhooks reach the server before the workflow closes.
			return authID, workflow.ExecuteActivity(ctx, "Capture", authID).Get(ctx, nil)
		}
		var te *temporal.TimeoutError
		if voidOnlyOnError && errors.As(err, &te) {
			return "", err
		}
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		dctx = workflow.WithActivityOptions(dctx, workflow.ActivityOptions{
			StartToCloseTimeout: 30 * time.Second,
			RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
		})
		if verr := workflow.ExecuteActivity(dctx, "Void", req).Get(dctx, nil); verr != nil {
			workflow.GetLogger(ctx).Error("void failed", "error", verr)
		}
		return "", err
	}
}

// resultIsCompleters holds when a completed run returned what the one
// webhook the server accepted carried, and a run that did not complete
// had no webhook accepted.
func resultIsCompleters(cp *CardProcessor) sim.Property {
	return harness.Property("result-is-completers", func(r *sim.Result) error {
		var accepted []Callback
		for _, cb := range cp.Callbacks() {
			if cb.Accepted {
				accepted = append(accepted, cb)
			}
		}
		switch {
		case r.Outcome == sim.Completed && len(accepted) != 1:
			return fmt.Errorf("the run completed with %s, and the server accepted %d webhooks, want 1", r.Output, len(accepted))
		case r.Outcome == sim.Completed && r.Output != fmt.Sprintf("%q", accepted[0].AuthID):
			return fmt.Errorf("the run completed with %s, but the accepted webhook (at %s) carried %q", r.Output, accepted[0].At, accepted[0].AuthID)
		case r.Outcome != sim.Completed && len(accepted) > 0:
			return fmt.Errorf("the run ended %s although the server accepted the webhook at %s", r.Outcome, accepted[0].At)
		}
		return nil
	})
}

// neverCompletedTimesOutCleanly holds when a run in which no webhook was
// accepted did not complete, and left nothing authorized on the card.
func neverCompletedTimesOutCleanly(cp *CardProcessor, payments *fakes.PaymentService, req AuthRequest) sim.Property {
	return harness.Property("never-completed-times-out-cleanly", func(r *sim.Result) error {
		for _, cb := range cp.Callbacks() {
			if cb.Accepted {
				return nil
			}
		}
		if r.Outcome == sim.Completed {
			return fmt.Errorf("the run completed with %s though no webhook was accepted", r.Output)
		}
		if got := payments.Balance(req.Account); got != 0 {
			return fmt.Errorf("no webhook was accepted and the run ended %s, but %d cents stay authorized on %s", r.Outcome, got, req.Account)
		}
		return nil
	})
}

func asyncCompletionScenario(name, bug string, keyless, voidOnlyOnError, provisional bool) *sim.Scenario {
	window := 5 * time.Minute
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "authorize by webhook: the activity returns ErrResultPending and the processor completes it by token or id, late, twice or never",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.Latency, sim.StartToCloseTimeout},
			Activities: []string{"Authorize"},
			Window:     window,
			MaxCall:    1,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			draw := w.Rand("payment")
			req := AuthRequest{PaymentID: fmt.Sprintf("pay-%d", 1+draw.IntN(99)), Account: "card-ada", AmountCents: 100 + draw.Int64N(9900)}
			payments := fakes.NewPaymentService(w.Clock(), w.Rand("payments"), &fakes.PaymentConfig{
				Latency: fakes.Uniform(100*time.Millisecond, 500*time.Millisecond),
			})
			cp := &CardProcessor{w: w, payments: payments, byID: draw.IntN(2) == 0, rng: w.Rand("webhooks"), charges: map[string][]string{}}
			w.Set("processor", cp)
			w.RegisterWorkflowWithOptions(asyncAuthWorkflow(voidOnlyOnError), workflow.RegisterOptions{Name: "AuthorizeWorkflow"})
			w.RegisterActivity(&AuthActivities{Processor: cp, Keyless: keyless, Provisional: provisional})
			return sim.Case{Workflow: "AuthorizeWorkflow", Args: []any{req}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, 10*time.Minute),
				paymentsIdempotent(payments),
				resultIsCompleters(cp),
				neverCompletedTimesOutCleanly(cp, payments, req),
			}}
		},
	}
}

func init() {
	register(asyncCompletionScenario("async-completion", "", false, false, false))
	register(planted(asyncCompletionScenario("async-completion/bug-keyless-authorization",
		"Authorize submits without the payment's idempotency key, so a retry after a late webhook authorizes the card twice", true, false, false),
		"payments-idempotent", ""))
	register(planted(asyncCompletionScenario("async-completion/bug-no-void-on-timeout",
		"the workflow voids only when Authorize failed with an error, so an authorization whose webhooks all came late stays on the card", false, true, false),
		"never-completed-times-out-cleanly", ""))
	register(planted(asyncCompletionScenario("async-completion/bug-provisional-result",
		"Authorize returns the processor's provisional request reference instead of waiting for the webhook", false, false, true),
		"result-is-completers", "the activity returns the provisional reference on every run; no fault is needed"))
}
