package scenarios_test

import (
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// TestPayoutUnderCrashesHolds runs the correct payout under the faults and
// properties of payout/bug-refuses-redebit: every property holds on the
// swarm plans, among them plans whose crash made a debit time out and
// retry, so that what breaks no-activity-failed in the bug is the bug.
func TestPayoutUnderCrashesHolds(t *testing.T) {
	sc := scenarios.PayoutUnderCrashes()
	const seeds = 200
	retried := 0
	for s := 1; s <= seeds; s++ {
		cfg, plan, err := sim.DrawSwarmPlan(t, sc, sim.Seed(s))
		if err != nil {
			t.Fatal(err)
		}
		r := runPlan(t, sc, s, plan, &sim.Options{Config: &cfg})
		if r.Failed() {
			t.Errorf("seed %d: the correct payout broke %v under\n%s", s, r.Violations, plan)
		}
		if debitRetried(r) {
			retried++
		}
	}
	t.Logf("%d of %d swarm seeds retried a debit after a crash", retried, seeds)
	if retried == 0 {
		t.Errorf("no swarm seed of 1..%d retried a debit after a crash: the runs do not show the property holding where the bug breaks it", seeds)
	}
}

// debitRetried reports whether a Debit attempt timed out and a later one
// succeeded.
func debitRetried(r *sim.Result) bool {
	for _, a := range r.Activities {
		if a.Type != "Debit" || len(a.Attempts) < 2 {
			continue
		}
		if strings.HasPrefix(a.Attempts[0].Result, "timeout") && a.Attempts[len(a.Attempts)-1].Result == "ok" {
			return true
		}
	}
	return false
}

// TestRefusesRedebitBreaksOnlyItsProperty runs payout/bug-refuses-redebit
// on the same swarm plans: some break no-activity-failed, and none breaks
// any other property.
func TestRefusesRedebitBreaksOnlyItsProperty(t *testing.T) {
	sc, err := scenarios.Lookup("payout/bug-refuses-redebit")
	if err != nil {
		t.Fatal(err)
	}
	const seeds = 200
	broke := 0
	for s := 1; s <= seeds; s++ {
		cfg, plan, err := sim.DrawSwarmPlan(t, sc, sim.Seed(s))
		if err != nil {
			t.Fatal(err)
		}
		r := runPlan(t, sc, s, plan, &sim.Options{Config: &cfg})
		for _, v := range r.Violations {
			if v.Property != sc.Breaks {
				t.Errorf("seed %d broke %s, want only %s", s, v, sc.Breaks)
			}
		}
		if r.Failed() {
			broke++
		}
	}
	t.Logf("%d of %d swarm seeds broke %s", broke, seeds, sc.Breaks)
	if broke == 0 {
		t.Errorf("no swarm seed of 1..%d broke %s", seeds, sc.Breaks)
	}
}
