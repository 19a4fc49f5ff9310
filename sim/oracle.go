package sim

import (
	"errors"
	"fmt"
	"strings"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/internal/presize"
	"github.com/temporalsim/temporalsim/internal/replaykind"
	"github.com/temporalsim/temporalsim/sim/server"
)

// The replay oracle (see docs/architecture.md): after an engine-2 run,
// every history the server wrote (children and continue-as-new runs
// included) is replayed with the SDK's own WorkflowReplayer and the
// scenario's registrations, data converter and interceptors. A workflow
// whose code does not make the same decisions again (map order,
// time.Now, a native goroutine) fails that replay as it would fail on a
// production worker that lost its cache.

// ErrNoHistories is what ReplayHistories answers on engine 1: the SDK's
// test environment writes no histories, so there is nothing to replay and
// the replay oracle cannot say whether the workflow code is deterministic.
var ErrNoHistories = errors.New("engine 1 (the SDK test environment) writes no histories; the replay oracle needs engine 2 (sim.EngineServer)")

// ErrReplayOff is what ReplayHistories answers when the run was made with
// Options.NoReplay.
var ErrReplayOff = errors.New("the replay oracle is off for this run (sim.Options.NoReplay)")

// ErrReplayCodecOutage is what ReplayHistories answers for a run in which
// a codec-failure fault fired: payloads the workflow could not decode
// then decode on replay, so the workflow code may take another branch. A
// production worker that replays after a codec outage does the same, but
// that is the SDK's handling of codec errors, not the workflow's code, so
// the oracle does not judge such a run.
var ErrReplayCodecOutage = errors.New("a codec-failure fault fired: the replay would decode what the run could not, so the replay oracle does not judge this run")

// ReplayFailure is one history of a run that did not replay cleanly.
type ReplayFailure struct {
	WorkflowID, RunID, WorkflowType string
	// Kind is how the replay failed, with the values of replaycorpus.Kind:
	// missing-command, extra-command, command-mismatch, result-mismatch,
	// deadlock, ...
	Kind string
	// EventID is the history event the failure is about, 0 when the
	// SDK's message does not tell.
	EventID int64
	// Nondeterminism is true when the SDK found the code's decisions
	// differ from the history ([TMPRL1100]) or its result differ from the
	// recorded one; false when the replay failed another way.
	Nondeterminism bool
	// Message says what differed in one line; Err is the SDK's error.
	Message string
	Err     error
}

// String names the run and says what differed, in one line.
func (f ReplayFailure) String() string {
	return fmt.Sprintf("workflow %s run %s: %s", f.WorkflowID, f.RunID, f.Message)
}

// oracleState keeps one run's replay verdict.
type oracleState struct {
	off bool // Options.NoReplay
	// faults are the run's fault decisions: a child the plan failed was
	// failed by the worker's fault interceptor, which the replay needs too.
	faults *e2faults
	// codecOutage: a codec-failure fault fired (ErrReplayCodecOutage).
	codecOutage bool
	replayed    int
	failures    []ReplayFailure
	err         error
	// regs are the registrations of the code running at the end of the
	// run: the new version once a deploy fault fired.
	regs *registrations
	// inRun is the workflow task failure for nondeterminism that ended
	// the run (engine2_nondet.go), nil when none did.
	inRun *ReplayFailure
}

// replayOracle replays the histories of engine-2 run res before its
// properties are checked. It runs inside the run's bubble, so workflow
// code that reads time.Now during the replay reads virtual time, the same
// for the same seed. Goroutines that workflow code started with a native
// go statement during the replay get ReplayDrain of virtual time to end:
// the bubble cannot end while they wait; endReplayOracle gives it to them
// after the properties are checked, so no property sees the clock moved.
func replayOracle(res *Result) {
	o := res.oracle
	if o == nil || o.off {
		return
	}
	if o.codecOutage = codecFired(res); o.codecOutage {
		return
	}
	o.replayed, o.failures, o.err = replayAll(res.World, o.regs, res.histories, o.faults)
}

// codecFired reports whether a codec-failure fault of the plan fired.
func codecFired(res *Result) bool {
	for _, id := range res.World.Fired() {
		for _, f := range res.Plan.Faults {
			if f.ID == id && f.Kind == CodecFailure {
				return true
			}
		}
	}
	return false
}

// endReplayOracle lets goroutines the replays started end.
func endReplayOracle(res *Result) {
	if o := res.oracle; o != nil && !o.off && !o.codecOutage {
		time.Sleep(ReplayDrain)
	}
}

