package sim_test

import (
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
	"github.com/temporalsim/temporalsim/sim/server"
)

// TestFastCallsChangeNoRun guards the server's shortcut past the SDK's
// gRPC interceptors on calls that succeed (sim/server/dial.go): every
// scenario of the catalogue, bugs included, seeds 1 to 4 of its swarm
// plans and a crash aimed at its busiest moment where it takes crashes,
// must give the same outcome, violations, trace and histories, byte for
// byte, with every call sent through the SDK's chain as without. Some
// calls must have failed, so that the chain's share of the work (errors,
// retries) was exercised. The one scenario whose runs follow Go's map
// order, which no two runs share, is left out.
func TestFastCallsChangeNoRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the catalogue four times over")
	}
	failed := 0
	sim.OnServerStats(func(st server.Stats) { failed += st.FailedCalls })
	defer sim.OnServerStats(nil)
	defer sim.SetFullChain(false)
	runs := 0
	for _, sc := range scenarios.All() {
		if sc.Name == "parallel-activities/bug-map-order" {
			continue // it ranges over a Go map: no two of its runs agree
		}
		for seed := sim.Seed(1); seed <= 4; seed++ {
			_, plan, err := sim.DrawSwarmPlanOn(t, sc, seed, sim.EngineServer)
			if err != nil {
				t.Fatal(err)
			}
			plans := []sim.Plan{plan}
			if seed == 1 && slices.Contains(sc.Profile.Kinds, sim.WorkerCrash) {
				plans = append(plans, crashPlan(t, sc, seed))
			}
			for _, p := range plans {
				var got [2]string
				for i, full := range []bool{true, false} {
					sim.SetFullChain(full)
					r, err := sim.RunOnServer(t, sc, seed, p, sim.Options{})
					if err != nil {
						t.Fatalf("%s seed %d: %v", sc.Name, seed, err)
					}
					h, err := r.HistorySHA256()
					if err != nil {
						t.Fatal(err)
					}
					got[i] = strings.Join([]string{string(r.Outcome), r.ErrType, r.TraceSHA256(), h, violations(r)}, " ")
					runs++
				}
				if got[0] != got[1] {
					t.Errorf("%s seed %d, plan %v: through the SDK's chain %s\nshortcut %s\n(go.temporal.io/sdk %s: do its gRPC interceptors now change a call that succeeds? sim/server/dial.go was written for v1.50.0)",
						sc.Name, seed, p.Faults, got[0], got[1], temporal.SDKVersion)
				}
			}
		}
	}
	t.Logf("%d runs, %d calls failed and went through the SDK's chain", runs, failed)
	if failed == 0 {
		t.Error("no call failed: the runs did not exercise the SDK chain's error handling")
	}
}

func violations(r *sim.Result) string {
	var out []string
	for _, v := range r.Violations {
		out = append(out, v.String())
	}
	return strings.Join(out, ",")
}
