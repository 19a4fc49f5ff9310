package replaycorpus

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/scenarios"
)

// mutantsByScenario holds each correct scenario's own mutants: changes an
// engineer could plausibly make to its workflow, one that breaks old
// histories and one that guards a change with GetVersion. Each is a
// workflow function registered under the scenario's workflow type.
var mutantsByScenario = map[string][]mutant{
	"activity-choice": {
		{name: "renamed-lookup", why: "GetOrder renamed LookUpOrder: the history's first activity has another type",
			make: func(any) any { return choiceRenamedLookup }, want: ExpectFail(CommandMismatch)},
		{name: "versioned-audit", why: "an AuditOrder activity first, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "audit", func() { insertedActivity(ctx, "AuditOrder") })
			}), want: ExpectPass},
	},
	"cancellation": {
		{name: "timer-before-work", why: "a one-minute pause before LongWork: the timer takes id 5, where the history has LongWork (event 5)",
			make: wrapWorkflow(func(ctx workflow.Context) { _ = workflow.Sleep(ctx, time.Minute) }), want: ExpectFail(CommandMismatch)},
		{name: "versioned-timer-before-work", why: "the same pause, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "pause", func() { _ = workflow.Sleep(ctx, time.Minute) })
			}), want: ExpectPass},
	},
	"child-workflow": {
		{name: "children-reordered", why: "shipping before payment: the history's first child (the payment) is never started",
			make: func(any) any { return orderShipsFirst(false) }, want: ExpectFail(MissingCommand)},
		{name: "versioned-children-reordered", why: "the same reordering, behind GetVersion",
			make: func(any) any { return orderShipsFirst(true) }, want: ExpectPass},
	},
	"concurrent-timers": {
		{name: "digest-timer-removed", why: "the hourly digest timer dropped: the history's third timer has no command",
			make: func(orig any) any { return timersWithout(orig, "digest", false) }, want: ExpectFail(MissingCommand)},
		{name: "versioned-digest-timer-removed", why: "the same, behind GetVersion",
			make: func(orig any) any { return timersWithout(orig, "digest", true) }, want: ExpectPass},
	},
	"continue-as-new": {
		{name: "renamed-page-activity", why: "PageSize renamed FetchPageSize",
			make: func(any) any { return counterRenamed }, want: ExpectFail(CommandMismatch)},
		{name: "versioned-checkpoint", why: "a Checkpoint activity first, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "checkpoint", func() { insertedActivity(ctx, "Checkpoint") })
			}), want: ExpectPass},
	},
	"custom-metrics": {
		{name: "result-rejected", why: "the stored count is now rejected with an error: the history completed",
			make: func(any) any { return feedRejects }, want: ExpectFail(ResultMismatch),
			applies: ended(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)},
		{name: "versioned-result-rejected", why: "the same, behind GetVersion",
			make: func(any) any { return feedRejectsVersioned }, want: ExpectPass},
	},
	"encryption": {
		{name: "fraud-check-first", why: "a CheckFraud activity before Tokenize",
			make: wrapWorkflow(func(ctx workflow.Context) { insertedActivity(ctx, "CheckFraud") }), want: ExpectFail(CommandMismatch)},
		{name: "versioned-fraud-check-first", why: "the same, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "fraud-check", func() { insertedActivity(ctx, "CheckFraud") })
			}), want: ExpectPass},
	},
	"entity": {
		{name: "deposits-recorded-by-activity", why: "each deposit signal now also runs a RecordDeposit activity, where the history has its next command",
			make: wrapWorkflow(func(ctx workflow.Context) { recordDeposits(ctx, false) }), want: ExpectFail(CommandMismatch),
			applies: commandAfterSignal(true)},
		{name: "deposits-recorded-by-activity-at-end", why: "the same change, where the history has no command after the signal: the activity is extra",
			make: wrapWorkflow(func(ctx workflow.Context) { recordDeposits(ctx, false) }), want: ExpectFail(ExtraCommand),
			applies: commandAfterSignal(false)},
		{name: "versioned-deposits-recorded", why: "the same signal handling, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) { recordDeposits(ctx, true) }), want: ExpectPass},
	},
	"local-activity": {
		{name: "steps-reordered", why: "Price before Normalize: a local activity other than the recorded marker's",
			make: func(any) any { return localChainReordered }, want: ExpectFail(CommandMismatch)},
		{name: "versioned-extra-step", why: "a Validate local activity first, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "validate", func() {
					lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
					_ = workflow.ExecuteLocalActivity(lctx, "Validate").Get(lctx, nil)
				})
			}), want: ExpectPass},
	},
	"parallel-activities": {
		{name: "renamed-activity", why: "Process renamed ProcessItem",
			make: func(any) any { return parallelRenamed }, want: ExpectFail(CommandMismatch)},
		{name: "versioned-prepare", why: "a Prepare activity first, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "prepare", func() { insertedActivity(ctx, "Prepare") })
			}), want: ExpectPass},
	},
	"polling-frequent": {
		{name: "pause-between-stages", why: "a one-minute pause after each stage: the timer takes the id of the history's next poll",
			make: func(any) any { return pollWithPause(false) }, want: ExpectFail(CommandMismatch),
			applies: ended(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)},
		{name: "versioned-pause-between-stages", why: "the same, behind GetVersion",
			make: func(any) any { return pollWithPause(true) }, want: ExpectPass},
	},
	"polling-infrequent": {
		{name: "archive-after-ready", why: "an Archive activity after the report is ready, where the history completed",
			make: wrapWorkflowEnd(func(ctx workflow.Context) { insertedActivity(ctx, "Archive") }), want: ExpectFail(ExtraCommand),
			applies: ended(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)},
		{name: "versioned-archive-after-ready", why: "the same, behind GetVersion",
			make: wrapWorkflowEnd(func(ctx workflow.Context) {
				versioned(ctx, "archive", func() { insertedActivity(ctx, "Archive") })
			}), want: ExpectPass},
	},
	"retry-policy": {
		{name: "pricing-removed", why: "the PriceOrder step dropped: Charge takes the pricing's id 5 (ids are matched before types), so the code's commands no longer line up with the history's Charge",
			make: func(any) any { return chargeWithoutPricing }, want: ExpectFail(CommandMismatch)},
		{name: "versioned-fraud-check", why: "a CheckFraud activity first, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "fraud", func() { insertedActivity(ctx, "CheckFraud") })
			}), want: ExpectPass},
	},
	"saga": {
		{name: "charge-before-reserve", why: "the saga charges before it reserves: Charge where the history has Reserve",
			make: func(any) any { return sagaChargesFirst }, want: ExpectFail(CommandMismatch),
			applies: ended(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)},
		{name: "charge-before-reserve-compensated", why: "the same change on a saga that failed and compensated: the replay gets as far as the compensations, where the changed code issues other commands",
			make: func(any) any { return sagaChargesFirst }, want: ExpectFail(CommandMismatch),
			applies: ended(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED)},
		{name: "versioned-quote", why: "a Quote activity first, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "quote", func() { insertedActivity(ctx, "Quote") })
			}), want: ExpectPass},
	},
	"payout": {
		{name: "hold-before-debit", why: "a PlaceHold activity before the debit: the history's first activity is Debit",
			make: wrapWorkflow(func(ctx workflow.Context) { insertedActivity(ctx, "PlaceHold") }), want: ExpectFail(CommandMismatch)},
		{name: "versioned-hold-before-debit", why: "the same, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "hold", func() { insertedActivity(ctx, "PlaceHold") })
			}), want: ExpectPass},
	},
	"async-completion": {
		{name: "risk-check-before-authorize", why: "a RiskCheck activity before the authorization: the history's first activity is Authorize",
			make: wrapWorkflow(func(ctx workflow.Context) { insertedActivity(ctx, "RiskCheck") }), want: ExpectFail(CommandMismatch)},
		{name: "versioned-risk-check", why: "the same, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "risk", func() { insertedActivity(ctx, "RiskCheck") })
			}), want: ExpectPass},
	},
	"schedule": {
		{name: "calendar-loaded-first", why: "a LoadCalendar activity before the first tick's timer: the history's timer has no command",
			make: wrapWorkflow(func(ctx workflow.Context) { insertedActivity(ctx, "LoadCalendar") }), want: ExpectFail(MissingCommand)},
		{name: "versioned-calendar-loaded-first", why: "the same, behind GetVersion",
			make: wrapWorkflow(func(ctx workflow.Context) {
				versioned(ctx, "calendar", func() { insertedActivity(ctx, "LoadCalendar") })
			}), want: ExpectPass},
	},
}