// ReplayDrain is how much virtual time goroutines that workflow code
// started outside the SDK (a native go statement) during the replay
// oracle's replays get to end, after the replays.
const ReplayDrain = time.Hour

// ReplayHistories returns the replay oracle's verdict on an engine-2 run:
// how many histories it replayed (every run of the workflow, children
// and continue-as-new runs included) and those that did not replay. It
// returns ErrNoHistories on engine 1 and ErrReplayOff when the run was
// made with Options.NoReplay.
func (r *Result) ReplayHistories() (int, []ReplayFailure, error) {
	switch {
	case r.oracle == nil:
		return 0, nil, ErrNoHistories
	case r.oracle.off:
		return 0, nil, ErrReplayOff
	case r.oracle.codecOutage:
		return 0, nil, ErrReplayCodecOutage
	}
	return r.oracle.replayed, r.oracle.failures, r.oracle.err
}

// replayAll replays each history with an SDK replayer built the way the
// run's worker was built.
func replayAll(w *World, regs *registrations, hs []server.RunHistory, faults *e2faults) (int, []ReplayFailure, error) {
	if regs == nil {
		return 0, nil, errors.New("sim: the replay oracle needs the registrations of an engine-2 run")
	}
	var failures []ReplayFailure
	var rep worker.WorkflowReplayer
	for _, h := range hs {
		if rep == nil {
			var err error
			if rep, err = newReplayer(w, regs, faults); err != nil {
				return 0, nil, err
			}
		}
		hist := &historypb.History{Events: h.Events}
		exec := workflow.Execution{ID: h.WorkflowID, RunID: h.RunID}
		if re := replaykind.Classify(replayOne(rep, hist, exec), hist); re != nil {
			failures = append(failures, ReplayFailure{WorkflowID: h.WorkflowID, RunID: h.RunID,
				WorkflowType: re.WorkflowType, Kind: string(re.Kind), EventID: re.EventID,
				Nondeterminism: isNondeterminism(re), Message: re.Error(), Err: re.Err})
			// After a deadlock or a panic in workflow code the SDK's
			// replayer is not safe to reuse.
			rep = nil
		}
	}
	return len(hs), failures, nil
}

// isNondeterminism tells the SDK's nondeterminism errors and a changed
// result from replays that failed for another reason.
func isNondeterminism(re *replaykind.ReplayError) bool {
	return strings.Contains(re.SDKMessage, "[TMPRL1100]") || re.Kind == replaykind.ResultMismatch
}

// newReplayer builds the replayer with the worker's interceptors, the
// innermost fault interceptor included: it fails the same child runs the
// same way, so a child the plan failed replays as it ran.
func newReplayer(w *World, regs *registrations, faults *e2faults) (rep worker.WorkflowReplayer, err error) {
	defer func() {
		if p := recover(); p != nil {
			rep, err = nil, fmt.Errorf("sim: the replay oracle could not register the scenario's workflows: %v", p)
		}
	}()
	rep, err = worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter: w.DataConverter(), Interceptors: replayInterceptors(w, faults)})
	if err != nil {
		return nil, fmt.Errorf("sim: the replay oracle could not build the SDK replayer: %w", err)
	}
	regs.applyWorkflows(replayRegistrar{rep})
	return rep, nil
}

// replayOne replays h as the run exec, whose ids workflow code may read
// (a child's id made from its parent's), turning a panic inside the SDK
// into an error.
func replayOne(rep worker.WorkflowReplayer, h *historypb.History, exec workflow.Execution) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the SDK replayer panicked: %v", p)
		}
	}()
	presize.Stack() // the replayer visits the history's payloads on this goroutine
	return rep.ReplayWorkflowHistoryWithOptions(engine2Log, h, worker.ReplayWorkflowHistoryOptions{OriginalExecution: exec})
}

// replayRegistrar registers a scenario's workflows on an SDK replayer,
// which runs no activities.
type replayRegistrar struct{ rep worker.WorkflowReplayer }

func (g replayRegistrar) RegisterWorkflowWithOptions(w any, o workflow.RegisterOptions) {
	g.rep.RegisterWorkflowWithOptions(w, o)
}

func (replayRegistrar) RegisterActivityWithOptions(any, activity.RegisterOptions) {}

// replayInterceptors are the run's interceptors as the worker had them,
// less the observer and the activity faults, which a replay never reaches.
func replayInterceptors(w *World, faults *e2faults) []interceptor.WorkerInterceptor {
	ics := append([]interceptor.WorkerInterceptor(nil), w.Interceptors()...)
	if faults != nil {
		ics = append(ics, &e2faultInterceptor{f: faults, inner: true})
	}
	return ics
}
