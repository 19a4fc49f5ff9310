package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// entity: a long-running account. Deposits arrive as signals, the balance
// is a query, and reservations are an update whose validator rejects
// amounts the account cannot cover before anything is recorded. The
// handler holds the amount with an activity that takes a while. After a
// few events (or when the server suggests it) the run continues as new
// with its state, but only once every update handler has finished: a run
// that ends under a running handler leaves its caller without an answer.

// AccountState is what a run of AccountWorkflow hands the next.
type AccountState struct {
	Balance int
	Runs    int
}

const (
	accountRunEvents = 3                // a run continues as new after this many deposits and reservations
	accountRunLength = 30 * time.Minute // or after this long
)

// AccountActivities places holds with the bank.
type AccountActivities struct {
	Clock clock.Clock
}

// Hold places a hold of amount, which takes the bank 5 minutes.
func (a *AccountActivities) Hold(ctx context.Context, amount int) error {
	select {
	case <-a.Clock.After(5 * time.Minute):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// account is one run's view of the entity.
type account struct {
	AccountState
	events int
}

func (a *account) validateReserve(_ workflow.Context, amount int) error {
	if amount <= 0 || amount > a.Balance {
		return fmt.Errorf("cannot reserve %d from a balance of %d", amount, a.Balance)
	}
	return nil
}

// reserve takes the amount off the balance at once, so a concurrent
// reservation cannot spend it too, and gives it back if the hold fails.
func (a *account) reserve(ctx workflow.Context, amount int) (int, error) {
	if amount > a.Balance {
		return 0, temporal.NewApplicationError("insufficient funds", "InsufficientFunds")
	}
	a.Balance -= amount
	defer func() { a.events++ }() // a reservation counts once it is settled
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	if err := workflow.ExecuteActivity(ctx, "Hold", amount).Get(ctx, nil); err != nil {
		a.Balance += amount
		return 0, err
	}
	return a.Balance, nil
}

// serveAccount registers the handlers and serves the account until the run
// is due to continue as new; it returns the run's state and its deposit
// channel. AccountWorkflow and its planted-bug twin share it.
func serveAccount(ctx workflow.Context, s AccountState) (*account, workflow.ReceiveChannel, error) {
	a := &account{AccountState: s}
	if err := workflow.SetQueryHandler(ctx, "balance", func() (int, error) { return a.Balance, nil }); err != nil {
		return nil, nil, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, "reserve", a.reserve,
		workflow.UpdateHandlerOptions{Validator: a.validateReserve}); err != nil {
		return nil, nil, err
	}
	deposits := workflow.GetSignalChannel(ctx, "deposit")
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var n int
			deposits.Receive(ctx, &n)
			a.Balance += n
			a.events++
		}
	})
	// The SDK's test environment never suggests continue-as-new; the event
	// count stands in for a growing history.
	_, err := workflow.AwaitWithTimeout(ctx, accountRunLength, func() bool {
		return a.events >= accountRunEvents || workflow.GetInfo(ctx).GetContinueAsNewSuggested()
	})
	return a, deposits, err
}

// AccountWorkflow runs the account until it is due to continue as new,
// waits for running handlers, then continues as new with its state.
func AccountWorkflow(ctx workflow.Context, s AccountState) error {
	a, deposits, err := serveAccount(ctx, s)
	if err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return continueAccount(ctx, a, deposits)
}

// accountNoHandlerWait is AccountWorkflow with the planted bug: it
// continues as new without waiting for running update handlers.
func accountNoHandlerWait(ctx workflow.Context, s AccountState) error {
	a, deposits, err := serveAccount(ctx, s)
	if err != nil {
		return err
	}
	return continueAccount(ctx, a, deposits)
}

// continueAccount takes in deposits signalled but not yet received (they
// would be lost with the run), then continues as new.
func continueAccount(ctx workflow.Context, a *account, deposits workflow.ReceiveChannel) error {
	var n int
	for deposits.ReceiveAsync(&n) {
		a.Balance += n
	}
	a.Runs++
	return workflow.NewContinueAsNewError(ctx, "AccountWorkflow", a.AccountState)
}

// updatesFinished holds when every update handler that started also
// finished before the run ended.
func updatesFinished() sim.Property {
	return harness.Property("updates-finish-before-run-ends", func(r *sim.Result) error {
		done := map[string]bool{}
		for _, e := range eventsOf(r, "wf.update.done") {
			done[e.ID] = true
		}
		for _, e := range eventsOf(r, "wf.update") {
			if !done[e.ID] {
				return fmt.Errorf("update %s (%s) started at %s but the run ended before it finished", e.ID, e.Name, sim.FormatOffset(e.T))
			}
		}
		return nil
	})
}

// balanceCarried holds when the balance handed to the next run is the
// starting balance plus the deposits signalled minus the reservations that
// completed.
func balanceCarried(start AccountState) sim.Property {
	return harness.Property("balance-carried", func(r *sim.Result) error {
		if r.Outcome != sim.ContinuedAsNew {
			return nil
		}
		want := AccountState{Balance: start.Balance, Runs: start.Runs + 1}
		for _, e := range eventsOf(r, "fault") {
			if e.Name == string(sim.Signal) {
				n, _ := intArg(faultValue(r.Plan, e.Fault))
				want.Balance += n.(int)
			}
		}
		for _, e := range eventsOf(r, "wf.update.done") {
			if e.Result == "ok" {
				n, _ := intArg(faultValue(r.Plan, idNumber(e.ID)))
				want.Balance -= n.(int)
			}
		}
		var got AccountState
		if err := nextRunInput(r, &got); err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("run starting at %+v handed on %+v, want %+v", start, got, want)
		}
		return nil
	})
}

func entityScenario(name, bug string, wf any) *sim.Scenario {
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "long-running account: deposit signals, balance query, validated reserve update, continue-as-new after handlers finish",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.Signal, sim.Update, sim.Query, sim.ActivityError, sim.Latency},
			Activities: []string{"Hold"},
			Signals:    []sim.Message{{Name: "deposit", Values: []string{"5", "20", "100"}}},
			Updates:    []sim.Message{{Name: "reserve", Values: []string{"10", "30", "80", "0"}}},
			Queries:    []sim.Message{{Name: "balance"}},
			Window:     accountRunLength,
			MaxFaults:  6,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			r := w.Rand("account.start")
			start := AccountState{Balance: 10 * r.IntN(8), Runs: r.IntN(4)}
			w.SetDecoder("deposit", intArg)
			w.SetDecoder("reserve", intArg)
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "AccountWorkflow"})
			w.RegisterActivity(&AccountActivities{Clock: w.Clock()})
			return sim.Case{Workflow: "AccountWorkflow", Args: []any{start}, Properties: []sim.Property{
				harness.Outcomes(sim.ContinuedAsNew),
				harness.Terminates(accountRunLength, time.Hour),
				updatesFinished(),
				balanceCarried(start),
			}}
		},
	}
}

func init() {
	register(entityScenario("entity", "", AccountWorkflow))
	register(planted(entityScenario("entity/bug-no-handler-wait",
		"the run continues as new without waiting for AllHandlersFinished, cutting off a reservation whose hold is still running", accountNoHandlerWait),
		"balance-carried", ""))
}
