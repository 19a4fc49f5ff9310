package scenarios

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// polling-frequent: a release waits for three external stages (build,
// test, deploy) in turn. For each, one long activity polls the stage's
// service every few seconds until it is ready, heartbeating after every
// poll. The heartbeat timeout is what lets the server notice a dead poller
// quickly (a lost worker, a poller whose heartbeats stopped) and retry it;
// the heartbeat details carry the poll count across attempts. Each stage
// becomes ready at a virtual time drawn per seed.

const (
	frequentPollInterval = 5 * time.Second
	frequentHeartbeat    = 20 * time.Second
)

// frequentStages are the stages a release waits for, in order.
var frequentStages = []string{"build", "test", "deploy"}

// FrequentPoller is the polling activity and the services it polls.
type FrequentPoller struct {
	Clock    clock.Clock
	Services map[string]*fakes.FlakyService
	// HeartbeatEvery is how many polls pass between heartbeats: 1 in the
	// correct scenario.
	HeartbeatEvery int
}

// PollUntilReady polls stage's service every frequentPollInterval until it
// is ready and returns its result. It heartbeats the number of polls so
// far, and a retry resumes the count from the last heartbeat.
func (p *FrequentPoller) PollUntilReady(ctx context.Context, stage string) (string, error) {
	polls := 0
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &polls); err != nil {
			return "", err
		}
	}
	for {
		res, err := p.Services[stage].Poll(ctx)
		polls++
		switch {
		case err == nil:
			return res, nil
		case !errors.Is(err, fakes.ErrNotReady):
			return "", err
		}
		if polls%p.HeartbeatEvery == 0 {
			activity.RecordHeartbeat(ctx, polls)
		}
		if err := waitVirtual(ctx, p.Clock, frequentPollInterval); err != nil {
			return "", err
		}
	}
}

// FrequentPollWorkflow waits for each stage in turn and returns what the
// stages' services said.
func FrequentPollWorkflow(ctx workflow.Context) ([]string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    frequentHeartbeat,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 10 * time.Second, MaximumAttempts: 8},
	})
	var out []string
	for _, stage := range frequentStages {
		var res string
		if err := workflow.ExecuteActivity(ctx, "PollUntilReady", stage).Get(ctx, &res); err != nil {
			return out, fmt.Errorf("waiting for %s: %w", stage, err)
		}
		out = append(out, res)
	}
	return out, nil
}

// heartbeatTimeoutsExplained holds when every attempt that ended in a
// heartbeat timeout was hit by a heartbeat-loss fault or ran on a worker
// that was stopped (past its grace period) or crashed before the timeout: a poller that is alive and
// reachable must never let its heartbeat timeout fire.
func heartbeatTimeoutsExplained() sim.Property {
	return harness.Property("heartbeat-timeouts-explained", func(r *sim.Result) error {
		killed := map[string]int64{} // "worker=N" -> when it was killed
		for _, e := range r.Events {
			if e.Kind == "worker.kill" || e.Kind == "worker.crash" {
				killed[e.Detail] = e.T
			}
		}
		lossFaults := map[int]bool{}
		for _, f := range r.Plan.Faults {
			if f.Kind == sim.HeartbeatLoss {
				lossFaults[f.ID] = true
			}
		}
		for _, a := range r.Activities {
			for _, at := range a.Attempts {
				if at.Result != "timeout:HEARTBEAT" || hitByAny(at.Faults, lossFaults) {
					continue
				}
				if t, ok := killed[fmt.Sprintf("worker=%d", at.Worker)]; ok && t <= at.End.Milliseconds() {
					continue
				}
				return fmt.Errorf("%s attempt %d (worker %d) timed out on heartbeats at %s with no heartbeat loss and no dead worker",
					a.Key, at.N, at.Worker, at.End)
			}
		}
		return nil
	})
}

func hitByAny(ids []int, faults map[int]bool) bool {
	for _, id := range ids {
		if faults[id] {
			return true
		}
	}
	return false
}

func pollingFrequentScenario(name, bug string, heartbeatEvery int) *sim.Scenario {
	window := 6 * time.Minute
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "three stages in turn, each polled every 5s by one heartbeating activity until it is ready",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.HeartbeatLoss, sim.WorkerShutdown, sim.WorkerCrash},
			Activities: []string{"PollUntilReady"},
			Window:     window,
			MaxCall:    len(frequentStages),
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			// Each stage is ready 30s to 3m after the one before.
			services := map[string]*fakes.FlakyService{}
			readyIn := time.Duration(0)
			for _, stage := range frequentStages {
				readyIn += 30*time.Second + drawMillis(w.Rand("ready."+stage), 150*time.Second)
				services[stage] = fakes.NewFlakyService(w.Clock(), w.Rand("service."+stage), &fakes.FlakyConfig{
					ReadyAt: w.Clock().Now().Add(readyIn),
					Result:  stage + " ok",
					Latency: fakes.Uniform(100*time.Millisecond, time.Second),
				})
			}
			w.RegisterWorkflow(FrequentPollWorkflow)
			w.RegisterActivity(&FrequentPoller{Clock: w.Clock(), Services: services, HeartbeatEvery: heartbeatEvery})
			return sim.Case{Workflow: FrequentPollWorkflow, Properties: []sim.Property{
				harness.Outcomes(sim.Completed, sim.Failed),
				harness.Terminates(window, time.Hour),
				heartbeatTimeoutsExplained(),
				harness.Property("result-after-ready", func(r *sim.Result) error {
					if r.Outcome != sim.Completed {
						return nil
					}
					if want := `["build ok","test ok","deploy ok"]`; r.Output != want {
						return fmt.Errorf("workflow returned %s, want %s", r.Output, want)
					}
					// Without faults the last poll comes at most one interval and
					// one poll latency after the last stage is ready.
					end, _ := harness.WorkflowEnd(r)
					if limit := readyIn + frequentPollInterval + time.Second; end < readyIn || (len(r.Plan.Faults) == 0 && end > limit) {
						return fmt.Errorf("workflow completed at %s; the last stage was ready at %s", end, readyIn)
					}
					return nil
				}),
			}}
		},
	}
}

func init() {
	register(pollingFrequentScenario("polling-frequent", "", 1))
	register(planted(pollingFrequentScenario("polling-frequent/bug-sparse-heartbeat",
		"the poll loop heartbeats only every 6th poll (30s), longer than the 20s heartbeat timeout", 6),
		"heartbeat-timeouts-explained", "a 30s gap between heartbeats exceeds the 20s heartbeat timeout in every poll loop"))
}
