package harness_test

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/internal/testrun"
	"github.com/temporalsim/temporalsim/sim"
)

// Bank holds the activities of a money transfer. They take time on the
// clock they are given: the simulation's virtual clock under test,
// clock.New() in production.
type Bank struct{ Clock clock.Clock }

// Withdraw takes amount from the source account.
func (b *Bank) Withdraw(ctx context.Context, amount int) error {
	<-b.Clock.After(time.Second)
	return nil
}

// Deposit puts amount into the target account.
func (b *Bank) Deposit(ctx context.Context, amount int) error {
	<-b.Clock.After(time.Second)
	return nil
}

// TransferWorkflow withdraws, then deposits. Its bug: when the deposit
// fails for good, the money is never put back.
func TransferWorkflow(ctx workflow.Context, amount int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	if err := workflow.ExecuteActivity(ctx, "Withdraw", amount).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, "Deposit", amount).Get(ctx, nil)
}

// moneyConserved fails when a withdrawal succeeded and no deposit did.
var moneyConserved = harness.Property("money-conserved", func(r *sim.Result) error {
	ok := map[string]bool{}
	for _, a := range r.Activities {
		for _, at := range a.Attempts {
			ok[a.Type] = ok[a.Type] || at.Result == "ok"
		}
	}
	if ok["Withdraw"] && !ok["Deposit"] {
		return fmt.Errorf("withdrew but never deposited")
	}
	return nil
})

var transfer = &sim.Scenario{
	Name: "transfer",
	Profile: sim.Profile{
		Kinds:      []sim.Kind{sim.ActivityError, sim.Latency, sim.WorkerShutdown},
		Activities: []string{"Withdraw", "Deposit"},
	},
	Setup: func(w *sim.World) sim.Case {
		w.RegisterWorkflow(TransferWorkflow)
		w.RegisterActivity(&Bank{Clock: w.Clock()})
		return sim.Case{Workflow: TransferWorkflow, Args: []any{100}}
	},
	Properties: append(harness.Safety(), moneyConserved),
}

// In a test file of your own, one line checks the scenario; a failure
// fails the test with the property, the shrunk plan, a trace excerpt and
// the commands that reproduce it:
//
//	func TestTransfer(t *testing.T) {
//		harness.Check(t, transfer)
//	}
//
// Here Find, which returns the failure instead, shows what Check finds:
// generated fault plans make the deposit fail for good, and shrinking
// leaves the one fault that does it.
func Example() {
	runAsTest(func(t *testing.T) {
		f, err := harness.Find(t, transfer, harness.Checks(1000), harness.PlanDir(""), harness.SearchSeed(1))
		if err != nil || f == nil {
			fmt.Println("no failure:", err)
			return
		}
		fmt.Println(f.Result.Violations[0])
		fmt.Print(strings.TrimPrefix(f.Plan.String(), sim.PlanHeader+"\n"))
	})
	// Output:
	// money-conserved: withdrew but never deposited
	// f1 activity-error target=Deposit
}

// runAsTest gives f the *testing.T that sim.Run needs: an example has
// none of its own. It runs quietly, since under -v the testing package
// would print its RUN and PASS lines into the example's output; and once,
// whatever -count or -skip say (testrun.Once).
func runAsTest(f func(t *testing.T)) {
	if v := flag.Lookup("test.v"); v != nil {
		old := v.Value.String()
		_ = v.Value.Set("false")
		defer func() { _ = v.Value.Set(old) }()
	}
	testrun.Once("Example", f)
}
