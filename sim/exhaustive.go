package sim

import (
	"fmt"
	"slices"
	"time"
)

// Exhaustive is the small-scope list of plans for one baseline: every
// single-fault plan the profile allows, then every pair of them. Most
// bugs need one or two faults, so running these before random plans
// finds a one-fault bug in a bounded number of runs. Plans are numbered
// from 0 in a fixed order (singles in call order, then pairs in a fixed
// spread-out order), so a run of them can resume at an index and be
// split into shards as seeds are.
type Exhaustive struct {
	// Singles are the single faults, each with ID 1.
	Singles []Fault
}

// Exhaustive lists the small-scope plans for baseline b (see
// SingleFaults).
func (pr Profile) Exhaustive(b *Baseline) Exhaustive {
	return Exhaustive{Singles: pr.SingleFaults(b)}
}

// Pairs is the number of two-fault plans.
func (x Exhaustive) Pairs() int { n := len(x.Singles); return n * (n - 1) / 2 }

// Len is the number of plans: singles, then pairs.
func (x Exhaustive) Len() int { return len(x.Singles) + x.Pairs() }

// Plan returns plan i (0-based, below Len).
func (x Exhaustive) Plan(i int) Plan {
	n := len(x.Singles)
	if i < n {
		f := x.Singles[i]
		f.ID = 1
		return Plan{Faults: []Fault{f}}
	}
	a, b := x.pair(i - n)
	f1, f2 := x.Singles[a], x.Singles[b]
	f1.ID, f2.ID = 1, 2
	return Plan{Faults: []Fault{f1, f2}}
}

// pair maps the j-th pair in run order to two single indexes a < b. The
// run order steps through all pairs with a stride coprime to their
// number, so a budget that runs only some pairs spreads them over every
// fault instead of pairing the first fault with all the others.
func (x Exhaustive) pair(j int) (int, int) {
	p := x.Pairs()
	k := int((int64(j) * int64(pairStride(p))) % int64(p))
	b := 1
	for (b+1)*b/2 <= k {
		b++
	}
	return k - b*(b-1)/2, b
}

// pairStride is about 0.618 p, moved up to the next number coprime to p.
func pairStride(p int) int {
	s := max(p*618/1000, 1)
	for gcd(s, p) != 1 {
		s++
	}
	return s
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Coverage says how much of the list the first ran plans covered, as
// "1-fault plans: 48 of 48 ran, 2-fault: 30 of 1128".
func (x Exhaustive) Coverage(ran int) string {
	n := len(x.Singles)
	return fmt.Sprintf("1-fault plans: %d of %d ran, 2-fault: %d of %d", min(ran, n), n, max(ran-n, 0), x.Pairs())
}

// SingleFaults lists every single fault the profile allows against the
// baseline, in the baseline's call order: for each activity call, each
// activity kind on its first attempt (an error that is retried and one
// that is not, a panic, a start-to-close timeout, lost heartbeats,
// latency; schedule-to-close expiry of the call); for each local
// activity and child call, its failure; and each timed kind (worker
// shutdown and crash, cancellation, each signal, update and query, codec
// failure) at three positions of each activity call (as it starts,
// mid-attempt and just before it ends), then at the start and each
// quarter of the run and just before its end. Duplicates are dropped.
func (pr Profile) SingleFaults(b *Baseline) []Fault {
	pr = pr.withDefaults()
	var out []Fault
	add := func(f Fault) {
		f.ID = 1
		if f.At > pr.Window || slices.Contains(out, f) || pr.Check(Plan{Faults: []Fault{f}}) != nil {
			return
		}
		out = append(out, f)
	}
	timed := func(at time.Duration) {
		for _, k := range pr.Kinds {
			for _, f := range pr.timedFaults(k, at) {
				add(f)
			}
		}
	}
	for _, c := range b.Calls {
		for _, k := range pr.Kinds {
			for _, f := range pr.callFaults(k, c) {
				add(f)
			}
		}
		if c.Kind == ChildWorkflowFailure {
			continue
		}
		for _, at := range positions(c, b.Horizon(pr)) {
			timed(at)
		}
	}
	// A workflow that mostly waits (for signals, timers) has few calls
	// to aim at: timed faults also fall at the start and at each quarter
	// of the fault-free run.
	h := b.Horizon(pr)
	for q := range time.Duration(4) {
		timed(h * q / 4 / time.Millisecond * time.Millisecond)
	}
	timed(h - time.Millisecond)
	return out
}

// callFaults are kind k's single faults on call c (none when k does not
// hit c's family or c's type is not a target).
func (pr Profile) callFaults(k Kind, c Call) []Fault {
	family := ActivityError
	if k == LocalActivityError || k == ChildWorkflowFailure {
		family = k
	} else if !k.ActivityScoped() {
		return nil
	}
	if c.Kind != family || !slices.Contains(pr.targets(k), c.Type) {
		return nil
	}
	f := Fault{Kind: k, Target: c.Type, Call: c.N}
	if kindSpecs[k].fields&fAttempt != 0 {
		f.Attempt = 1
	}
	switch k {
	case ActivityError:
		nr := f
		nr.NonRetryable = true
		return []Fault{f, nr}
	case Latency:
		f.Dur = c.End - c.Start + time.Second
	case HeartbeatLoss:
		f.Dur = 0
	}
	return []Fault{f}
}

// timedFaults are kind k's single faults at time at.
func (pr Profile) timedFaults(k Kind, at time.Duration) []Fault {
	switch k {
	case WorkflowCancel, WorkerCrash, Deploy, CacheEviction, WorkflowTaskFailure, WorkflowTaskTimeout:
		return []Fault{{Kind: k, At: at}}
	case WorkerShutdown:
		return []Fault{{Kind: k, At: at}}
	case CodecFailure:
		return []Fault{{Kind: k, At: max(at, time.Second), Dur: time.Second}}
	case Signal, Update, Query:
		ms := map[Kind][]Message{Signal: pr.Signals, Update: pr.Updates, Query: pr.Queries}[k]
		var out []Fault
		for _, m := range ms {
			f := Fault{Kind: k, At: at, Target: m.Name}
			if len(m.Values) > 0 {
				f.Value = m.Values[0]
			}
			out = append(out, f)
		}
		return out
	}
	return nil
}

// positions are the three times a timed fault is tried against call c:
// as its first attempt starts, midway, and a millisecond before it ends;
// all before the horizon.
func positions(c Call, horizon time.Duration) []time.Duration {
	end := min(c.End, horizon)
	ps := []time.Duration{c.Start, c.Start + (end-c.Start)/2/time.Millisecond*time.Millisecond, end - time.Millisecond}
	var out []time.Duration
	for _, p := range ps {
		if p >= c.Start && p < horizon && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
