package conformance

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

// Observation is what one run showed that both engines can observe, with
// what legitimately differs (timestamps, ids, scaled durations) left out.
// Compare diffs two of them.
type Observation struct {
	Outcome sim.Outcome
	ErrType string
	// Result is the workflow's result as JSON; for continue-as-new, the
	// next run's input as JSON.
	Result string
	// Activities are the scheduled activities that ran at least one
	// attempt, and the local activities, ordered by workflow, type and
	// call.
	Activities []ActivityObs
	// Children maps each child workflow id to how it ended.
	Children map[string]string
	// Calls counts the calls the runner's recording interceptor saw, by
	// "Method:name" (ExecuteActivity:Type, HandleSignal:name,
	// ExecuteUpdate:name=result, ...), replays left out.
	Calls map[string]int
	// Replays counts workflow executions rebuilt by replay on a new worker
	// (the engine never replays).
	Replays int
	// Metrics are the counters of the scenario's own metrics interceptor,
	// by series, when it has one.
	Metrics map[string]int64
	// CancelOverlaps lists activities scheduled after the workflow asked
	// to cancel another and before that one's attempt ended, as
	// "Cleanup scheduled while LongWork ran".
	CancelOverlaps []string
	// TimersFired counts workflow timers that fired, in every workflow.
	TimersFired int
}

// ActivityObs is one activity: its identity within the run and its
// attempts.
type ActivityObs struct {
	Workflow, Type string
	Call           int // per workflow and type, in scheduling order
	Local          bool
	Attempts       []AttemptObs
}

// Name is how tables name the activity: "Type#call", with the workflow
// when it is not the top-level one.
func (a ActivityObs) Name(top string) string {
	n := fmt.Sprintf("%s#%d", a.Type, a.Call)
	if a.Local {
		n = "local " + n
	}
	if a.Workflow != top {
		n = a.Workflow + "/" + n
	}
	return n
}

// AttemptObs is one attempt as the server saw it end.
type AttemptObs struct {
	N int
	// Result is "ok", an error type chain, "CanceledError" or
	// "timeout:KIND".
	Result string
	// Inferred is set when a real run's result was inferred from the
	// worker's side (the history records only the last two attempts).
	Inferred bool
	// Heartbeat is the JSON of the heartbeat details the attempt was
	// handed, "" when none.
	Heartbeat string
}

type (
	recorderKey  struct{}
	casePropsKey struct{}
)

// instrument returns sc with the runner's recording interceptor added
// after the scenario's own, on either engine. It also keeps the Case's
// properties in the World, for checking a real run.
func instrument(sc *sim.Scenario) *sim.Scenario {
	c := *sc
	c.Setup = func(w *sim.World) sim.Case {
		kase := sc.Setup(w)
		r := newRecorder(w.Clock(), w.Origin())
		r.scaled, _ = w.Clock().(*realserver.ScaledClock)
		w.AddInterceptor(r)
		w.Set(recorderKey{}, r)
		w.Set(casePropsKey{}, kase.Properties)
		return kase
	}
	return &c
}

func recorderOf(w *sim.World) *recorder {
	if w == nil {
		return newRecorder(nil, time.Time{})
	}
	r, _ := w.Get(recorderKey{}).(*recorder)
	if r == nil {
		return newRecorder(nil, time.Time{})
	}
	return r
}

// observe is what both engines' observations share: outcome, result,
// activities from server-side records, the recorder's counts and the
// scenario's metrics.
func observe(r *sim.Result, recs []sim.ActivityRecord, cancels map[string]time.Duration, locals []ActivityObs, own func(string) bool) *Observation {
	rec := recorderOf(r.World)
	o := &Observation{Outcome: r.Outcome, ErrType: r.ErrType, Result: normaliseResult(r.Output), Children: map[string]string{}}
	if r.Outcome == sim.ContinuedAsNew {
		o.ErrType = ""
		o.Result = nextRunInput(r)
	}
	o.Calls = rec.Calls(own)
	for k, v := range o.Calls {
		if strings.HasPrefix(k, "ReplayWorkflow:") {
			o.Replays += v
			delete(o.Calls, k)
		}
	}
	o.Metrics = metricsOf(r.World)
	var seen []workerAttempt
	for _, at := range rec.Attempts() {
		if own == nil || own(at.RunID) {
			seen = append(seen, at)
		}
	}
	o.Activities = append(activitiesObs(recs, seen), locals...)
	slices.SortStableFunc(o.Activities, func(a, b ActivityObs) int {
		return cmp.Or(cmp.Compare(a.Workflow, b.Workflow), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Call, b.Call))
	})
	o.CancelOverlaps = cancelOverlaps(recs, cancels)
	return o
}

