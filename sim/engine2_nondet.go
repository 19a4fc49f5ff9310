package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/temporalsim/temporalsim/internal/replaykind"
	"github.com/temporalsim/temporalsim/sim/server"
)

// In-run nondeterminism on engine 2 (see docs/architecture.md, "The replay
// oracle"). A worker that replays a history during the run (a fresh worker
// after a crash, the new code after a deploy) and finds the workflow code
// deciding differently fails the workflow task with the SDK's
// nondeterminism cause and "[TMPRL1100]". A Temporal server retries such a
// task for ever and the workflow never moves again; engine 2 stops at the
// first one instead: the server holds the run (no next attempt, so no task
// loop whose outcome would depend on Go's random map order), the driver
// terminates the scenario workflow at once, and the run ends Stuck, with
// the failure in Result.TaskNondeterminism for harness.Nondeterminism.
//
// A workflow task that fails for another reason (a panic in workflow code,
// under the SDK's default BlockWorkflow panic policy) is retried as a
// server retries it, as before: the run goes on, and ends stuck at its
// budget unless a later attempt succeeds.

// taskFailed is the server's OnWorkflowTaskFailed hook; it runs on the
// server's loop, in the loop's deterministic order.
func (r *engine2Run) taskFailed(f server.WorkflowTaskFailure) (hold bool) {
	msg := f.Failure.GetMessage()
	if f.Cause != enumspb.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR && !strings.Contains(msg, "[TMPRL1100]") {
		return false
	}
	r.mu.Lock()
	first := r.nondet == nil
	if first {
		re := replaykind.Classify(errors.New(msg), &historypb.History{Events: f.History})
		r.nondet = &ReplayFailure{WorkflowID: f.WorkflowID, RunID: f.RunID, WorkflowType: f.WorkflowType,
			Kind: string(re.Kind), EventID: re.EventID, Nondeterminism: true,
			Message: fmt.Sprintf("worker %s failed a workflow task replaying the history: %s", f.Identity, re.Error()), Err: re}
		r.nondetAt = time.Now()
	}
	r.mu.Unlock()
	if first {
		go r.halt()
	}
	return true
}

// haltReason is the reason the driver gives the server when it ends a run
// held for nondeterminism.
const haltReason = "temporalsim: a workflow task failed for nondeterminism; a server would retry it for ever"

// halt terminates the scenario workflow's current run; the failing run, a
// child, closes with it under the default parent close policy.
func (r *engine2Run) halt() {
	// The run may have closed already: the error is no news.
	_ = r.c.TerminateWorkflow(context.Background(), r.wfID, "", haltReason)
}

// halted is the in-run nondeterminism failure that ended the run, nil if
// none did.
func (r *engine2Run) halted() *ReplayFailure {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.nondet
}

// TaskNondeterminism returns the workflow task failure for nondeterminism
// that ended an engine-2 run: the worker replayed a history during the
// run (after a worker crash or a deploy) and the workflow code did not
// decide as it had. ok is false when no task failed so, and always on
// engine 1, which never replays.
func (r *Result) TaskNondeterminism() (f ReplayFailure, ok bool) {
	if r.oracle == nil || r.oracle.inRun == nil {
		return ReplayFailure{}, false
	}
	return *r.oracle.inRun, true
}