// commandAfterSignal says whether a history has a signal and, after it, a
// command event (an activity or timer started): want is the answer a
// history must give to apply.
func commandAfterSignal(want bool) func(*historypb.History) bool {
	return func(h *historypb.History) bool {
		signaled := false
		for _, e := range h.GetEvents() {
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
				signaled = true
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_TIMER_STARTED:
				if signaled {
					return want
				}
			}
		}
		return signaled && !want
	}
}

func choiceRenamedLookup(ctx workflow.Context, orderID string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var choice scenarios.Fruit
	if err := workflow.ExecuteActivity(ctx, "LookUpOrder", orderID).Get(ctx, &choice); err != nil {
		return "", err
	}
	act, ok := map[scenarios.Fruit]string{scenarios.Apple: "OrderApples", scenarios.Banana: "OrderBananas", scenarios.Cherry: "OrderCherries"}[choice]
	if !ok {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("unknown choice %q", choice), "UnknownChoice", nil)
	}
	var res string
	err := workflow.ExecuteActivity(ctx, act).Get(ctx, &res)
	return res, err
}

func orderShipsFirst(guarded bool) func(workflow.Context, string) (string, error) {
	return func(ctx workflow.Context, order string) (string, error) {
		child := func(typ, suffix string) (string, error) {
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: order + suffix})
			var out string
			err := workflow.ExecuteChildWorkflow(cctx, typ, order).Get(cctx, &out)
			return out, err
		}
		steps := [][2]string{{"PaymentChild", "-payment"}, {"ShippingChild", "-shipping"}}
		if !guarded || workflow.GetVersion(ctx, "ship-first", workflow.DefaultVersion, 1) == 1 {
			steps[0], steps[1] = steps[1], steps[0]
		}
		var outs []string
		for _, s := range steps {
			out, err := child(s[0], s[1])
			if err != nil {
				return "", err
			}
			outs = append(outs, out)
		}
		return strings.Join(outs, " "), nil
	}
}

