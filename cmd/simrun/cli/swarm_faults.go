package cli

import (
	"fmt"
	"slices"
)

// faultTally counts planned faults and those that took effect.
type faultTally struct {
	Planned int     `json:"faults_planned"`
	Fired   int     `json:"faults_fired"`
	Ratio   float64 `json:"faults_fired_ratio"`
}

func (ft *faultTally) add(r seedResult) {
	ft.Planned += len(r.plan.Faults)
	for _, f := range r.plan.Faults {
		if slices.Contains(r.fired, f.ID) {
			ft.Fired++
		}
	}
	ft.Ratio = 1
	if ft.Planned > 0 {
		ft.Ratio = float64(ft.Fired) / float64(ft.Planned)
	}
}

// tallies counts faults over the whole swarm and per scenario.
func (rep *swarmReport) tallies() (faultTally, map[string]*faultTally) {
	var all faultTally
	all.Ratio = 1
	per := map[string]*faultTally{}
	for _, r := range rep.results {
		all.add(r)
		if per[r.scenario] == nil {
			per[r.scenario] = &faultTally{}
		}
		per[r.scenario].add(r)
	}
	return all, per
}

// String is the summary line's form, for example "170 of 200 planned
// faults fired (85%)".
func (ft faultTally) String() string {
	return fmt.Sprintf("%d of %d planned faults fired (%.0f%%)", ft.Fired, ft.Planned, 100*ft.Ratio)
}

// lowFiring names the scenarios where fewer than half the planned faults
// fired, for the one-line warning under the summary.
func lowFiring(per map[string]*faultTally) []string {
	var low []string
	for name, ft := range per {
		if ft.Planned > 0 && 2*ft.Fired < ft.Planned {
			low = append(low, name)
		}
	}
	slices.Sort(low)
	return low
}
