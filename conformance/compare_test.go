package conformance

import (
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

func obs(acts ...ActivityObs) *Observation {
	return &Observation{Outcome: sim.Completed, Result: `"ok"`, Activities: acts, Children: map[string]string{},
		Calls: map[string]int{"ExecuteWorkflow:W": 1}}
}

func act(typ string, call int, results ...string) ActivityObs {
	a := ActivityObs{Workflow: "w", Type: typ, Call: call}
	for i, r := range results {
		at := AttemptObs{N: i + 1, Result: strings.TrimSuffix(r, "~"), Inferred: strings.HasSuffix(r, "~")}
		a.Attempts = append(a.Attempts, at)
	}
	return a
}

func TestCompare(t *testing.T) {
	tests := []struct {
		name           string
		engine, server *Observation
		want           []string // the differences' fields
	}{
		{"same", obs(act("A", 1, "ok")), obs(act("A", 1, "ok")), nil},
		{"outcome", &Observation{Outcome: sim.Failed, ErrType: "ActivityError>X"}, &Observation{Outcome: sim.Completed}, []string{"outcome"}},
		{"attempt count", obs(act("A", 1, "X", "ok")), obs(act("A", 1, "ok")), []string{"activity A#1 attempts"}},
		{"missing call", obs(act("A", 1, "ok"), act("A", 2, "ok")), obs(act("A", 1, "ok")), []string{"activity A#2"}},
		{"attempt result", obs(act("A", 1, "timeout:HEARTBEAT", "ok")), obs(act("A", 1, "ApplicationError", "ok")), []string{"activity A#1 attempt 1 result"}},
		{"an inferred timeout matches any timeout", obs(act("A", 1, "timeout:HEARTBEAT", "ok")), obs(act("A", 1, "timeout:START_TO_CLOSE~", "ok")), nil},
		{"a named timeout must match", obs(act("A", 1, "timeout:HEARTBEAT", "ok")), obs(act("A", 1, "timeout:START_TO_CLOSE", "ok")), []string{"activity A#1 attempt 1 result"}},
		{"an inferred timeout does not match an error", obs(act("A", 1, "X", "ok")), obs(act("A", 1, "timeout:HEARTBEAT~", "ok")), []string{"activity A#1 attempt 1 result"}},
		{"children", &Observation{Children: map[string]string{"c": "ok"}}, &Observation{Children: map[string]string{"c": "TerminatedError"}}, []string{"children"}},
		{"calls", &Observation{Calls: map[string]int{"HandleSignal:s": 1}}, &Observation{}, []string{"calls HandleSignal:s"}},
		{"metrics", &Observation{Metrics: map[string]int64{"m": 2}}, &Observation{Metrics: map[string]int64{"m": 3}}, []string{"metrics m"}},
		{"replays are not compared", &Observation{}, &Observation{Replays: 2}, nil},
	}
	for _, tt := range tests {
		var got []string
		for _, d := range Compare(tt.engine, tt.server, "w") {
			got = append(got, d.Field)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: differences %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestHeartbeatDifference(t *testing.T) {
	e, s := obs(act("A", 1, "X", "ok")), obs(act("A", 1, "X", "ok"))
	e.Activities[0].Attempts[1].Heartbeat, s.Activities[0].Attempts[1].Heartbeat = "3", "2"
	d := Compare(e, s, "w")
	if len(d) != 1 || d[0].Field != "activity A#1 attempt 2 heartbeat" || d[0].Engine != "3" || d[0].Server != "2" {
		t.Errorf("got %v", d)
	}
}

func TestNormaliseResult(t *testing.T) {
	for in, want := range map[string]string{
		`null`:                  ``,
		`"ch_0123456789abcdef"`: `"ch_<id>"`,
		`["item-0"]`:            `["item-0"]`,
	} {
		if got := normaliseResult(in); got != want {
			t.Errorf("normaliseResult(%s) = %s, want %s", in, got, want)
		}
	}
}
