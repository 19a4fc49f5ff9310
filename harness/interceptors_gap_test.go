package harness_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// A known gap of the SDK's test environment, handled rather than hidden:
// an activity mocked with a plain value (OnActivity(...).Return(value))
// answers without calling any inbound activity interceptor, so a test
// built that way never exercises the interceptors it means to check. The
// harness never mocks: scenarios register real activities, and the engine
// runs every attempt down the full inbound chain.

// attemptCounter counts the activity attempts that reach its inbound
// interceptor.
type attemptCounter struct {
	interceptor.WorkerInterceptorBase
	n atomic.Int64
}

func (c *attemptCounter) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &attemptCounterIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, c: c}
}

type attemptCounterIn struct {
	interceptor.ActivityInboundInterceptorBase
	c *attemptCounter
}

func (a *attemptCounterIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	a.c.n.Add(1)
	return a.Next.ExecuteActivity(ctx, in)
}

func greetWorkflow(ctx workflow.Context, name string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, "Greet", name).Get(ctx, &out)
	return out, err
}

func greet(_ context.Context, name string) (string, error) { return "hello " + name, nil }

// runMocked runs greetWorkflow in a bare SDK test environment with the
// counter as worker interceptor and Greet mocked by mockReturn, inside a
// synctest bubble so the environment's timers are virtual and nothing
// outlives the test.
func runMocked(t *testing.T, mockReturn any) (string, int64) {
	var out string
	counter := &attemptCounter{}
	synctest.Test(t, func(t *testing.T) {
		var suite testsuite.WorkflowTestSuite
		suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
		env := suite.NewTestWorkflowEnvironment()
		env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{counter}})
		env.RegisterWorkflow(greetWorkflow)
		env.RegisterActivityWithOptions(greet, activity.RegisterOptions{Name: "Greet"})
		switch r := mockReturn.(type) {
		case string:
			env.OnActivity("Greet", mock.Anything, "ada").Return(r, nil)
		default:
			env.OnActivity("Greet", mock.Anything, "ada").Return(r)
		}
		env.ExecuteWorkflow(greetWorkflow, "ada")
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
		if err := env.GetWorkflowResult(&out); err != nil {
			t.Fatal(err)
		}
	})
	return out, counter.n.Load()
}

// TestValueMockBypassesActivityInterceptors demonstrates the gap: the
// workflow gets the mocked value, and the inbound interceptor never runs.
// A mock that is a function goes through the chain, for comparison.
func TestValueMockBypassesActivityInterceptors(t *testing.T) {
	out, calls := runMocked(t, "mocked")
	if out != "mocked" {
		t.Fatalf("workflow returned %q, want the mocked value", out)
	}
	if calls != 0 {
		t.Fatalf("the inbound interceptor ran %d times for a value mock; the SDK gap this test documents is gone, update the harness docs", calls)
	}
	out, calls = runMocked(t, func(_ context.Context, name string) (string, error) { return "fn " + name, nil })
	if out != "fn ada" || calls != 1 {
		t.Fatalf("function mock: workflow returned %q and the interceptor ran %d times, want \"fn ada\" and 1", out, calls)
	}
}

// TestHarnessPathCallsActivityInterceptors is the other side: under the
// harness every attempt the engine makes, retries included, runs through
// the interceptor, and the interceptor-once property checks exactly that.
func TestHarnessPathCallsActivityInterceptors(t *testing.T) {
	sc := &sim.Scenario{
		Name: "greet",
		// Faults fall at 0, so they hit the attempts of the one activity.
		Profile: sim.Profile{Kinds: []sim.Kind{sim.ActivityError, sim.Latency}, Activities: []string{"Greet"}, Window: time.Millisecond},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflow(greetWorkflow)
			w.RegisterActivityWithOptions(greet, activity.RegisterOptions{Name: "Greet"})
			return sim.Case{Workflow: greetWorkflow, Args: []any{"ada"}}
		},
	}
	total := 0
	stack := func(w *sim.World) []fakes.Layer {
		c := &attemptCounter{}
		harness.AddRunProperties(w, harness.Property("counter-saw-every-attempt", func(r *sim.Result) error {
			attempts := 0
			for _, a := range r.Activities {
				attempts += len(a.Attempts)
			}
			total += attempts
			if got := c.n.Load(); got != int64(attempts) || attempts == 0 {
				return fmt.Errorf("the counter saw %d attempts, the engine made %d", got, attempts)
			}
			return nil
		}))
		return []fakes.Layer{{Name: "Counter", Interceptor: c}}
	}
	harness.VerifyInterceptors(t, stack, []*sim.Scenario{sc}, harness.InterceptorSeeds(50))
	t.Logf("%d attempts over 50 seeds, each seen by the interceptor", total)
}
