package harness_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

func TestShrink(t *testing.T) {
	tests := []struct {
		name string
		sc   *sim.Scenario
		plan string
		want string
	}{{
		name: "one fault left, simplified",
		sc:   shopScenario("shop", harness.Outcomes(sim.Completed)),
		plan: `f1 latency target=Reserve call=2 dur=20s
f2 worker-shutdown at=40s dur=5s
f3 activity-error at=5s target=Charge call=1 attempt=1 value=declined nonretryable
f4 latency target=Charge dur=3s`,
		want: "f1 activity-error target=Charge\n",
	}, {
		name: "two faults needed, attempt kept at 1",
		sc:   shopScenario("shop", bothFailed()),
		plan: `f4 latency target=Reserve call=2 dur=20s
f7 activity-error at=30s target=Reserve call=3 attempt=1 value=oops
f9 worker-shutdown at=4m dur=5s
f12 activity-error target=Charge attempt=1 nonretryable`,
		want: "f1 activity-error target=Reserve attempt=1\nf2 activity-error target=Charge\n",
	}, {
		name: "durations searched toward 0",
		sc:   shopScenario("shop", harness.Terminates(0, time.Minute)),
		plan: `f1 latency at=20s target=Charge dur=2m
f2 latency target=Reserve call=1 attempt=1 dur=1s`,
		want: "f1 latency target=Charge dur=25.001s\n",
	}, {
		name: "no fault needed",
		sc:   shopScenario("shop", harness.Outcomes(sim.Failed)),
		plan: `f1 latency target=Reserve dur=20s
f2 latency target=Charge dur=3s`,
		want: "",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := mustParsePlan(tt.plan)
			got, res, err := harness.Shrink(t, tt.sc, 7, plan)
			if err != nil {
				t.Fatal(err)
			}
			if text := strings.TrimPrefix(got.String(), sim.PlanHeader+"\n"); text != tt.want {
				t.Errorf("shrunk plan:\n%s\nwant:\n%s", text, tt.want)
			}
			if !res.Failed() {
				t.Errorf("the result of the shrunk plan has no violations")
			}
			if res.Plan.String() != got.String() {
				t.Errorf("the result is of plan\n%s\nnot of the shrunk plan\n%s", res.Plan, got)
			}
			// Shrinking is deterministic and the result reproduces.
			again, res2, err := harness.Shrink(t, tt.sc, 7, plan)
			if err != nil || again.String() != got.String() || res2.TraceSHA256() != res.TraceSHA256() {
				t.Errorf("second shrink gave %v (err %v), trace %s; first gave %v, trace %s", again, err, res2.TraceSHA256(), got, res.TraceSHA256())
			}
			replay, err := sim.Run(t, tt.sc, 7, got, nil)
			if err != nil || replay.TraceSHA256() != res.TraceSHA256() {
				t.Errorf("rerunning the shrunk plan gave trace %s (err %v), want %s", replay.TraceSHA256(), err, res.TraceSHA256())
			}
		})
	}
}

func TestShrinkBadInput(t *testing.T) {
	sc := shopScenario("shop", harness.Outcomes(sim.Completed))
	t.Run("plan passes", func(t *testing.T) {
		_, res, err := harness.Shrink(t, sc, 1, mustParsePlan("f1 latency target=Charge dur=1s"))
		if !errors.Is(err, harness.ErrPassed) || res == nil {
			t.Fatalf("Shrink of a passing plan: err %v, result %v; want ErrPassed and the result", err, res)
		}
	})
	t.Run("plan does not fit", func(t *testing.T) {
		_, _, err := harness.Shrink(t, sc, 1, mustParsePlan("f1 latency target=Ship dur=1s"))
		if err == nil || !strings.Contains(err.Error(), `unknown target "Ship"`) {
			t.Fatalf("Shrink of a plan with an unknown target: err %v", err)
		}
	})
}
