// Command ownmain is what a project writes to get simrun for its own
// scenarios: a main package that passes them to cli.Main. The tests build
// it to check the CLI on scenarios outside the catalogue, including a
// planted bug whose failing seeds they can count on.
package main

import (
	"context"
	"errors"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/cmd/simrun/cli"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

func main() {
	cli.Main(cli.Config{
		Command:   "ownmain",
		Scenarios: []*sim.Scenario{transfer("transfer", "", TransferWorkflow), transfer("transfer/bug-deposit-anyway", "deposits even when the withdrawal failed", BuggyTransferWorkflow)},
	})
}

// Bank holds the transfer's activities.
type Bank struct{ Clock clock.Clock }

// Withdraw takes the amount from the source account.
func (b *Bank) Withdraw(ctx context.Context, amount int) error { return b.work(ctx) }

// Deposit puts the amount into the target account.
func (b *Bank) Deposit(ctx context.Context, amount int) error { return b.work(ctx) }

func (b *Bank) work(ctx context.Context) error {
	select {
	case <-b.Clock.After(10 * time.Second):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

var activityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: time.Minute,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
}

// TransferWorkflow waits up to a minute for an "approve" signal, then
// withdraws and, only if that worked, deposits.
func TransferWorkflow(ctx workflow.Context, amount int) error {
	awaitApproval(ctx)
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	if err := workflow.ExecuteActivity(ctx, "Withdraw", amount).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, "Deposit", amount).Get(ctx, nil)
}

// BuggyTransferWorkflow deposits even when the withdrawal failed.
func BuggyTransferWorkflow(ctx workflow.Context, amount int) error {
	awaitApproval(ctx)
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	_ = workflow.ExecuteActivity(ctx, "Withdraw", amount).Get(ctx, nil)
	return workflow.ExecuteActivity(ctx, "Deposit", amount).Get(ctx, nil)
}

func awaitApproval(ctx workflow.Context) {
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(ctx, time.Minute), func(workflow.Future) {})
	sel.AddReceive(workflow.GetSignalChannel(ctx, "approve"), func(c workflow.ReceiveChannel, _ bool) { c.Receive(ctx, nil) })
	sel.Select(ctx)
}

func transfer(name, bug string, wf any) *sim.Scenario {
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "wait for approval, withdraw, then deposit",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.Latency, sim.Signal},
			Activities: []string{"Withdraw", "Deposit"},
			Signals:    []sim.Message{{Name: "approve"}},
			Window:     2 * time.Minute,
			MaxCall:    1,
		},
		Properties: append(harness.Safety(), harness.Outcomes(sim.Completed, sim.Failed), noDepositWithoutWithdrawal()),
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "TransferWorkflow"})
			w.RegisterActivity(&Bank{Clock: w.Clock()})
			return sim.Case{Workflow: "TransferWorkflow", Args: []any{100}}
		},
	}
}

// noDepositWithoutWithdrawal holds when no deposit started after every
// withdrawal attempt failed.
func noDepositWithoutWithdrawal() sim.Property {
	return harness.Property("no-deposit-without-withdrawal", func(r *sim.Result) error {
		withdrawn, deposited := false, false
		for _, a := range r.Activities {
			for _, at := range a.Attempts {
				switch {
				case a.Type == "Withdraw" && at.Result == "ok":
					withdrawn = true
				case a.Type == "Deposit":
					deposited = true
				}
			}
		}
		if deposited && !withdrawn {
			return errors.New("deposited although the withdrawal never succeeded")
		}
		return nil
	})
}
