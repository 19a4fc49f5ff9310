package harness_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// uploadScenario stops Upload's heartbeats part way, so the server times
// the attempt out; the retry must carry on from the last chunk heartbeated.
func uploadScenario(bug bool) *sim.Scenario {
	return &sim.Scenario{
		Name:    "upload",
		Profile: sim.Profile{Kinds: []sim.Kind{sim.HeartbeatLoss}, Activities: []string{"Upload"}, Window: 10 * time.Second},
		Setup: func(w *sim.World) sim.Case {
			harness.TrackHeartbeats(w)
			w.RegisterWorkflow(UploadWorkflow)
			w.RegisterActivity(&orderActs{clk: w.Clock(), skipResume: bug})
			return sim.Case{Workflow: UploadWorkflow}
		},
		Properties: []sim.Property{
			harness.RetryResumedFromHeartbeat("Upload"),
			harness.Ran("Upload"),
		},
	}
}

// In a test: harness.Check(t, uploadScenario(false)).
func Example_heartbeatResumedRetry() {
	runAsTest(func(t *testing.T) {
		f, err := harness.Find(t, uploadScenario(false), harness.Checks(50), harness.PlanDir(""), harness.SearchSeed(1))
		fmt.Println("failure:", f, "error:", err)
	})
	// Output: failure: <nil> error: <nil>
}
