package sim

import (
	"testing"
	"time"
)

// aimCalls is a small baseline: activity A, then a local activity L, then
// a child C.
var aimCalls = []Call{
	{Kind: ActivityError, Type: "A", N: 1, Start: 0, End: time.Second},
	{Kind: LocalActivityError, Type: "L", N: 1, Start: time.Second, End: 2 * time.Second},
	{Kind: ChildWorkflowFailure, Type: "C", N: 1, Start: 3 * time.Second, End: 4 * time.Second},
}

func names(cs []Call) string {
	s := ""
	for _, c := range cs {
		s += c.Type
	}
	return s
}

// TestAimCutsAfterAnEndingFault: after a fault that fails A on every
// attempt, L and C are not aimed at; A still is for activity faults.
func TestAimCutsAfterAnEndingFault(t *testing.T) {
	a := newAim(time.Minute)
	if got := names(a.reachable(ActivityError, aimCalls)); got != "ALC" {
		t.Fatalf("before any fault: reachable %q, want ALC", got)
	}
	a.noteCall(Fault{Kind: ActivityError, Target: "A", Call: 1}, aimCalls[0])
	if got := names(a.reachable(ActivityError, aimCalls)); got != "A" {
		t.Errorf("after an every-attempt fault on A: reachable %q, want A", got)
	}
}

// TestAimTakenAndChildAfterLatest: a local activity call a fault already
// takes is not aimed at again, and a child is not failed before a call an
// earlier fault aims at.
func TestAimTakenAndChildAfterLatest(t *testing.T) {
	a := newAim(time.Minute)
	a.noteCall(Fault{Kind: LocalActivityError, Target: "L", Call: 1, Attempt: 1}, aimCalls[1])
	if got := names(a.reachable(LocalActivityError, aimCalls[1:2])); got != "" {
		t.Errorf("L#1 taken: reachable %q, want none", got)
	}
	if got := names(a.reachable(ChildWorkflowFailure, aimCalls[2:])); got != "C" {
		t.Errorf("child after L: reachable %q, want C", got)
	}
	a.noteTime(Fault{Kind: WorkerCrash, At: 3 * time.Second})
	if got := names(a.reachable(ChildWorkflowFailure, aimCalls[2:])); got != "" {
		t.Errorf("a crash aimed at the child's start: reachable %q, want none", got)
	}
}

// TestAimSoftensAndShifts: an ending fault aimed before a later-aimed
// fault is softened to the first attempt; a retry's delay pushes later
// calls past a tight window.
func TestAimSoftensAndShifts(t *testing.T) {
	a := newAim(2500 * time.Millisecond)
	a.noteCall(Fault{Kind: LocalActivityError, Target: "L", Call: 1, Attempt: 1}, aimCalls[1])
	f := a.soften(Fault{Kind: ActivityError, Target: "A", Call: 1, NonRetryable: true}, aimCalls[0])
	if f.Attempt != 1 || f.NonRetryable {
		t.Errorf("softened fault %+v, want attempt 1, retryable", f)
	}
	b := newAim(2500 * time.Millisecond)
	b.noteCall(Fault{Kind: ActivityError, Target: "A", Call: 1, Attempt: 1}, aimCalls[0])
	if got := names(b.reachable(LocalActivityError, aimCalls[1:2])); got != "" {
		t.Errorf("L pushed to 3s by A's retry, window 2.5s: reachable %q, want none", got)
	}
}

// TestGenerateFromSameSeedSamePlan: aiming keeps a seed's plan a function
// of the seed and baseline alone.
func TestGenerateFromSameSeedSamePlan(t *testing.T) {
	pr := Profile{Kinds: []Kind{ActivityError, LocalActivityError, ChildWorkflowFailure, WorkerCrash},
		Activities: []string{"A"}, LocalActivities: []string{"L"}, Children: []string{"C"}, MaxFaults: 6}
	b := &Baseline{Elapsed: 4 * time.Second, Calls: aimCalls}
	for s := Seed(1); s <= 200; s++ {
		_, p1 := pr.SwarmPlanFrom(s, b)
		_, p2 := pr.SwarmPlanFrom(s, b)
		if p1.String() != p2.String() {
			t.Fatalf("seed %d: two draws differ:\n%s\n%s", s, p1, p2)
		}
		if err := pr.Check(p1); err != nil {
			t.Fatalf("seed %d: %v", s, err)
		}
	}
}
