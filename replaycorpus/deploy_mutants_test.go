package replaycorpus

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// The replay corpus's mutants, deployed live: each scenario runs on
// engine 2 with a deploy fault whose new version (Scenario.Deploy)
// registers a mutant under the scenario's workflow type. The worker that
// takes over replays the running workflow's history with the mutant, as a
// production worker does after a deploy.

// deploySeed is the seed of every run of TestDeployMutants.
const deploySeed = 1

// lastTaskOnly are the incompatible mutants whose change shows only in the
// workflow's last workflow task (what it does after its last step, or how
// it ends). A deploy before that task lets the running workflow take the
// new path live, as a production deploy would, so no replay can see the
// change: these mutants cannot be caught mid-run, and the test requires
// that they are not (no false verdict either way).
var lastTaskOnly = map[string]string{
	"custom-metrics/result-rejected":         "the stored count is rejected when the workflow returns, in its last task",
	"polling-infrequent/archive-after-ready": "the Archive activity runs after the report is ready, in the last task",
}

// newActivities are activity types the mutants call that the catalogue
// does not register; the new version registers them as no-ops, as a real
// deploy ships the activities its workflow code calls.
var newActivities = []string{"AuditOrder", "Checkpoint", "CheckFraud", "Prepare", "Quote", "PlaceHold", "RiskCheck",
	"LoadCalendar", "Archive", "AppendedStep", "RecordDeposit", "Validate"}

func noopActivity(context.Context) error { return nil }

// TestDeployMutants deploys, mid-run on engine 2, every scenario's own
// mutants (mutantsByScenario). The deploy falls in the last quiet stretch
// of a fault-free engine-2 run of the same seed (deployPoint), so what the
// workflow did before it is in the history the new worker replays.
// Incompatible mutants must fail the nondeterminism property with the
// mutant's expected kind, found by the new worker's replay during the run
// or by the replay oracle after it (caughtAs says when which); their
// GetVersion-guarded twins must pass every property.
func TestDeployMutants(t *testing.T) {
	var incompatible, caught, duringRun, guarded, clean, skipped int
	for _, sc := range scenarios.Correct() {
		own := mutantsByScenario[sc.Name]
		if len(own) == 0 {
			t.Errorf("scenario %s has no mutants in mutantsByScenario", sc.Name)
			continue
		}
		runs := &baseRuns{sc: sc}
		typ := WorkflowType(runs.get(t, 0).h)
		orig := setupWorkflow(t, sc, typ)
		for _, m := range own {
			name := sc.Name + "/" + m.name
			b, ok := runs.find(t, m.applies)
			if !ok {
				t.Logf("%s: cannot be deployed mid-run: none of the %d base runs (the fault-free one, then seeds' swarm plans) both takes the changed path (its applies condition) and has a quiet stretch of %s after its first workflow task to deploy in", name, len(runs.runs), minGap)
				skipped++
				continue
			}
			if len(b.plan.Faults) > 1 {
				t.Logf("%s: its changed path runs under seed %d's swarm plan, deployed into it: %v", name, b.seed, b.plan.Faults)
			}
			r := deployMutant(t, sc, typ, m.make(orig), b)
			f, inRun, found := caughtAs(r)
			switch why, late := lastTaskOnly[name]; {
			case !m.want.Fail:
				guarded++
				if found || r.Failed() {
					t.Errorf("%s (%s), seed %d, %v: %v; want every property to hold", name, m.why, b.seed, b.plan.Faults, r.Violations)
					continue
				}
				clean++
			case late:
				skipped++
				if found {
					t.Errorf("%s: caught (%v), though its change is in the last task (%s): take it off lastTaskOnly", name, r.Violations, why)
				}
				t.Logf("%s: not caught mid-run, as expected: %s", name, why)
			default:
				incompatible++
				switch {
				case !found || !failed(r, "nondeterminism"):
					t.Errorf("%s (%s), seed %d, %v: not caught; outcome %s, violations %v", name, m.why, b.seed, b.plan.Faults, r.Outcome, r.Violations)
				case Kind(f.Kind) != m.want.Kind:
					t.Errorf("%s (%s): caught as %s at event %d, want %s: %s", name, m.why, f.Kind, f.EventID, m.want.Kind, f.Message)
				case inRun:
					caught++
					duringRun++
				default:
					caught++
				}
			}
		}
	}
	t.Logf("incompatible mutants deployed mid-run: %d/%d caught with the expected kind (%d by the new worker's replay during the run, %d by the replay oracle after it); GetVersion-guarded twins: %d/%d passed every property; %d mutants not deployable mid-run (logged above)",
		caught, incompatible, duringRun, caught-duringRun, clean, guarded, skipped)
}

// baseRun is a run a mutant is deployed into: a seed, its plan with the
// deploy fault added, and the history it made without the deploy.
type baseRun struct {
	seed sim.Seed
	plan sim.Plan
	h    *historypb.History
	ok   bool // the run has a quiet stretch to deploy in
}

// baseRuns are a scenario's candidate base runs, made on demand: the
// fault-free run of deploySeed first, then the swarm plans of seeds 1 to
// maxBaseSeed (the paths some mutants change are taken only under faults:
// a signal, a failed step). Plans with a codec failure are left out: the
// replay oracle does not judge them.
type baseRuns struct {
	sc   *sim.Scenario
	runs []baseRun
}

const maxBaseSeed = 30

