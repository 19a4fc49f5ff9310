package sim

import (
	"slices"
	"time"
)

// aim is what the faults drawn so far for a plan leave for the next one
// to land on. A fault that is likely to end the workflow (a child that
// fails, a call that fails on every attempt or for good, a delay past the
// fault window) cuts the baseline there: the calls after it probably
// never run, so later faults aim before it. And a fault is made to end
// the workflow only when no earlier fault aims past it. Local activity
// and child faults fire one per call (the first that matches), so a call
// one of them already takes is not aimed at again.
type aim struct {
	faults []Fault
	cut    time.Duration // calls starting after cut probably never run
	cutAt  Call          // the call the cut is at
	latest time.Duration // the latest baseline time an earlier fault aims at
	// shift estimates how much retries of earlier faults delay the calls
	// after shiftFrom: a call pushed past the window is not hit.
	shift, shiftFrom time.Duration
	window           time.Duration
}

func newAim(window time.Duration) *aim {
	return &aim{cut: maxDuration, latest: -1, window: window, shiftFrom: maxDuration}
}

const maxDuration = time.Duration(1<<63 - 1)

// reachable keeps the calls a fault of kind k can still land on.
func (a *aim) reachable(k Kind, calls []Call) []Call {
	var out []Call
	for _, c := range calls {
		if a.cutOff(k, c) || a.taken(k, c) {
			continue
		}
		if k == ChildWorkflowFailure && c.Start <= a.latest {
			continue // failing this child would end what an earlier fault aims at
		}
		out = append(out, c)
	}
	return out
}

// cutOff says whether call c starts after the cut. The call the cut is
// at still runs for activity faults, which all fire on it together.
func (a *aim) cutOff(k Kind, c Call) bool {
	if c.Start > a.shiftFrom && c.Start+a.shift > a.window {
		return true
	}
	if c.Start < a.cut {
		return false
	}
	same := c.Kind == a.cutAt.Kind && c.Type == a.cutAt.Type && c.N == a.cutAt.N
	return !same || k == ChildWorkflowFailure || k == LocalActivityError
}

// taken says whether an earlier local activity or child fault already
// takes call c: only the first matching one fires.
func (a *aim) taken(k Kind, c Call) bool {
	if k != LocalActivityError && k != ChildWorkflowFailure {
		return false
	}
	return slices.ContainsFunc(a.faults, func(f Fault) bool {
		return f.Kind == k && f.Target == c.Type && (f.Call == 0 || f.Call == c.N)
	})
}

// ends says whether f, aimed at call c, is likely to end the workflow or
// push the calls after c past the fault window.
func (a *aim) ends(f Fault, c Call) bool {
	switch {
	case f.Kind == ChildWorkflowFailure, f.Kind == ScheduleToCloseExpiry:
		return true
	case f.Kind == ActivityError && f.NonRetryable:
		return true
	case f.Kind == Latency && c.Start+f.Dur > a.window:
		return true
	}
	return kindSpecs[f.Kind].fields&fAttempt != 0 && f.Attempt == 0
}

// soften makes f, aimed at call c, leave the workflow running when an
// earlier fault aims past c: first attempt only, retryable, and a delay
// that ends inside the window.
func (a *aim) soften(f Fault, c Call) Fault {
	if !a.ends(f, c) || a.latest <= c.Start {
		return f
	}
	if kindSpecs[f.Kind].fields&fAttempt != 0 {
		f.Attempt = 1
	}
	f.NonRetryable = false
	if f.Kind == Latency {
		f.Dur = max(time.Second, min(f.Dur, a.window-a.latest))
	}
	return f
}

// noteCall records f, aimed at call c.
func (a *aim) noteCall(f Fault, c Call) {
	a.faults = append(a.faults, f)
	if a.ends(f, c) && c.Start < a.cut {
		a.cut, a.cutAt = c.Start, c
	}
	a.latest = max(a.latest, c.Start)
	if kindSpecs[f.Kind].fields&fAttempt != 0 {
		// A failed or slowed attempt is retried or waited for: the calls
		// after c start about an attempt (and a second's backoff) later.
		d := c.End - c.Start + time.Second
		if f.Kind == Latency {
			d = f.Dur
		}
		a.shift += d
		a.shiftFrom = min(a.shiftFrom, c.Start)
	}
}

// noteTime records a timed fault f.
func (a *aim) noteTime(f Fault) {
	a.faults = append(a.faults, f)
	a.latest = max(a.latest, f.At)
}

// horizon is how far into the run a timed fault is drawn: the
// baseline's horizon, but no later than the end of the call the plan's
// earlier faults likely stop the run at.
func (a *aim) horizon(pr Profile, b *Baseline) time.Duration {
	h := b.Horizon(pr)
	if a.cut != maxDuration {
		h = max(min(h, a.cutAt.End), time.Millisecond)
	}
	return h
}

// busy lists the baseline's busy spans that start before horizon h.
func (a *aim) busy(pr Profile, b *Baseline, h time.Duration) []Call {
	var out []Call
	for _, c := range b.busy(pr.Window) {
		if c.Start < h {
			out = append(out, c)
		}
	}
	return out
}

// Aim is what the faults drawn so far for one plan leave for the next
// one to land on, so that a generator outside sim (harness's rapid
// plans) aims as sim's own drawing does: calls a likely ending fault
// cuts off, or that an earlier local activity or child fault takes, are
// not aimed at, and an ending fault aimed before a later-aimed one is
// softened.
type Aim struct {
	a  *aim
	pr Profile
	b  *Baseline
}

// NewAim starts aiming one plan for profile pr at baseline b.
func NewAim(pr Profile, b *Baseline) *Aim {
	pr = pr.withDefaults()
	return &Aim{a: newAim(pr.Window), pr: pr, b: b}
}

// Calls lists the baseline's calls a fault of kind k can still land on.
func (x *Aim) Calls(k Kind) []Call { return x.a.reachable(k, x.b.callsFor(x.pr, k)) }

// Changed reports whether an earlier fault is planned, which may bring
// about calls the fault-free run never made.
func (x *Aim) Changed() bool { return len(x.a.faults) > 0 }

// Horizon is how far into the run the next timed fault is drawn.
func (x *Aim) Horizon() time.Duration { return x.a.horizon(x.pr, x.b) }

// Busy lists the spans the next timed fault may fall in.
func (x *Aim) Busy() []Call { return x.a.busy(x.pr, x.b, x.Horizon()) }

// Call records f, aimed at call c (one of Calls), and returns it as it
// is planned: softened when an earlier fault aims past c.
func (x *Aim) Call(f Fault, c Call) Fault {
	f = x.a.soften(f, c)
	x.a.noteCall(f, c)
	return f
}

// Other records a timed fault, or one aimed at a call the baseline never
// made.
func (x *Aim) Other(f Fault) {
	x.a.faults = append(x.a.faults, f)
	if kindSpecs[f.Kind].fields&fAt != 0 && !f.Kind.ActivityScoped() {
		x.a.latest = max(x.a.latest, f.At)
	}
}