// activitiesObs turns server-side records into observations, numbering
// calls per workflow and type in scheduling order and joining the
// heartbeat details each attempt was handed, as the recorder saw them.
func activitiesObs(recs []sim.ActivityRecord, seen []workerAttempt) []ActivityObs {
	hb := heartbeatsByCall(seen)
	sorted := slices.Clone(recs)
	slices.SortStableFunc(sorted, func(a, b sim.ActivityRecord) int {
		return cmp.Or(cmp.Compare(a.Scheduled, b.Scheduled), cmp.Compare(len(a.Key), len(b.Key)), cmp.Compare(a.Key, b.Key))
	})
	calls := map[string]int{}
	var out []ActivityObs
	for _, a := range sorted {
		if len(a.Attempts) == 0 {
			continue
		}
		calls[a.Workflow+"/"+a.Type]++
		obs := ActivityObs{Workflow: a.Workflow, Type: a.Type, Call: calls[a.Workflow+"/"+a.Type]}
		for _, at := range a.Attempts {
			key := fmt.Sprintf("%s/%s/%d/%d", a.Workflow, a.Type, obs.Call, at.N)
			res, inferred := strings.CutSuffix(at.Result, "~")
			obs.Attempts = append(obs.Attempts, AttemptObs{N: at.N, Result: res, Inferred: inferred, Heartbeat: hb[key]})
		}
		out = append(out, obs)
	}
	return out
}

// heartbeatsByCall maps "workflow/type/call/attempt" to the heartbeat
// details the attempt was handed; calls are ranked by activity id, which
// the SDK assigns in scheduling order.
func heartbeatsByCall(seen []workerAttempt) map[string]string {
	ids := map[string][]string{} // workflow/run/type -> activity ids
	for _, at := range seen {
		k := at.Workflow + "/" + at.RunID + "/" + at.Type
		if !at.Local && !slices.Contains(ids[k], at.ActivityID) {
			ids[k] = append(ids[k], at.ActivityID)
		}
	}
	for _, v := range ids {
		slices.SortFunc(v, compareIDs)
	}
	out := map[string]string{}
	for _, at := range seen {
		if at.Local {
			continue
		}
		call := slices.Index(ids[at.Workflow+"/"+at.RunID+"/"+at.Type], at.ActivityID) + 1
		out[fmt.Sprintf("%s/%s/%d/%d", at.Workflow, at.Type, call, at.N)] = at.Heartbeat
	}
	return out
}

// cancelOverlaps lists activities scheduled in a workflow after it asked
// to cancel one of its activities (at cancels[key]) and before that one's
// last attempt ended: with WaitForCancellation, a server holds the
// workflow until the cancelled activity has ended.
func cancelOverlaps(recs []sim.ActivityRecord, cancels map[string]time.Duration) []string {
	var out []string
	for _, x := range recs {
		at, ok := cancels[x.Key]
		if !ok || len(x.Attempts) == 0 {
			continue
		}
		end := x.Attempts[len(x.Attempts)-1].End
		for _, y := range recs {
			if y.Workflow == x.Workflow && y.Key != x.Key && y.Scheduled >= at && y.Scheduled < end {
				out = append(out, fmt.Sprintf("%s scheduled while %s ran", y.Type, x.Type))
			}
		}
	}
	slices.Sort(out)
	return out
}

// resultIDs are ids in workflow results that legitimately differ between
// the engine and a real run, with what stands in for them.
var resultIDs = []struct {
	re          *regexp.Regexp
	repl, where string
}{
	{regexp.MustCompile(`ch_[0-9a-f]{16}`), "ch_<id>", "fakes.PaymentService charge ids hash the charge's virtual time, which a real run's latencies shift"},
}

// normaliseResult replaces ids that hash timestamps, and reads a missing
// result ("" on the engine, "null" from a real run's empty payload) as
// none.
func normaliseResult(s string) string {
	if s == "null" {
		return ""
	}
	for _, id := range resultIDs {
		s = id.re.ReplaceAllString(s, id.repl)
	}
	return s
}

// nextRunInput decodes the input a run that continued as new handed its
// next run, as JSON.
func nextRunInput(r *sim.Result) string {
	var can *workflow.ContinueAsNewError
	if !errors.As(r.Err, &can) {
		return ""
	}
	dc := converter.GetDefaultDataConverter()
	if r.World != nil {
		dc = r.World.DataConverter()
	}
	var args []string
	for _, p := range can.Input.GetPayloads() {
		var v any
		if err := dc.FromPayload(p, &v); err != nil {
			return "undecodable: " + err.Error()
		}
		b, _ := json.Marshal(v)
		args = append(args, string(b))
	}
	return can.WorkflowType.Name + "(" + strings.Join(args, ", ") + ")"
}

// metricsOf reads the counters of the scenario interceptors that keep a
// fakes.MetricsSink in a field named Sink.
func metricsOf(w *sim.World) map[string]int64 {
	if w == nil {
		return nil
	}
	out := map[string]int64{}
	for _, i := range w.Interceptors() {
		sink := sinkOf(i)
		if sink == nil {
			continue
		}
		for _, s := range sink.Snapshot() {
			if s.Kind == fakes.KindCounter {
				out[s.Name+s.Labels] = int64(s.Value)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// sinkOf finds a *fakes.MetricsSink in an interceptor's exported field
// named Sink, as the catalogue's metrics interceptor keeps it.
func sinkOf(i any) *fakes.MetricsSink {
	v := reflect.ValueOf(i)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName("Sink")
	if !f.IsValid() || !f.CanInterface() {
		return nil
	}
	s, _ := f.Interface().(*fakes.MetricsSink)
	return s
}

// keys is m's keys, sorted.
func keys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
