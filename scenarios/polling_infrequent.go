package scenarios

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// polling-infrequent: the retry policy is the poll loop. The activity
// polls once and fails with a retryable error while the service is not
// ready; the server retries it every pollInterval (BackoffCoefficient 1,
// InitialInterval = the interval), so no worker slot is held between
// polls. A schedule-to-close timeout bounds the whole wait. The service
// becomes ready at a virtual time drawn per seed.

const (
	infrequentPollInterval = time.Minute
	infrequentWaitAtMost   = 2 * time.Hour
)

// InfrequentPoller is the one-poll activity and the service it polls.
type InfrequentPoller struct {
	Service *fakes.FlakyService
}

// CheckReady polls once: the service's result when it is ready, a
// retryable "NotReady" error when it is not.
func (p *InfrequentPoller) CheckReady(ctx context.Context) (string, error) {
	res, err := p.Service.Poll(ctx)
	if errors.Is(err, fakes.ErrNotReady) {
		return "", temporal.NewApplicationError("report not ready yet", "NotReady")
	}
	return res, err
}

// infrequentPollWorkflow returns the workflow polling with coefficient as
// the retry policy's BackoffCoefficient: 1 in the correct scenario.
func infrequentPollWorkflow(coefficient float64) func(workflow.Context) (string, error) {
	return pollWorkflow(coefficient, false)
}

// pollWorkflow returns the polling workflow; emptyOnError plants a bug: a
// poll that fails for good is taken to mean "no report" and the workflow
// completes with an empty result.
func pollWorkflow(coefficient float64, emptyOnError bool) func(workflow.Context) (string, error) {
	return func(ctx workflow.Context) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout:    10 * time.Second,
			ScheduleToCloseTimeout: infrequentWaitAtMost,
			RetryPolicy: &temporal.RetryPolicy{
				InitialInterval:    infrequentPollInterval,
				BackoffCoefficient: coefficient,
			},
		})
		var res string
		err := workflow.ExecuteActivity(ctx, "CheckReady").Get(ctx, &res)
		if err != nil && emptyOnError {
			workflow.GetLogger(ctx).Warn("no report", "error", err)
			return "", nil
		}
		return res, err
	}
}

// pollsEveryInterval holds when every retry of CheckReady started exactly
// one poll interval after the previous attempt ended: the polling rate is
// what the workflow's author chose, whatever the retry policy says.
func pollsEveryInterval() sim.Property {
	return harness.Property("polls-every-interval", func(r *sim.Result) error {
		for _, a := range r.Activities {
			for i := 1; i < len(a.Attempts); i++ {
				prev, cur := a.Attempts[i-1], a.Attempts[i]
				if gap := cur.Start - prev.End; gap != infrequentPollInterval {
					return fmt.Errorf("%s attempt %d started %s after attempt %d ended, want the poll interval %s",
						a.Key, cur.N, gap, prev.N, infrequentPollInterval)
				}
			}
		}
		return nil
	})
}

// readySeenWithinInterval holds when, in a run whose plan touches no
// activity attempt and delays no worker (a shutdown, a crash, a workflow
// task left to time out), the workflow completed no later than one poll
// interval (plus a poll's latency) after the service became ready.
func readySeenWithinInterval(readyIn time.Duration) sim.Property {
	return harness.Property("ready-seen-within-interval", func(r *sim.Result) error {
		for _, f := range r.Plan.Faults {
			if f.Kind.ActivityScoped() || f.Kind == sim.WorkerShutdown || f.Kind == sim.WorkerCrash || f.Kind == sim.WorkflowTaskTimeout {
				return nil
			}
		}
		end, ok := harness.WorkflowEnd(r)
		if r.Outcome != sim.Completed || !ok {
			return fmt.Errorf("workflow ended %s with no fault on the poller; the service was ready at %s", r.Outcome, readyIn)
		}
		if limit := readyIn + infrequentPollInterval + time.Second; end > limit {
			return fmt.Errorf("workflow completed at %s; the service was ready at %s, so it should have by %s", end, readyIn, limit)
		}
		return nil
	})
}

func pollingInfrequentScenario(name, bug string, coefficient float64) *sim.Scenario {
	return pollingInfrequentVariant(name, bug, infrequentPollWorkflow(coefficient))
}

func pollingInfrequentVariant(name, bug string, wf func(workflow.Context) (string, error)) *sim.Scenario {
	window := 30 * time.Minute
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "the retry policy is the poll loop: one poll per attempt, retried every minute until ready",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.Latency, sim.StartToCloseTimeout, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"CheckReady"},
			Window:     window,
			MaxCall:    1,
			MaxAttempt: 30,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			// Ready 3 to 30 minutes in, so most runs poll several times.
			readyIn := 3*time.Minute + drawMillis(w.Rand("ready"), 27*time.Minute)
			svc := fakes.NewFlakyService(w.Clock(), w.Rand("service"), &fakes.FlakyConfig{
				ReadyAt: w.Clock().Now().Add(readyIn),
				Result:  "report-2024-q3",
				Latency: fakes.Uniform(50*time.Millisecond, time.Second),
			})
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "InfrequentPollWorkflow"})
			w.RegisterActivity(&InfrequentPoller{Service: svc})
			return sim.Case{Workflow: "InfrequentPollWorkflow", Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, infrequentWaitAtMost),
				pollsEveryInterval(),
				readySeenWithinInterval(readyIn),
				harness.Property("result-is-report", func(r *sim.Result) error {
					if r.Outcome == sim.Completed && r.Output != `"report-2024-q3"` {
						return fmt.Errorf("workflow returned %s, want the service's result", r.Output)
					}
					return nil
				}),
			}}
		},
	}
}

func init() {
	register(pollingInfrequentScenario("polling-infrequent", "", 1))
	register(planted(pollingInfrequentScenario("polling-infrequent/bug-growing-interval",
		"the retry policy keeps the default BackoffCoefficient 2, so the poll interval doubles after every poll", 2),
		"polls-every-interval", "the interval doubles from the second poll on, and the service is never ready before it"))
	register(planted(pollingInfrequentVariant("polling-infrequent/bug-empty-on-error",
		"a poll that fails for good (a non-retryable error, or the wait running out) is taken as \"no report\" and the workflow completes with an empty result", pollWorkflow(1, true)),
		"result-is-report", ""))
}
