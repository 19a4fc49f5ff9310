package harness_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// twoArgCartWorkflow keeps a cart open for an hour: the update addItem takes
// two arguments, and the signal note (author, text) is read for its
// author; an audit interceptor records both of its arguments.
func twoArgCartWorkflow(ctx workflow.Context) (string, error) {
	items := map[string]int{}
	var order []string
	err := workflow.SetUpdateHandler(ctx, "addItem", func(ctx workflow.Context, sku string, qty int) (int, error) {
		if _, ok := items[sku]; !ok {
			order = append(order, sku)
		}
		items[sku] += qty
		return items[sku], nil
	})
	if err != nil {
		return "", err
	}
	var authors []string
	notes := workflow.GetSignalChannel(ctx, "note")
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var author string
			notes.Receive(ctx, &author)
			authors = append(authors, author)
		}
	})
	if err := workflow.Sleep(ctx, time.Hour); err != nil {
		return "", err
	}
	var parts []string
	for _, sku := range order {
		parts = append(parts, fmt.Sprintf("%s=%d", sku, items[sku]))
	}
	return strings.Join(parts, ",") + " notes by " + strings.Join(authors, ","), nil
}

// auditInterceptor records every note signal's two arguments, as an
// audit trail written by a workflow interceptor would.
type auditInterceptor struct {
	interceptor.WorkerInterceptorBase
	w   *sim.World
	log *[]string
}

func (a *auditInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &auditInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, a: a}
}

type auditInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	a *auditInterceptor
}

func (i *auditInbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	if in.SignalName == "note" {
		var author, text string
		if err := i.a.w.DataConverter().FromPayloads(in.Arg, &author, &text); err != nil {
			return err
		}
		*i.a.log = append(*i.a.log, author+": "+text)
	}
	return i.Next.HandleSignal(ctx, in)
}

// splitArgs decodes "a:b" into two arguments; qty makes the second an int.
func splitArgs(qty bool) func(string) ([]any, error) {
	return func(v string) ([]any, error) {
		a, b, ok := strings.Cut(v, ":")
		if !ok {
			return nil, fmt.Errorf("want FIRST:SECOND, got %q", v)
		}
		if !qty {
			return []any{a, b}, nil
		}
		n, err := strconv.Atoi(b)
		return []any{a, n}, err
	}
}

type auditKey struct{}

func cartScenario() *sim.Scenario {
	return &sim.Scenario{
		Name: "cart-two-argument-messages",
		Profile: sim.Profile{
			Kinds:   []sim.Kind{sim.Signal, sim.Update},
			Signals: []sim.Message{{Name: "note", Values: []string{"ann:gift wrap", "bob:leave at door"}}},
			Updates: []sim.Message{{Name: "addItem", Values: []string{"apple:3", "pear:1"}}},
			Window:  50 * time.Minute,
		},
		Setup: func(w *sim.World) sim.Case {
			log := &[]string{}
			w.Set(auditKey{}, log)
			w.SetArgsDecoder("note", splitArgs(false))
			w.SetArgsDecoder("addItem", splitArgs(true))
			w.AddInterceptor(&auditInterceptor{w: w, log: log})
			w.RegisterWorkflow(twoArgCartWorkflow)
			return sim.Case{Workflow: twoArgCartWorkflow}
		},
		Properties: append(harness.Safety(), harness.Outcomes(sim.Completed), everyMessageArrived()),
	}
}

// everyMessageArrived holds when every update sent was accepted and
// completed, and every note signal reached the audit log with both of
// its arguments.
func everyMessageArrived() sim.Property {
	return harness.Property("every-message-arrived", func(r *sim.Result) error {
		signals, audited := 0, len(*r.World.Get(auditKey{}).(*[]string))
		for _, e := range r.Events {
			switch {
			case e.Kind == "update.rejected":
				return fmt.Errorf("update %s was rejected: %s", e.ID, e.Result)
			case e.Kind == "update.completed" && e.Result != "ok":
				return fmt.Errorf("update %s ended %s", e.ID, e.Result)
			case e.Kind == "fault" && e.Name == string(sim.Signal):
				signals++
			}
		}
		if audited != signals {
			return fmt.Errorf("%d note signals sent, %d audited with both arguments", signals, audited)
		}
		return nil
	})
}

func TestTwoArgumentSignalAndUpdate(t *testing.T) {
	plan, err := sim.ParsePlan("f1 update target=addItem at=1s value=apple:3\nf2 signal target=note at=2s value=\"ann:gift wrap\"\nf3 update target=addItem at=3s value=apple:2")
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(t, cartScenario(), 1, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Failed() {
		t.Fatalf("%s: %v", r, r.Violations)
	}
	if want := `"apple=5 notes by ann"`; r.Output != want {
		t.Errorf("output %s, want %s", r.Output, want)
	}
	if log := *r.World.Get(auditKey{}).(*[]string); len(log) != 1 || log[0] != "ann: gift wrap" {
		t.Errorf("audit log %q, want the note's two arguments", log)
	}
	noFalseAlarms(t, cartScenario())
}
