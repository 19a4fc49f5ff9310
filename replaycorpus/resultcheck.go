package replaycorpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/worker"
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

// diffLabelled is Diff with other names for the two sides.
func diffLabelled(want, got any, wantLabel, gotLabel string) string {
	rep := diffReporter{labels: [2]string{wantLabel, gotLabel}}
	if cmp.Equal(want, got, cmp.Reporter(&rep)) {
		return ""
	}
	if len(rep.diffs) > 3 {
		rep.diffs = append(rep.diffs[:3], fmt.Sprintf("and %d more", len(rep.diffs)-3))
	}
	return strings.Join(rep.diffs, "; ")
}

// diffReporter is a cmp.Reporter that keeps each unequal leaf as one
// short phrase.
type diffReporter struct {
	labels [2]string
	path   cmp.Path
	diffs  []string
}

func (r *diffReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }

func (r *diffReporter) PopStep() { r.path = r.path[:len(r.path)-1] }

func (r *diffReporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	vx, vy := r.path.Last().Values()
	where := pathString(r.path)
	r.diffs = append(r.diffs, fmt.Sprintf("%s: %s %s, %s %s", where, r.labels[0], showValue(vx), r.labels[1], showValue(vy)))
}

// pathString writes a path as map keys, slice indexes and field names:
// total, items[2].sku. cmp.Path's own String keeps only struct fields.
func pathString(p cmp.Path) string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case cmp.MapIndex:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, s.Key().Interface())
		case cmp.SliceIndex:
			k := s.Key()
			if k < 0 {
				kx, ky := s.SplitKeys()
				k = max(kx, ky)
			}
			fmt.Fprintf(&b, "[%d]", k)
		case cmp.StructField:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.Name())
		}
	}
	if b.Len() == 0 {
		return "value"
	}
	return b.String()
}

// showValue writes a value as JSON, cut short; a missing one (a map key
// or slice element only one side has) is "nothing".
func showValue(v reflect.Value) string {
	if !v.IsValid() || !v.CanInterface() {
		return "nothing"
	}
	data, err := json.Marshal(v.Interface())
	if err != nil {
		return clip(fmt.Sprint(v.Interface()), 40)
	}
	return clip(string(data), 40)
}

// maxMessage is the length ReplayError.Message stays under.
const maxMessage = 299

// clip cuts s to at most n bytes (on a rune boundary), ending it with
// "..." when cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
