package server

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// SwappedTwoStepWorkflow is TwoStepWorkflow with its activities swapped: a
// change that breaks running workflows.
func SwappedTwoStepWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var a string
	if err := workflow.ExecuteActivity(ctx, shout, name).Get(ctx, &a); err != nil {
		return "", err
	}
	if err := workflow.Sleep(ctx, time.Hour); err != nil {
		return "", err
	}
	var b string
	err := workflow.ExecuteActivity(ctx, greet, a).Get(ctx, &b)
	return b, err
}

// mixedHistories runs the workflows of this package's tests once each and
// returns every run's history.
func mixedHistories(t *testing.T) []RunHistory {
	var all []RunHistory
	all = append(all, inBubble(t, registerAll, func(t *testing.T, c client.Client) {
		var s string
		if err := execute(context.Background(), c, "fan", FanOutWorkflow, &s); err != nil {
			t.Fatal(err)
		}
	})...)
	all = append(all, inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(ChildParent)
		w.RegisterWorkflow(CountingChild)
	}, func(t *testing.T, c client.Client) {
		var n int
		if err := execute(context.Background(), c, "parent", ChildParent, &n); err != nil {
			t.Fatal(err)
		}
	})...)
	all = append(all, inBubble(t, func(w workerRegistry) {
		w.RegisterWorkflow(CancelAckWorkflow)
		w.RegisterActivity(waitsForCancel)
	}, func(t *testing.T, c client.Client) {
		var s string
		if err := execute(context.Background(), c, "cancel-ack", CancelAckWorkflow, &s); err != nil {
			t.Fatal(err)
		}
	})...)
	return all
}

func newReplayer() worker.WorkflowReplayer {
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflow(TwoStepWorkflow)
	r.RegisterWorkflow(FanOutWorkflow)
	r.RegisterWorkflow(ChildParent)
	r.RegisterWorkflow(CountingChild)
	r.RegisterWorkflow(CancelAckWorkflow)
	return r
}

// TestHistoriesReplay replays every history through its JSON form, as the
// replay corpus stores them.
func TestHistoriesReplay(t *testing.T) {
	hist := mixedHistories(t)
	if len(hist) != 9 {
		t.Fatalf("%d runs, want 9", len(hist))
	}
	r := newReplayer()
	for _, h := range hist {
		var buf bytes.Buffer
		if err := WriteHistoryJSON(&buf, h.Events); err != nil {
			t.Fatal(err)
		}
		parsed, err := client.HistoryFromJSON(&buf, client.HistoryJSONOptions{})
		if err != nil {
			t.Fatalf("%s: reading the JSON back: %v", h.WorkflowID, err)
		}
		if err := r.ReplayWorkflowHistory(quiet, parsed); err != nil {
			t.Errorf("%s/%s does not replay: %v", h.WorkflowID, h.RunID, err)
		}
	}
}

func TestSwappedActivitiesFailReplay(t *testing.T) {
	hist := inBubble(t, registerTwoStep, func(t *testing.T, c client.Client) {
		var s string
		if err := execute(context.Background(), c, "two-step", TwoStepWorkflow, &s, "x"); err != nil {
			t.Fatal(err)
		}
	})
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(SwappedTwoStepWorkflow, workflow.RegisterOptions{Name: "TwoStepWorkflow"})
	err := r.ReplayWorkflowHistory(quiet, &historyT{Events: hist[0].Events})
	if err == nil || !strings.Contains(err.Error(), "TMPRL1100") {
		t.Fatalf("replay with swapped activities: %v, want a [TMPRL1100] nondeterminism error", err)
	}
}

func TestHistorySHAIsOverCanonicalBytes(t *testing.T) {
	hist := inBubble(t, registerTwoStep, func(t *testing.T, c client.Client) {
		var s string
		if err := execute(context.Background(), c, "two-step", TwoStepWorkflow, &s, "x"); err != nil {
			t.Fatal(err)
		}
	})
	a, err := HistorySHA256(hist[0].Events)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := HistorySHA256(hist[0].Events[:len(hist[0].Events)-1])
	if len(a) != 64 || a == b {
		t.Fatalf("sha %q of the history and %q without its last event: want two different 64-hex digests", a, b)
	}
}
