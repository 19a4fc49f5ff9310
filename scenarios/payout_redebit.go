package scenarios

import (
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// The payout under worker crashes, with harness.NoActivityFailed: a
// crashed worker's attempts time out and are retried, and the debit's
// idempotency key makes the retry of a debit that went through replay it,
// so no attempt ends in an error other than a timeout. Its planted bug,
// bug-refuses-redebit, guards against double debits by refusing a debit
// the provider has applied before (non-retryably), instead of letting the
// key replay it: the retry of a debit whose worker crashed after the
// provider applied it, and before the attempt ended, fails the payout.
// It takes one crash inside the debit's two seconds of recording; the
// fault-free run passes on every seed, and no other property notices:
// the payout may fail, and its debit never succeeded, so no refund is due.

// payoutCrashProperty is what the crash variant checks besides the
// payout's own properties.
func payoutCrashProperty() sim.Property { return harness.NoActivityFailed("timeout") }

// payoutUnderCrashes is the payout scenario with worker crashes as its
// only fault and payoutCrashProperty among its properties; refuseRedebit
// plants the bug.
func payoutUnderCrashes(name, bug, breaks string, refuseRedebit bool) *sim.Scenario {
	sc := payoutWith(name, bug, breaks, false, PayoutActivities{RefuseRedebit: refuseRedebit})
	sc.Description = "a payout whose worker may crash: every attempt ends ok or in a timeout"
	sc.Profile.Kinds = []sim.Kind{sim.WorkerCrash}
	setup := sc.Setup
	sc.Setup = func(w *sim.World) sim.Case {
		c := setup(w)
		c.Properties = append(c.Properties, payoutCrashProperty())
		return c
	}
	return sc
}

func init() {
	register(payoutUnderCrashes("payout/bug-refuses-redebit",
		"Debit refuses a debit the provider already applied, so the retry of a debit whose worker crashed before acknowledging it fails",
		"no-activity-failed", true))
}
