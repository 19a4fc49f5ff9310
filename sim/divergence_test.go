package sim

import (
	"strings"
	"testing"
)

func TestExplainDifference(t *testing.T) {
	end := func(result string) *Event {
		return &Event{T: 1_800_000, Kind: "act.end", WF: "wf", Name: "Release", ID: "wf/a0002", Attempt: 35, Result: result}
	}
	tests := []struct {
		name       string
		a, b       *Event
		want       string
		wantEngine bool
	}{
		{"stopped run ends two ways", end("run-over"), end("ApplicationError"), `same act.end of wf/a0002 attempt 35, different result "run-over" vs "ApplicationError"`, true},
		{"user result differs", end("ok"), end("ApplicationError"), `different result "ok" vs "ApplicationError"`, false},
		{"different events", end("ok"), &Event{Kind: "timer.fire", Name: "3"}, "different events: act.end of wf/a0002 attempt 35 vs timer.fire 3", false},
		{"trace ended", end("ok"), nil, "run 2's trace ended where the other has act.end", false},
		{"plan differs", &Event{Kind: "plan.fault", Fault: 1, Detail: "a"}, &Event{Kind: "plan.fault", Fault: 1, Detail: "b"}, `different detail "a" vs "b"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := ExplainDifference(tt.a, tt.b)
			if !strings.Contains(d.What, tt.want) || d.Engine != tt.wantEngine {
				t.Errorf("got %+v; want What containing %q, Engine %v", d, tt.want, tt.wantEngine)
			}
		})
	}
}
