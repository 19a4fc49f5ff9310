package harness_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// keyed numbers activity records in scheduling order, as the engine keys
// them.
func keyed(r *sim.Result) *sim.Result {
	for i := range r.Activities {
		r.Activities[i].Key = fmt.Sprintf("wf/a%04d", i+1)
	}
	return r
}

func ev(t int64, kind, name, id, result, detail string) sim.Event {
	return sim.Event{T: t, Kind: kind, Name: name, ID: id, Result: result, Detail: detail}
}

// updateRun is a refused update f2 between two answers of query "cart",
// with an activity ending between them when busy.
func updateRun(kind, before, after string, busy bool) *sim.Result {
	r := run(sim.Completed, 10*s)
	es := []sim.Event{ev(1000, "query", "cart", "", "ok", before), ev(2000, "fault", "update", "", "", "addItem"),
		ev(2000, "wf.update", "addItem", "f2", "", ""), ev(2000, kind, "addItem", "f2", "ValidationError", "")}
	es[1].Fault = 2
	if busy {
		es = append(es, ev(2500, "act.end", "Charge", "wf/a0001", "ok", ""))
	}
	r.Events = append(append(es, ev(3000, "query", "cart", "", "ok", after)), r.Events...)
	return r
}

// hbRun is activity Upload retried once after heartbeating 3; the retry's
// tracking events are es.
func hbRun(result string, es ...sim.Event) *sim.Result {
	r := keyed(run(sim.Completed, 20*s, act("Upload", 0, att(1, 0, 5*s, "timeout:Heartbeat", true), att(2, 6*s, 9*s, result, true))))
	r.Events = append([]sim.Event{{T: 1000, Kind: "act.heartbeat", Name: "Upload", ID: "wf/a0001", Attempt: 1}}, r.Events...)
	for _, e := range es {
		e.ID, e.Attempt, e.Name = "wf/a0001", 2, "Upload"
		r.Events = append(r.Events, e)
	}
	return r
}

