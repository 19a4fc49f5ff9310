package scenarios

import "github.com/temporalsim/temporalsim/sim"

// PayoutUnderCrashes is payout/bug-refuses-redebit without its bug: the
// correct payout under the same faults and properties.
func PayoutUnderCrashes() *sim.Scenario {
	return payoutUnderCrashes("payout-under-crashes", "", "", false)
}
