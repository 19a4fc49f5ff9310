package harness_test

import (
	"errors"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// twoReservesOrACharge fails when exactly two Reserve attempts failed, or
// any Charge attempt did: a failure that needs two faults one way and one
// the other.
func twoReservesOrACharge() sim.Property {
	return harness.Property("two-reserves-or-a-charge", func(r *sim.Result) error {
		failed := map[string]int{}
		for _, a := range r.Activities {
			for _, at := range a.Attempts {
				if at.Result != "ok" {
					failed[a.Type]++
				}
			}
		}
		if failed["Reserve"] == 2 || failed["Charge"] > 0 {
			return errors.New("two Reserve attempts or a Charge attempt failed")
		}
		return nil
	})
}

// TestFewerFaults: Shrink leaves two faults, from which none can be
// dropped; the search for fewer finds the one-fault way to the same
// failure, deterministically.
func TestFewerFaults(t *testing.T) {
	sc := shopScenario("shop", twoReservesOrACharge())
	two := mustParsePlan("f1 activity-error target=Reserve call=1 attempt=1\nf2 activity-error target=Reserve call=2 attempt=1")
	plan, res, err := harness.Shrink(t, sc, 1, two)
	if err != nil || len(plan.Faults) != 2 {
		t.Fatalf("Shrink: %v (%v); want the two faults kept", plan, err)
	}
	seed, fewer, fres := harness.Fewer(t, sc, 1, plan, res)
	if len(fewer.Faults) != 1 || fewer.Faults[0].Target != "Charge" || fres.Violations[0].Property != "two-reserves-or-a-charge" {
		t.Fatalf("Fewer: seed %d plan\n%s violations %v; want one fault on Charge", seed, fewer, fres.Violations)
	}
	again, err := sim.Run(t, sc, seed, fewer, nil)
	if err != nil || again.TraceSHA256() != fres.TraceSHA256() {
		t.Errorf("rerunning the smaller plan: %v, trace %s; want trace %s", err, again.TraceSHA256(), fres.TraceSHA256())
	}
	seed2, fewer2, _ := harness.Fewer(t, sc, 1, plan, res)
	if seed2 != seed || fewer2.String() != fewer.String() {
		t.Errorf("second search found seed %d plan %s; first found seed %d plan %s", seed2, fewer2, seed, fewer)
	}
}
