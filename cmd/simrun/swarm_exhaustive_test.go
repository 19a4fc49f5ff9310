package main

import (
	"slices"
	"strings"
	"testing"
)

// exhaustiveJSON is the part of swarm -exhaustive -json these tests read.
type exhaustiveJSON struct {
	Runs             int                `json:"runs"`
	FaultsPlanned    int                `json:"faults_planned"`
	FaultsFired      int                `json:"faults_fired"`
	FaultsFiredRatio float64            `json:"faults_fired_ratio"`
	PerScenario      map[string]any     `json:"per_scenario"`
	Coverage         map[string]string  `json:"coverage"`
	FailingSeeds     []exhaustiveFailed `json:"failing_seeds"`
}

type exhaustiveFailed struct {
	Scenario  string `json:"scenario"`
	PlanIndex *int   `json:"plan_index"`
	Repro     string `json:"repro"`
}

// TestSwarmExhaustive: swarm -exhaustive runs a one-fault bug's whole
// small-scope list, finds it at fixed plan indexes with a command that
// runs that plan alone again; shards split the indexes and -start
// resumes, together running exactly the unsharded list.
func TestSwarmExhaustive(t *testing.T) {
	name := "payout/bug-keyless-debit"
	var all exhaustiveJSON
	simrun(t, "swarm", "-exhaustive", "-scenario", name, "-json").wantCode(t, 1).decode(t, &all, "coverage", "faults_fired_ratio")
	if all.Runs == 0 || all.Coverage[name] != "1-fault plans: 13 of 13 ran, 2-fault: 78 of 78" || all.Runs != 91 {
		t.Fatalf("%d runs, coverage %q; want the whole list of 13 singles and 78 pairs", all.Runs, all.Coverage[name])
	}
	if all.FaultsPlanned == 0 || all.PerScenario[name] == nil {
		t.Fatalf("no fault counts: %+v", all)
	}
	failing := indexes(t, all.FailingSeeds)
	if len(failing) == 0 || failing[0] >= 13 {
		t.Fatalf("failing plans %v: want a single-fault plan (index < 13) among them", failing)
	}
	var again exhaustiveJSON
	args := strings.Fields(all.FailingSeeds[0].Repro)[1:]
	simrun(t, append(args, "-json")...).wantCode(t, 1).decode(t, &again, "coverage")
	if again.Runs != 1 || len(again.FailingSeeds) != 1 || *again.FailingSeeds[0].PlanIndex != failing[0] {
		t.Fatalf("%s: %d runs, failing %+v; want plan %d alone, failing", all.FailingSeeds[0].Repro, again.Runs, again.FailingSeeds, failing[0])
	}
	var got []int
	for _, part := range [][]string{{"-shard", "1/2", "-seeds", "40"}, {"-shard", "2/2", "-seeds", "40"}, {"-start", "40"}} {
		var p exhaustiveJSON
		simrun(t, append([]string{"swarm", "-exhaustive", "-scenario", name, "-json"}, part...)...).decode(t, &p, "coverage")
		got = append(got, indexes(t, p.FailingSeeds)...)
	}
	slices.Sort(got)
	if !slices.Equal(got, failing) {
		t.Fatalf("shards and resumed run failed at plans %v; the whole run at %v", got, failing)
	}
}

func indexes(t *testing.T, fs []exhaustiveFailed) []int {
	t.Helper()
	var out []int
	for _, f := range fs {
		if f.PlanIndex == nil {
			t.Fatalf("failing seed %+v has no plan_index", f)
		}
		out = append(out, *f.PlanIndex)
	}
	slices.Sort(out)
	return out
}
