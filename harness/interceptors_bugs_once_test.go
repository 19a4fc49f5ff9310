package harness_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// Planted interceptor bugs for interceptor-once in both directions, for
// interceptor-heartbeats, and for interceptor-headers with no header
// source in the stack.

// queryAuditor logs the workflow's count after every signal by running
// the "count" query through its next: the interceptors inside it get a
// query the engine never delivered.
type queryAuditor struct {
	interceptor.WorkerInterceptorBase
}

func (*queryAuditor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &queryAuditorIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

type queryAuditorIn struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (a *queryAuditorIn) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	err := a.Next.HandleSignal(ctx, in)
	if n, qerr := a.Next.HandleQuery(ctx, &interceptor.HandleQueryInput{QueryType: "count"}); qerr == nil {
		workflow.GetLogger(ctx).Info("after signal", "signal", in.SignalName, "count", n)
	}
	return err
}

// heartbeatSplitter sends every heartbeat twice, a progress marker and
// then the details, so the server gets heartbeats that never passed it.
type heartbeatSplitter struct {
	interceptor.WorkerInterceptorBase
}

func (*heartbeatSplitter) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &splitterIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type splitterIn struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *splitterIn) Init(out interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&splitterOut{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: out}})
}

type splitterOut struct {
	interceptor.ActivityOutboundInterceptorBase
}

func (o *splitterOut) RecordHeartbeat(ctx context.Context, details ...any) {
	o.Next.RecordHeartbeat(ctx, "progress")
	o.Next.RecordHeartbeat(ctx, details...)
}

// outsideSignalDropper is the workout with an interceptor of the
// scenario's own, outside the stack, that forgets to pass signals on: the
// engine delivers them, and none enters the stack.
func outsideSignalDropper() *sim.Scenario {
	sc := *harness.InterceptorWorkout()
	setup := sc.Setup
	sc.Setup = func(w *sim.World) sim.Case {
		w.AddInterceptor(&forgetfulSignals{})
		return setup(w)
	}
	return &sc
}

// oncePlantedBugs are the planted bugs of this file.
func oncePlantedBugs() []plantedBug {
	one := func(name string, i interceptor.WorkerInterceptor) harness.Stack {
		return func(*sim.World) []fakes.Layer { return []fakes.Layer{{Name: name, Interceptor: i}} }
	}
	return []plantedBug{
		{name: "runs a query of its own through next", only: harness.InterceptorWorkout(), stack: func(*sim.World) []fakes.Layer {
			return []fakes.Layer{{Name: "Auditor", Interceptor: &queryAuditor{}}, {Name: "Inner", Interceptor: &interceptor.WorkerInterceptorBase{}}}
		}, property: "interceptor-once", want: "interceptor Auditor, layer WorkflowInbound, method HandleQuery: made a call of its own through next"},
		{name: "a signal stopped outside the stack", only: outsideSignalDropper(), stack: one("Plain", &interceptor.WorkerInterceptorBase{}),
			property: "interceptor-once", want: "but 0 entered the stack at its first interceptor, Plain"},
		{name: "sends each heartbeat twice", stack: one("Splitter", &heartbeatSplitter{}),
			property: "interceptor-heartbeats", want: "interceptor Splitter, layer ActivityOutbound, method RecordHeartbeat"},
		{name: "drops a header, alone in the stack", stack: one("Scrubber", &headerScrubber{}),
			property: "interceptor-headers", want: "interceptor Scrubber, layer WorkflowOutbound, method ExecuteActivity"},
	}
}

// TestEveryInterceptorPropertyHasABug names, for every interceptor
// property, the planted bugs that TestPlantedInterceptorBugsCaught shows
// failing it; none may be missing.
func TestEveryInterceptorPropertyHasABug(t *testing.T) {
	props, err := harness.InterceptorProperties([]string{"Any"})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range props {
		var names []string
		for _, b := range plantedBugs() {
			if b.property == p.Name {
				names = append(names, fmt.Sprintf("%q", b.name))
			}
		}
		if len(names) == 0 {
			t.Errorf("no planted interceptor bug fails %s", p.Name)
		}
		lines = append(lines, fmt.Sprintf("%-26s %s", p.Name, strings.Join(names, ", ")))
	}
	t.Logf("interceptor property -> planted bugs that fail it:\n%s", strings.Join(lines, "\n"))
}