// TestPatternProperties shows each pattern property holding on a run that
// keeps it and failing, with its message, on one that breaks it.
func TestPatternProperties(t *testing.T) {
	reserveThenCharge := keyed(run(sim.Completed, 9*s, act("Reserve", 0, att(1, 0, s, "E", true), att(2, 2*s, 3*s, "ok", false)), act("Charge", 0, att(1, 4*s, 5*s, "ok", false))))
	chargeFirst := keyed(run(sim.Completed, 9*s, act("Charge", 0, att(1, 0, s, "ok", false)), act("Reserve", 0, att(1, 2*s, 3*s, "ok", false))))
	saga := map[string]string{"Reserve": "Release", "Charge": "Refund"}
	tests := []struct {
		name    string
		prop    sim.Property
		r       *sim.Result
		wantErr string
	}{
		{"ran", harness.Ran("Charge"), reserveThenCharge, ""},
		{"never scheduled", harness.Ran("Ship"), reserveThenCharge, "Ship never ran: the workflow did not schedule it"},
		{"never succeeded", harness.Ran("Charge"), keyed(run(sim.Failed, s, act("Charge", 1, att(1, 0, s, "E", true)))), "Charge never completed: 1 attempt, none ok"},
		{"never ran", harness.NeverRan("Refund"), reserveThenCharge, ""},
		{"ran after all", harness.NeverRan("Charge"), reserveThenCharge, "Charge ran: wf/a0002 attempt 1 started at 4s"},

		{"success before start", harness.Before(harness.Succeeded("Reserve"), harness.Started("Charge")), reserveThenCharge, ""},
		{"start before success", harness.Before(harness.Succeeded("Reserve"), harness.Started("Charge")), chargeFirst, "first start of Charge at 0s, before first success of Reserve at 3s"},
		{"every attempt before", harness.Before(harness.EveryAttempt("Reserve"), harness.Started("Charge")), reserveThenCharge, ""},
		{"b never happened", harness.Before(harness.Succeeded("Ship"), harness.Started("Refund")), reserveThenCharge, ""},
		{"a never happened", harness.Before(harness.Succeeded("Ship"), harness.Succeeded("Charge")), reserveThenCharge, "first success of Charge at 5s, but first success of Ship never happened"},

		{"reverse", harness.CompensationsInReverse(saga), keyed(run(sim.Failed, 9*s, act("Reserve", 0, att(1, 0, s, "ok", false)), act("Charge", 0, att(1, s, 2*s, "ok", false)),
			act("Ship", 1, att(1, 2*s, 3*s, "E", false)), act("Refund", 0, att(1, 3*s, 4*s, "ok", false)), act("Release", 0, att(1, 4*s, 5*s, "ok", false)))), ""},
		{"same order", harness.CompensationsInReverse(saga), keyed(run(sim.Failed, 9*s, act("Reserve", 0, att(1, 0, s, "ok", false)), act("Charge", 0, att(1, s, 2*s, "ok", false)),
			act("Release", 0, att(1, 3*s, 4*s, "ok", false)), act("Refund", 0, att(1, 4*s, 5*s, "ok", false)))), "compensations ran Release, Refund; the actions ran Reserve, Charge, so they should have run Refund, Release"},

		{"keys once", harness.AtMostOncePerKey("charge", func() []string { return []string{"o1", "o2"} }), run(sim.Completed, s), ""},
		{"key twice", harness.AtMostOncePerKey("charge", func() []string { return []string{"o1", "o2", "o1"} }), run(sim.Completed, s), `charge happened more than once for key "o1"`},

		{"ended in time", harness.EndedWithin(time.Minute), faulted(run(sim.Completed, 90*s), 40*s), ""},
		{"ended late", harness.EndedWithin(time.Minute), faulted(run(sim.Completed, 3*time.Minute), 40*s), "ended at 3m0s, 2m20s after the last fault's effect at 40s; the bound is 1m0s"},
		{"never ended", harness.EndedWithin(time.Minute), run(sim.Stuck, -1), "never ended"},

		{"rejected, unchanged", harness.RejectedUpdateLeavesState("addItem", "cart"), updateRun("update.rejected", `[]`, `[]`, false), ""},
		{"rejected, changed", harness.RejectedUpdateLeavesState("addItem", "cart"), updateRun("update.rejected", `[]`, `["x"]`, false), `query cart went from [] to ["x"]`},
		{"failed in handler, changed", harness.RejectedUpdateLeavesState("addItem", "cart"), updateRun("update.completed", `[]`, `["x"]`, false), "was refused at 2s (ValidationError)"},
		{"something else between", harness.RejectedUpdateLeavesState("addItem", "cart"), updateRun("update.rejected", `[]`, `["x"]`, true), ""},

		{"read then resumed", harness.RetryResumedFromHeartbeat("Upload"), hbRun("ok", ev(6000, "hb.offered", "", "", "", ""), ev(6000, "hb.read", "", "", "", "[3]"), ev(7000, "hb.sent", "", "", "", "[4]")), ""},
		{"never read", harness.RetryResumedFromHeartbeat("Upload"), hbRun("ok", ev(6000, "hb.offered", "", "", "", ""), ev(7000, "hb.sent", "", "", "", "[1]")), "attempt 2 (wf/a0001) was handed heartbeat details but heartbeated [1] without reading them"},
		{"read, went back", harness.RetryResumedFromHeartbeat("Upload"), hbRun("ok", ev(6000, "hb.offered", "", "", "", ""), ev(6000, "hb.read", "", "", "", "[3]"), ev(7000, "hb.sent", "", "", "", "[0]")), "read heartbeat details [3] but then heartbeated [0]"},
		{"completed unread", harness.RetryResumedFromHeartbeat("Upload"), hbRun("ok", ev(6000, "hb.offered", "", "", "", "")), "completed without reading them"},
		{"failed before its code ran", harness.RetryResumedFromHeartbeat("Upload"), hbRun("ApplicationError:InjectedFault", ev(6000, "hb.offered", "", "", "", "")), ""},
		{"not tracked", harness.RetryResumedFromHeartbeat("Upload"), hbRun("ok"), "call harness.TrackHeartbeats(w) in Setup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.prop.Check(tt.r)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("%s: %v; want it to hold", tt.prop.Name, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("%s: %v; want an error containing %q", tt.prop.Name, err, tt.wantErr)
			}
		})
	}
}

// faulted adds an event fault 1 caused at the given time.
func faulted(r *sim.Result, at time.Duration) *sim.Result {
	r.Events = append([]sim.Event{{T: at.Milliseconds(), Kind: "act.start", Fault: 1}}, r.Events...)
	return r
}
