package harness

import (
	"slices"
	"time"

	"pgregory.net/rapid"

	"github.com/temporalsim/temporalsim/sim"
)

// Swarm is a rapid generator of swarm configurations for a profile: each
// of the profile's kinds is on or off (at least one is on when any
// apply), and the fault count is in 0..MaxFaults. It draws the same
// things as sim.Profile.DrawConfig, from rapid's bit stream instead of a
// seed's stream, so rapid can shrink them (kinds toward off, the count
// toward 0).
func Swarm(pr sim.Profile) *rapid.Generator[sim.SwarmConfig] {
	pr = profileDefaults(pr)
	return rapid.Custom(func(t *rapid.T) sim.SwarmConfig {
		var c sim.SwarmConfig
		for _, k := range pr.Kinds {
			if rapid.Bool().Draw(t, string(k)) {
				c.Kinds = append(c.Kinds, k)
			}
		}
		if len(c.Kinds) == 0 && len(pr.Kinds) > 0 {
			c.Kinds = []sim.Kind{rapid.SampledFrom(pr.Kinds).Draw(t, "kind")}
		}
		c.Faults = rapid.IntRange(0, pr.MaxFaults).Draw(t, "faults")
		return c
	})
}

// Plans is a rapid generator of fault plans for a profile under a swarm
// configuration: c.Faults faults of c's kinds, each with a target the
// profile names and the fields its kind takes, drawn as
// sim.Profile.Generate draws them. Every plan it makes passes
// pr.Check. Rapid shrinks call and attempt numbers, times and durations
// toward 0 and targets toward the first one listed.
func Plans(pr sim.Profile, c sim.SwarmConfig) *rapid.Generator[sim.Plan] {
	pr = profileDefaults(pr)
	if c.Faults == 0 || len(c.Kinds) == 0 {
		// rapid wants every Custom generator to draw something.
		return rapid.Just(sim.Plan{})
	}
	return rapid.Custom(func(t *rapid.T) sim.Plan {
		var p sim.Plan
		for i := 0; i < c.Faults; i++ {
			k := rapid.SampledFrom(c.Kinds).Draw(t, "kind")
			f, ok := drawFault(t, pr, k)
			if !ok {
				continue
			}
			f.ID = len(p.Faults) + 1
			p.Faults = append(p.Faults, f)
		}
		return p
	})
}

// drawFault draws one fault of kind k; ok is false when the profile gives
// the kind nothing to target.
func drawFault(t *rapid.T, pr sim.Profile, k sim.Kind) (sim.Fault, bool) {
	f := sim.Fault{Kind: k}
	fs := kindFields[k]
	if names, free := targets(pr, k); !free {
		if len(names) == 0 {
			return sim.Fault{}, false
		}
		f.Target = rapid.SampledFrom(names).Draw(t, "target")
	}
	if fs&takesAt != 0 {
		f.At = drawDur(t, "at", 0, pr.Window)
	}
	if fs&takesCall != 0 {
		f.Call = rapid.IntRange(0, pr.MaxCall).Draw(t, "call")
	}
	if fs&takesAttempt != 0 {
		f.Attempt = rapid.IntRange(0, pr.MaxAttempt).Draw(t, "attempt")
	}
	switch k {
	case sim.Latency:
		f.Dur = drawDur(t, "dur", time.Second, time.Second+2*time.Minute)
	case sim.HeartbeatLoss:
		f.Dur = drawDur(t, "dur", 0, time.Minute)
	case sim.WorkerShutdown:
		f.Dur = drawDur(t, "dur", 0, 30*time.Second)
	case sim.CodecFailure:
		f.Dur = drawDur(t, "dur", time.Second, time.Second+pr.Window/4)
		f.Target = rapid.SampledFrom([]string{"", "encode", "decode"}).Draw(t, "direction")
	case sim.ActivityError:
		f.NonRetryable = rapid.IntRange(0, 3).Draw(t, "nonretryable") == 3
	case sim.Signal, sim.Update, sim.Query:
		if vals := messageValues(pr, k, f.Target); len(vals) > 0 {
			f.Value = rapid.SampledFrom(vals).Draw(t, "value")
		}
	}
	return f, true
}

// drawDur draws a duration in [lo, hi] in whole milliseconds, so the
// text form stays short.
func drawDur(t *rapid.T, label string, lo, hi time.Duration) time.Duration {
	ms := rapid.Int64Range(lo.Milliseconds(), max(lo, hi).Milliseconds()).Draw(t, label)
	return time.Duration(ms) * time.Millisecond
}

// fieldSet says which optional Fault fields a kind takes. It mirrors the
// engine's own table (which sim does not export); TestKindFieldsMatchEngine
// keeps the two in step.
type fieldSet uint8

const (
	takesAt fieldSet = 1 << iota
	takesCall
	takesAttempt
)

const activityFields = takesAt | takesCall | takesAttempt

var kindFields = map[sim.Kind]fieldSet{
	sim.ActivityError:         activityFields,
	sim.ActivityPanic:         activityFields,
	sim.Latency:               activityFields,
	sim.StartToCloseTimeout:   activityFields,
	sim.HeartbeatLoss:         activityFields,
	sim.ScheduleToCloseExpiry: takesCall,
	sim.LocalActivityError:    activityFields,
	sim.ChildWorkflowFailure:  takesCall,
	sim.WorkflowCancel:        takesAt,
	sim.Signal:                takesAt,
	sim.Update:                takesAt,
	sim.Query:                 takesAt,
	sim.WorkerShutdown:        takesAt,
	sim.WorkerCrash:           takesAt,
	sim.CodecFailure:          takesAt,
	sim.Deploy:                takesAt,
	sim.CacheEviction:         takesAt,
	sim.WorkflowTaskFailure:   takesAt,
	sim.WorkflowTaskTimeout:   takesAt,
}

