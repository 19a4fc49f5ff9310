package scenarios

import (
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// TestFailsOnlyWhenJobGivesUp: after a cancel request, a workflow failed
// by LongWork's own timeout passes (a real server does not retry a
// cancel-requested activity: the dev server ends cancellation seed 84,
// plan "f1 latency target=LongWork attempt=1 dur=1m12.696s, f2
// workflow-cancel at=7.253s", failed with ActivityError>TimeoutError:HEARTBEAT),
// and a cancellation reported as a failure of the workflow's own does not.
func TestFailsOnlyWhenJobGivesUp(t *testing.T) {
	cancelled := []sim.Event{{Kind: "act.cancel-request", Name: "LongWork"}}
	p := failsOnlyWhenJobGivesUp()
	for _, c := range []struct {
		errType string
		events  []sim.Event
		ok      bool
	}{
		{"ActivityError>TimeoutError:HEARTBEAT", cancelled, true},
		{"ActivityError>TimeoutError:SCHEDULE_TO_CLOSE", nil, true},
		{"ApplicationError:JobStopped", cancelled, false},
		{"ActivityError>CanceledError", cancelled, false},
		{"ApplicationError:JobStopped", nil, false},
	} {
		err := p.Check(&sim.Result{Outcome: sim.Failed, ErrType: c.errType, Events: c.events})
		if (err == nil) != c.ok {
			t.Errorf("%s (cancel requested: %v): %v, want ok=%v", c.errType, c.events != nil, err, c.ok)
		}
	}
}
