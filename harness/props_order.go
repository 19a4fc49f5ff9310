package harness

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// Ran holds when an attempt of the activity completed successfully.
//
//	Properties: []sim.Property{harness.Ran("Charge"), harness.NeverRan("Refund")}
func Ran(activity string) sim.Property {
	return Property("ran:"+activity, func(r *sim.Result) error {
		if _, ok := firstSuccess(r, activity); ok {
			return nil
		}
		if n := attempts(r, activity); n > 0 {
			return fmt.Errorf("%s never completed: %s, none ok", activity, plural(n, "attempt"))
		}
		return fmt.Errorf("%s never ran: the workflow did not schedule it", activity)
	})
}

// NeverRan holds when no attempt of the activity started.
func NeverRan(activity string) sim.Property {
	return Property("never-ran:"+activity, func(r *sim.Result) error {
		for _, a := range r.Activities {
			if a.Type == activity && len(a.Attempts) > 0 {
				at := a.Attempts[0]
				return fmt.Errorf("%s ran: %s attempt %d started at %s", activity, a.Key, at.N, at.Start)
			}
		}
		return nil
	})
}

// Step is a point in virtual time that an activity marks, for Before:
// Started, Succeeded or Finished.
type Step struct {
	activity string
	kind     stepKind
}

type stepKind int

const (
	stepStarted   stepKind = iota // the first attempt's start
	stepSucceeded                 // the first successful attempt's end
	stepFinished                  // every attempt's end (as a before) or start (as an after)
)

// Started is when the first attempt of the activity started.
func Started(activity string) Step { return Step{activity, stepStarted} }

// Succeeded is when the first successful attempt of the activity ended.
func Succeeded(activity string) Step { return Step{activity, stepSucceeded} }

// EveryAttempt of the activity: as the first step of Before, every
// attempt must have ended; as the second, no attempt may have started.
func EveryAttempt(activity string) Step { return Step{activity, stepFinished} }

func (s Step) String() string {
	return [...]string{"first start of ", "first success of ", "every attempt of "}[s.kind] + s.activity
}

// Before holds when step a happened no later, in virtual time, than step
// b; it holds too when b never happened, and fails when b happened and a
// did not.
//
//	harness.Before(harness.Succeeded("Reserve"), harness.Started("Charge"))
//	harness.Before(harness.EveryAttempt("Charge"), harness.Started("Ship"))
func Before(a, b Step) sim.Property {
	return Property("before:"+a.activity+"<"+b.activity, func(r *sim.Result) error {
		tb, ok := b.earliest(r)
		if !ok {
			return nil
		}
		ta, ok := a.latest(r)
		switch {
		case !ok:
			return fmt.Errorf("%s at %s, but %s never happened", b, tb, a)
		case ta > tb:
			return fmt.Errorf("%s at %s, before %s at %s", b, tb, a, ta)
		}
		return nil
	})
}

// latest is when the step was complete, as the first step of Before.
func (s Step) latest(r *sim.Result) (time.Duration, bool) {
	switch s.kind {
	case stepSucceeded:
		return firstSuccess(r, s.activity)
	case stepStarted:
		return firstStart(r, s.activity)
	}
	var end time.Duration
	n := 0
	for _, at := range attemptsOf(r, s.activity) {
		end, n = max(end, at.End), n+1
	}
	return end, n > 0
}

// earliest is when the step began, as the second step of Before.
func (s Step) earliest(r *sim.Result) (time.Duration, bool) {
	if s.kind == stepSucceeded {
		return firstSuccess(r, s.activity)
	}
	return firstStart(r, s.activity)
}

func attemptsOf(r *sim.Result, activity string) []sim.AttemptRecord {
	var out []sim.AttemptRecord
	for _, a := range r.Activities {
		if a.Type == activity {
			out = append(out, a.Attempts...)
		}
	}
	return out
}

func attempts(r *sim.Result, activity string) int { return len(attemptsOf(r, activity)) }

func firstStart(r *sim.Result, activity string) (time.Duration, bool) {
	ats := attemptsOf(r, activity)
	if len(ats) == 0 {
		return 0, false
	}
	return slices.MinFunc(ats, func(x, y sim.AttemptRecord) int { return int(x.Start - y.Start) }).Start, true
}

func firstSuccess(r *sim.Result, activity string) (time.Duration, bool) {
	var first time.Duration
	found := false
	for _, at := range attemptsOf(r, activity) {
		if at.Result == "ok" && (!found || at.End < first) {
			first, found = at.End, true
		}
	}
	return first, found
}

// CompensationsInReverse holds when the compensations that ran were
// scheduled in the reverse order of the actions they undo: compensate
// maps each saga action to its compensation. Actions and compensations
// are ordered by when the workflow first scheduled them.
//
//	harness.CompensationsInReverse(map[string]string{"Reserve": "Release", "Charge": "Refund"})
func CompensationsInReverse(compensate map[string]string) sim.Property {
	return Property("compensations-in-reverse", func(r *sim.Result) error {
		var actions, comps []string // in scheduling order
		undoes := map[string]string{}
		for action, comp := range compensate {
			undoes[comp] = action
		}
		for _, a := range r.Activities { // sorted by key: scheduling order
			if _, ok := compensate[a.Type]; ok && !slices.Contains(actions, a.Type) {
				actions = append(actions, a.Type)
			}
			if _, ok := undoes[a.Type]; ok && len(a.Attempts) > 0 && !slices.Contains(comps, a.Type) {
				comps = append(comps, a.Type)
			}
		}
		var want []string // the compensations that ran, in the order they should have
		for _, action := range slices.Backward(actions) {
			if slices.Contains(comps, compensate[action]) {
				want = append(want, compensate[action])
			}
		}
		if !slices.Equal(comps, want) {
			return fmt.Errorf("compensations ran %s; the actions ran %s, so they should have run %s",
				strings.Join(comps, ", "), strings.Join(actions, ", "), strings.Join(want, ", "))
		}
		return nil
	})
}
