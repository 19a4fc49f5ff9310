package realserver

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/temporalsim/temporalsim/sim"
)

// Activity is one scheduled activity (or local activity) of a run, with
// every attempt a worker ran.
type Activity struct {
	// Workflow and RunID name the workflow run that scheduled it.
	Workflow, RunID string
	// ID is the activity id; Type its type.
	ID, Type string
	// Local is true for a local activity.
	Local bool
	// Call is its number among the run's schedulings of Type (1-based),
	// as a fault's call= counts them.
	Call int
	// Attempts are the attempts workers started, in order.
	Attempts []Attempt
}

// Attempt is one activity attempt as the worker saw it.
type Attempt struct {
	// N is the attempt number (1-based).
	N int
	// Worker is the worker incarnation that ran it (1-based; a
	// worker-shutdown fault starts the next).
	Worker int
	// Start and End are virtual offsets from the start of the run; End is
	// zero while the attempt runs.
	Start, End time.Duration
	// Faults are the ids of the plan's faults that hit the attempt.
	Faults []int
	// Result is "ok", the error's Temporal failure type chain (as
	// sim.ErrorType names it), or "running" when the run ended first.
	Result string
}

// recorder collects the attempts workers run, for Result.Activities.
type recorder struct {
	clk *ScaledClock
	mu  sync.Mutex
	// acts are keyed by run id and activity id (local ones prefixed).
	acts map[string]*Activity
}

func newRecorder(clk *ScaledClock) *recorder {
	return &recorder{clk: clk, acts: map[string]*Activity{}}
}

// attemptRecord is the handle an attempt ends through.
type attemptRecord struct {
	r   *recorder
	act *Activity
	i   int
}

func (r *recorder) attemptStart(info activity.Info, call, worker int, faults []sim.Fault) attemptRecord {
	key := info.WorkflowExecution.RunID + "/" + info.ActivityID
	if info.IsLocalActivity {
		key = info.WorkflowExecution.RunID + "/local/" + info.ActivityID
	}
	at := Attempt{N: int(info.Attempt), Worker: worker, Start: r.offset(), Result: "running"}
	for _, f := range faults {
		at.Faults = append(at.Faults, f.ID)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	act, ok := r.acts[key]
	if !ok {
		act = &Activity{Workflow: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID, ID: info.ActivityID,
			Type: info.ActivityType.Name, Local: info.IsLocalActivity, Call: call}
		r.acts[key] = act
	}
	act.Attempts = append(act.Attempts, at)
	return attemptRecord{r: r, act: act, i: len(act.Attempts) - 1}
}

func (a attemptRecord) end(err error) {
	res := "ok"
	if err != nil {
		res = sim.ErrorType(err)
	}
	end := a.r.offset()
	a.r.mu.Lock()
	defer a.r.mu.Unlock()
	a.act.Attempts[a.i].End, a.act.Attempts[a.i].Result = end, res
}

func (r *recorder) offset() time.Duration { return r.clk.Now().Sub(r.clk.Origin()) }

// activities returns a copy of what was recorded, ordered by first
// attempt, then workflow and activity id.
func (r *recorder) activities() []Activity {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Activity, 0, len(r.acts))
	for _, a := range r.acts {
		c := *a
		c.Attempts = slices.Clone(a.Attempts)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Activity) int {
		return cmp.Or(cmp.Compare(a.Attempts[0].Start, b.Attempts[0].Start), cmp.Compare(a.Workflow, b.Workflow),
			cmp.Compare(a.RunID, b.RunID), cmp.Compare(len(a.ID), len(b.ID)), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// running reports whether an attempt is still running on a worker whose
// results count; lost reports whether a worker incarnation's results are lost (a
// crashed one's attempts run on, but nothing they do reaches the server).
func (r *recorder) running(lost func(worker int) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.acts {
		for _, at := range a.Attempts {
			if at.Result == "running" && !lost(at.Worker) {
				return true
			}
		}
	}
	return false
}