func timersWithout(orig any, name string, guarded bool) func(workflow.Context, []scenarios.RecurringTimer, time.Duration) (int, error) {
	wf := orig.(func(workflow.Context, []scenarios.RecurringTimer, time.Duration) (int, error))
	return func(ctx workflow.Context, timers []scenarios.RecurringTimer, horizon time.Duration) (int, error) {
		if !guarded || workflow.GetVersion(ctx, "drop-"+name, workflow.DefaultVersion, 1) == 1 {
			var kept []scenarios.RecurringTimer
			for _, t := range timers {
				if t.Name != name {
					kept = append(kept, t)
				}
			}
			timers = kept
		}
		return wf(ctx, timers, horizon)
	}
}

func counterRenamed(ctx workflow.Context, s scenarios.CounterState) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	for end := min(s.Next+3, 10); s.Next < end; s.Next++ {
		var size int
		if err := workflow.ExecuteActivity(ctx, "FetchPageSize", s.Next).Get(ctx, &size); err != nil {
			return 0, err
		}
		s.Total += size
	}
	if s.Next < 10 {
		s.Runs++
		return 0, workflow.NewContinueAsNewError(ctx, "CounterWorkflow", s)
	}
	return s.Total, nil
}

var errFeedRejected = errors.New("feed rejected")

func feedRejects(ctx workflow.Context) (int, error) {
	if _, err := scenarios.FeedWorkflow(ctx); err != nil {
		return 0, err
	}
	return 0, temporal.NewNonRetryableApplicationError("stored feed rejected", "Rejected", errFeedRejected)
}

func feedRejectsVersioned(ctx workflow.Context) (int, error) {
	n, err := scenarios.FeedWorkflow(ctx)
	if err == nil && workflow.GetVersion(ctx, "reject", workflow.DefaultVersion, 1) == 1 {
		return 0, temporal.NewNonRetryableApplicationError("stored feed rejected", "Rejected", errFeedRejected)
	}
	return n, err
}

// recordDeposits takes the deposit signals before the account's own loop
// can (its goroutine starts first) and records each with a RecordDeposit
// activity instead of crediting it: a change to what a signal does.
func recordDeposits(ctx workflow.Context, guarded bool) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		if guarded && workflow.GetVersion(ctx, "record-deposits", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return
		}
		ch := workflow.GetSignalChannel(ctx, "deposit")
		for {
			var n int
			ch.Receive(ctx, &n)
			insertedActivity(ctx, "RecordDeposit")
		}
	})
}

func localChainReordered(ctx workflow.Context, ref string) (string, error) {
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	v := ref
	for _, step := range []string{"Price", "Normalize", "Receipt"} {
		if err := workflow.ExecuteLocalActivity(ctx, step, v).Get(ctx, &v); err != nil {
			return "", fmt.Errorf("step %s: %w", step, err)
		}
	}
	return v, nil
}

func parallelRenamed(ctx workflow.Context, n int) ([]string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 5 * time.Minute})
	futures := make([]workflow.Future, n)
	for i := range futures {
		futures[i] = workflow.ExecuteActivity(ctx, "ProcessItem", i, time.Duration(i+1)*30*time.Second)
	}
	var out []string
	for _, f := range futures {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

func pollWithPause(guarded bool) func(workflow.Context) ([]string, error) {
	return func(ctx workflow.Context) ([]string, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Hour, HeartbeatTimeout: 20 * time.Second})
		pause := !guarded || workflow.GetVersion(ctx, "pause", workflow.DefaultVersion, 1) == 1
		var out []string
		for i, stage := range []string{"build", "test", "deploy"} {
			if i > 0 && pause {
				if err := workflow.Sleep(ctx, time.Minute); err != nil {
					return out, err
				}
			}
			var res string
			if err := workflow.ExecuteActivity(ctx, "PollUntilReady", stage).Get(ctx, &res); err != nil {
				return out, err
			}
			out = append(out, res)
		}
		return out, nil
	}
}

func chargeWithoutPricing(ctx workflow.Context, c scenarios.Charge) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var id string
	err := workflow.ExecuteActivity(ctx, "Charge", c).Get(ctx, &id)
	return id, err
}

func sagaChargesFirst(ctx workflow.Context, o scenarios.SagaOrder) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var chargeID string
	if err := workflow.ExecuteActivity(ctx, "Charge", o).Get(ctx, &chargeID); err != nil {
		return "", err
	}
	if err := workflow.ExecuteActivity(ctx, "Reserve", o).Get(ctx, nil); err != nil {
		return "", err
	}
	return chargeID, workflow.ExecuteActivity(ctx, "Ship", o).Get(ctx, nil)
}