// targets lists what a fault of kind k may target; free is true when the
// kind takes no target from the profile (cancellation, shutdown, codec).
func targets(pr sim.Profile, k sim.Kind) (names []string, free bool) {
	switch k {
	case sim.WorkflowCancel, sim.WorkerShutdown, sim.WorkerCrash, sim.CodecFailure, sim.Deploy,
		sim.CacheEviction, sim.WorkflowTaskFailure, sim.WorkflowTaskTimeout:
		return nil, true
	case sim.LocalActivityError:
		return pr.LocalActivities, false
	case sim.ChildWorkflowFailure:
		return pr.Children, false
	case sim.Signal:
		return messageNames(pr.Signals), false
	case sim.Update:
		return messageNames(pr.Updates), false
	case sim.Query:
		return messageNames(pr.Queries), false
	}
	return pr.Activities, false
}

func messageNames(ms []sim.Message) []string {
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return names
}

func messageValues(pr sim.Profile, k sim.Kind, name string) []string {
	ms := map[sim.Kind][]sim.Message{sim.Signal: pr.Signals, sim.Update: pr.Updates, sim.Query: pr.Queries}[k]
	for _, m := range ms {
		if m.Name == name {
			return m.Values
		}
	}
	return nil
}

// profileDefaults fills in the profile's zero limits as sim does.
func profileDefaults(pr sim.Profile) sim.Profile {
	if pr.MaxFaults == 0 {
		pr.MaxFaults = 4
	}
	if pr.MaxCall == 0 {
		pr.MaxCall = 2
	}
	if pr.MaxAttempt == 0 {
		pr.MaxAttempt = 3
	}
	if pr.Window == 0 {
		pr.Window = 10 * time.Minute
	}
	return pr
}

// PlansFrom is Plans aimed by a baseline run of the seed the plan will
// run with, as sim.Profile.SwarmPlanFrom aims a swarm plan: activity,
// local activity and child faults name calls the baseline made and the
// plan's earlier faults leave running (see sim.Aim), mostly on their
// first attempt; one in five, once an earlier fault may have changed the
// run, keeps a target the baseline never called, when the profile has
// one. Timed faults fall while a baseline activity runs, or anywhere in
// the baseline's length before the earlier faults likely end it. A fault
// with nowhere left to land is left out. A nil b gives Plans.
func PlansFrom(pr sim.Profile, c sim.SwarmConfig, b *sim.Baseline) *rapid.Generator[sim.Plan] {
	if b == nil || c.Faults == 0 || len(c.Kinds) == 0 {
		return Plans(pr, c)
	}
	pr = profileDefaults(pr)
	return rapid.Custom(func(t *rapid.T) sim.Plan {
		var p sim.Plan
		aim := sim.NewAim(pr, b)
		for i := 0; i < c.Faults; i++ {
			k := rapid.SampledFrom(c.Kinds).Draw(t, "kind")
			f, ok := drawFault(t, pr, k)
			if ok {
				f, ok = landFault(t, pr, f, b, aim)
			}
			if !ok {
				continue
			}
			f.ID = len(p.Faults) + 1
			p.Faults = append(p.Faults, f)
		}
		return p
	})
}

// landFault re-aims a drawn fault at the baseline; see PlansFrom.
func landFault(t *rapid.T, pr sim.Profile, f sim.Fault, b *sim.Baseline, aim *sim.Aim) (sim.Fault, bool) {
	fs := kindFields[f.Kind]
	if f.Kind.ActivityScoped() || f.Kind == sim.ChildWorkflowFailure {
		calls := aim.Calls(f.Kind)
		blindOK := aim.Changed() && hasUnseen(pr, f.Kind, b.CallsFor(pr, f.Kind))
		if len(calls) == 0 || (blindOK && rapid.IntRange(0, 4).Draw(t, "blind") == 4) {
			if !blindOK {
				return f, false // nothing left for it to land on
			}
			aim.Other(f) // the blind draw: a target the baseline never called
			return f, true
		}
		c := rapid.SampledFrom(calls).Draw(t, "call")
		f.Target = c.Type
		if fs&takesCall != 0 {
			f.Call = c.N
		}
		if fs&takesAttempt != 0 {
			f.Attempt = 1 - rapid.IntRange(0, 3).Draw(t, "every-attempt")/3
		}
		if fs&takesAt != 0 {
			f.At = 0
		}
		return aim.Call(f, c), true
	}
	if fs&takesAt == 0 {
		aim.Other(f)
		return f, true
	}
	horizon := aim.Horizon()
	if busy := aim.Busy(); len(busy) > 0 && rapid.IntRange(0, 3).Draw(t, "anywhere") != 0 {
		c := rapid.SampledFrom(busy).Draw(t, "during")
		f.At = drawDur(t, "at", c.Start, max(min(c.End, horizon)-time.Millisecond, c.Start))
	} else {
		f.At = drawDur(t, "at", 0, horizon-time.Millisecond)
	}
	if f.Kind == sim.CodecFailure {
		f.At = max(f.At, min(time.Second, horizon)) // see sim's landFault
	}
	aim.Other(f)
	return f, true
}

// hasUnseen reports whether the profile names a target of kind k that
// none of the baseline's calls has.
func hasUnseen(pr sim.Profile, k sim.Kind, calls []sim.Call) bool {
	names, _ := targets(pr, k)
	for _, n := range names {
		if !slices.ContainsFunc(calls, func(c sim.Call) bool { return c.Type == n }) {
			return true
		}
	}
	return false
}
