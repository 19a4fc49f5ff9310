package replaycorpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"

	"github.com/temporalsim/temporalsim/internal/replaykind"
)

// Value is the result a replayed workflow returned. Get decodes it into
// valuePtr with the replay's data converter, as WorkflowRun.Get does.
type Value interface {
	Get(valuePtr any) error
}

// resultKeeper is the method of the SDK's replayer (go.temporal.io/sdk
// v1.50.0, internal.WorkflowReplayer) that returns a replayed workflow's
// result. worker.WorkflowReplayer does not list it, so the replayer is
// asserted to have it; TestSDKReplayerKeepsResults fails if an SDK
// upgrade drops it.
type resultKeeper interface {
	GetWorkflowResult(workflowID string, valuePtr any) error
}

// replayedValue reads the result the SDK replayer kept for the last
// replay: it keeps it under the workflow id "ReplayId", which "" selects.
type replayedValue struct{ rep worker.WorkflowReplayer }

func (v replayedValue) Get(valuePtr any) error {
	k, ok := v.rep.(resultKeeper)
	if !ok {
		return fmt.Errorf("the SDK's replayer (%T) does not return workflow results: replaycorpus needs go.temporal.io/sdk v1.50.0's GetWorkflowResult", v.rep)
	}
	return k.GetWorkflowResult("", valuePtr)
}

// checkResult applies the manifest's expected result and
// Options.CheckResult to a clean replay. The SDK keeps the replayed
// result only when the history ends in WorkflowExecutionCompleted.
func (r *Replayer) checkResult(rep worker.WorkflowReplayer, h *historypb.History, job replayJob) *ReplayError {
	if r.opts.CheckResult == nil && len(job.result) == 0 {
		return nil
	}
	events := h.GetEvents()
	last := events[len(events)-1]
	completed := last.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
	fail := func(err error) *ReplayError {
		msg := fmt.Sprintf("event %d %s: %s", last.GetEventId(), last.GetEventType(), err)
		return &ReplayError{Kind: ResultMismatch, EventID: last.GetEventId(), WorkflowType: WorkflowType(h), Message: clip(msg, maxMessage), Err: err}
	}
	if !completed {
		if len(job.result) > 0 {
			return fail(errors.New("the manifest gives a result, but the history does not end with WorkflowExecutionCompleted"))
		}
		return nil
	}
	v := replayedValue{rep}
	if len(job.result) > 0 {
		if err := matchJSON(job.result, v); err != nil {
			return fail(err)
		}
	}
	if r.opts.CheckResult != nil {
		if err := r.opts.CheckResult(job.file, v); err != nil {
			return fail(err)
		}
	}
	return nil
}

// matchJSON compares the replayed result, decoded as JSON values are,
// with want.
func matchJSON(want json.RawMessage, v Value) error {
	var w, got any
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.UseNumber()
	if err := dec.Decode(&w); err != nil {
		return fmt.Errorf("the manifest's result is not JSON: %w", err)
	}
	var raw any
	if err := v.Get(&raw); err != nil {
		return fmt.Errorf("cannot decode the replayed result: %w", err)
	}
	// Re-encode so both sides hold json.Number, whatever the converter did.
	data, err := json.Marshal(raw)
	if err != nil {
		return fmt.Errorf("cannot encode the replayed result as JSON: %w", err)
	}
	dec = json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		return fmt.Errorf("cannot read the replayed result as JSON: %w", err)
	}
	if d := Diff(w, got); d != "" {
		return fmt.Errorf("result differs from the manifest's: %s", d)
	}
	return nil
}

// Diff describes how got differs from want in one short line, at most
// three differences as "PATH: want W, got G", found with go-cmp; "" when
// they are equal. Values are shown as JSON, cut to 40 characters.
func Diff(want, got any) string { return diffLabelled(want, got, "want", "got") }

func diffLabelled(want, got any, wantLabel, gotLabel string) string {
	return replaykind.DiffLabelled(want, got, wantLabel, gotLabel)
}

const maxMessage = replaykind.MaxMessage

func clip(s string, n int) string { return replaykind.Clip(s, n) }
