package conformance

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// timeline is what a fault-free engine run shows about when activities
// run: the material plans are built from.
type timeline struct {
	activityTypes []string // in order of first scheduling
	localTypes    []string
	workflowsOf   map[string][]string // activity or local activity type -> workflows scheduling it
	childTypes    []string            // child workflow types, in order of first start
	startToClose  map[string]time.Duration
	// heartbeatTimeout is each activity type's heartbeat timeout (absent:
	// none).
	heartbeatTimeout map[string]time.Duration
	// attempts are the scheduled activities' attempts, then the local
	// activities' first attempts (typ "local Type"), which timed faults
	// avoid too.
	attempts  []attemptSpan
	end       time.Duration // when the run's workflow ended
	heartbeat time.Duration // the shortest heartbeat timeout an activity asked for (0: none)
	// race is the shortest time between a timer firing and an activity
	// attempt or child workflow ending at another instant (0: none).
	race time.Duration
}

// attemptSpan is one attempt of a scheduled activity.
type attemptSpan struct {
	typ        string
	call, n    int
	start, end time.Duration
	heartbeats []time.Duration
}

func timelineOf(r *sim.Result) timeline {
	tl := timeline{end: r.Elapsed, workflowsOf: map[string][]string{}, startToClose: map[string]time.Duration{},
		heartbeatTimeout: map[string]time.Duration{}}
	hbs := map[string][]time.Duration{}
	var locals []attemptSpan
	localStarts := map[string][]attemptSpan{} // workflow/type -> scheduled, not yet ended
	var fires, ends []time.Duration
	for _, e := range r.Events {
		at := time.Duration(e.T) * time.Millisecond
		switch e.Kind {
		case "act.schedule", "la.schedule":
			if !slices.Contains(tl.workflowsOf[e.Name], e.WF) {
				tl.workflowsOf[e.Name] = append(tl.workflowsOf[e.Name], e.WF)
			}
		}
		switch e.Kind {
		case "act.schedule":
			if !slices.Contains(tl.activityTypes, e.Name) {
				tl.activityTypes = append(tl.activityTypes, e.Name)
			}
		case "child.schedule":
			if !slices.Contains(tl.childTypes, e.Name) {
				tl.childTypes = append(tl.childTypes, e.Name)
			}
		case "la.schedule":
			if !slices.Contains(tl.localTypes, e.Name) {
				tl.localTypes = append(tl.localTypes, e.Name)
			}
			call, _ := strconv.Atoi(strings.TrimPrefix(e.Detail, "call="))
			k := e.WF + "/" + e.Name
			localStarts[k] = append(localStarts[k], attemptSpan{typ: "local " + e.Name, call: call, n: 1, start: at})
		case "la.end":
			k := e.WF + "/" + e.Name
			if e.Attempt == 1 && len(localStarts[k]) > 0 {
				a := localStarts[k][0]
				localStarts[k] = localStarts[k][1:]
				a.end = at
				locals = append(locals, a)
			}
		case "timer.fire":
			fires = append(fires, at)
		case "act.end":
			ends = append(ends, at)
		case "wf.end":
			if e.WF != r.RootWorkflowID() {
				ends = append(ends, at)
			}
		case "act.heartbeat":
			k := fmt.Sprintf("%s/%d", e.ID, e.Attempt)
			hbs[k] = append(hbs[k], at)
		}
	}
	for _, f := range fires {
		for _, e := range ends {
			if d := max(f-e, e-f); d > 0 && (tl.race == 0 || d < tl.race) {
				tl.race = d
			}
		}
	}
	for _, a := range r.Activities {
		tl.startToClose[a.Type] = a.StartToClose
		if a.Heartbeat > 0 {
			tl.heartbeatTimeout[a.Type] = a.Heartbeat
		}
		if a.Heartbeat > 0 && (tl.heartbeat == 0 || a.Heartbeat < tl.heartbeat) {
			tl.heartbeat = a.Heartbeat
		}
		for _, at := range a.Attempts {
			tl.attempts = append(tl.attempts, attemptSpan{typ: a.Type, call: a.Call, n: at.N, start: at.Start, end: at.End,
				heartbeats: hbs[fmt.Sprintf("%s/%d", a.Key, at.N)]})
		}
	}
	tl.attempts = append(tl.attempts, locals...)
	return tl
}

// widestGap finds the instant farthest from every activity attempt's
// start and end before the workflow ends, and its distance to the nearest
// of them; running says whether an attempt must be running then. The
// instant is then moved to halfway between the heartbeats around it, so
// that the engine's run does not see the fault at a heartbeat's instant.
func (tl timeline) widestGap(running bool) (at, margin time.Duration, ok bool) {
	marks := []time.Duration{0, tl.end}
	for _, a := range tl.attempts {
		marks = append(marks, a.start, a.end)
	}
	slices.Sort(marks)
	marks = slices.Compact(marks)
	lo, hi := time.Duration(0), time.Duration(0)
	for i := 0; i+1 < len(marks) && marks[i+1] <= tl.end; i++ {
		mid := (marks[i] + marks[i+1]) / 2
		if half := (marks[i+1] - marks[i]) / 2; half > margin && (!running || len(tl.runningAt(mid)) > 0) {
			at, margin, lo, hi, ok = mid, half, marks[i], marks[i+1], true
		}
	}
	if !ok {
		return 0, 0, false
	}
	at = tl.betweenHeartbeats(at)
	return at.Truncate(time.Millisecond), min(at-lo, hi-at).Truncate(time.Millisecond), true
}

// betweenHeartbeats moves t to halfway between the heartbeats of running
// attempts just before and after it, if there are both.
func (tl timeline) betweenHeartbeats(t time.Duration) time.Duration {
	prev, next := time.Duration(-1), time.Duration(-1)
	for _, a := range tl.attempts {
		if !(a.start < t && t < a.end) {
			continue
		}
		for _, hb := range a.heartbeats {
			if hb <= t && hb > prev {
				prev = hb
			}
			if hb > t && (next < 0 || hb < next) {
				next = hb
			}
		}
	}
	if prev < 0 || next < 0 {
		return t
	}
	return (prev + next) / 2
}

// runningAt names the activity attempts running at t.
func (tl timeline) runningAt(t time.Duration) []string {
	var out []string
	for _, a := range tl.attempts {
		if a.start < t && t < a.end {
			out = append(out, fmt.Sprintf("%s#%d attempt %d", a.typ, a.call, a.n))
		}
	}
	return out
}