// get returns candidate i, running it if need be; ok is false past the
// last.
func (b *baseRuns) get(t *testing.T, i int) baseRun {
	t.Helper()
	for len(b.runs) <= i {
		n := len(b.runs)
		if n > maxBaseSeed {
			return baseRun{}
		}
		seed, plan := sim.Seed(deploySeed), sim.Plan{}
		if n > 0 {
			seed = sim.Seed(n)
			_, plan = b.sc.Profile.SwarmPlan(seed)
		}
		if slices.ContainsFunc(plan.Faults, func(f sim.Fault) bool { return f.Kind == sim.CodecFailure }) {
			b.runs = append(b.runs, baseRun{})
			continue
		}
		r, err := sim.Run(t, b.sc, seed, plan, &sim.Options{Engine: sim.EngineServer})
		if err != nil {
			t.Fatalf("%s seed %d: %v", b.sc.Name, seed, err)
		}
		h := r.Histories()[0].History
		at, ok := deployPoint(h)
		deploy := sim.Fault{ID: len(plan.Faults) + 1, Kind: sim.Deploy, At: at}
		b.runs = append(b.runs, baseRun{seed: seed, plan: sim.Plan{Faults: append(slices.Clip(plan.Faults), deploy)}, h: h, ok: ok && r.Outcome != sim.Stuck})
	}
	return b.runs[i]
}

// find returns the first base run that takes the path applies asks for
// (nil: any) and has a stretch to deploy in.
func (b *baseRuns) find(t *testing.T, applies func(*historypb.History) bool) (baseRun, bool) {
	t.Helper()
	for i := 0; i <= maxBaseSeed; i++ {
		r := b.get(t, i)
		if r.ok && (applies == nil || applies(r.h)) {
			return r, true
		}
	}
	return baseRun{}, false
}

// deployMutant runs sc on engine 2 under b's plan, whose deploy fault's
// new version registers mutant under the workflow type typ.
func deployMutant(t *testing.T, sc *sim.Scenario, typ string, mutant any, b baseRun) *sim.Result {
	t.Helper()
	d := *sc
	d.Profile.Kinds = append(slices.Clip(sc.Profile.Kinds), sim.Deploy)
	if !slices.ContainsFunc(sc.Properties, func(p sim.Property) bool { return p.Name == "nondeterminism" }) {
		d.Properties = append(slices.Clip(sc.Properties), harness.Nondeterminism())
	}
	d.Deploy = func(w *sim.World) {
		w.RegisterWorkflowWithOptions(mutant, workflow.RegisterOptions{Name: typ})
		for _, a := range newActivities {
			w.RegisterActivityWithOptions(noopActivity, activity.RegisterOptions{Name: a})
		}
	}
	r, err := sim.Run(t, &d, b.seed, b.plan, &sim.Options{Engine: sim.EngineServer})
	if err != nil {
		t.Fatalf("%s seed %d, %v: %v", sc.Name, b.seed, b.plan.Faults, err)
	}
	deploy := b.plan.Faults[len(b.plan.Faults)-1]
	if !slices.Contains(r.Fired, deploy.ID) {
		t.Fatalf("%s seed %d, %v: the deploy did not fire", sc.Name, b.seed, b.plan.Faults)
	}
	return r
}

// caughtAs is how the nondeterminism property caught r: the workflow task
// that failed during the run (inRun), else the first history the replay
// oracle could not replay; found is false when neither did.
//
// The SDK's worker does not compare the replayed commands with the history
// when the workflow completes in the very task that replays it (its
// internal_task_handlers.go), so a change the new worker replays in that
// task goes unnoticed during the run; the replay oracle, which always
// compares, catches it after the run.
func caughtAs(r *sim.Result) (f sim.ReplayFailure, inRun, found bool) {
	if f, ok := r.TaskNondeterminism(); ok {
		return f, true, true
	}
	if _, fs, err := r.ReplayHistories(); err == nil && len(fs) > 0 {
		return fs[0], false, true
	}
	return sim.ReplayFailure{}, false, false
}

// failed reports whether property p is among r's violations.
func failed(r *sim.Result, p string) bool {
	return slices.ContainsFunc(r.Violations, func(v sim.Violation) bool { return v.Property == p })
}

// minGap is the shortest quiet stretch of a run a deploy is aimed into.
const minGap = time.Second

// deployPoint aims the deploy: the middle of the last stretch of at least
// minGap in which the fault-free run's history was quiet, after its first
// workflow task completed, as an offset from the workflow's start in whole
// milliseconds. The new worker then replays everything the workflow did
// before that stretch. ok is false when there is no such stretch (a run
// that is one workflow task, or whose tasks all follow each other within
// minGap): nothing would be replayed mid-run.
func deployPoint(h *historypb.History) (time.Duration, bool) {
	ev := h.GetEvents()
	start := ev[0].GetEventTime().AsTime()
	first := slices.IndexFunc(ev, func(e *historypb.HistoryEvent) bool {
		return e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
	})
	if first < 0 {
		return 0, false
	}
	for i := len(ev) - 1; i > first; i-- {
		from, to := ev[i-1].GetEventTime().AsTime(), ev[i].GetEventTime().AsTime()
		if to.Sub(from) >= minGap {
			return (from.Sub(start) + to.Sub(from)/2).Truncate(time.Millisecond), true
		}
	}
	return 0, false
}

// setupWorkflow is the workflow function sc's Setup registers under typ.
func setupWorkflow(t *testing.T, sc *sim.Scenario, typ string) any {
	t.Helper()
	regs := &realserver.Registrations{}
	sc.Setup(sim.NewWorld(deploySeed, sim.Plan{}, clock.NewMock(), regs))
	i := slices.IndexFunc(regs.Workflows, func(w realserver.WorkflowRegistration) bool { return w.Name() == typ })
	if i < 0 {
		t.Fatalf("scenario %s registers no workflow %s", sc.Name, typ)
	}
	return regs.Workflows[i].Func
}
