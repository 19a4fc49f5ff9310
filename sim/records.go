package sim

import (
	"sort"
	"time"
)

// ActivityRecord is what the engine, acting as the server, saw of one
// scheduled activity: its options and every attempt. Properties about
// retries and timeouts read these rather than parse the trace.
type ActivityRecord struct {
	Key       string // engine key, as in the trace's id field
	Workflow  string
	Type      string
	Call      int           // the Call-th scheduling of Type in the run
	Scheduled time.Duration // virtual offset
	Policy    RetryPolicy
	// StartToClose, ScheduleToClose and Heartbeat are the timeouts the
	// workflow asked for.
	StartToClose, ScheduleToClose, Heartbeat time.Duration
	CancelRequested                          bool // the workflow asked to cancel it
	Attempts                                 []AttemptRecord
}

// RetryPolicy is an activity's retry policy with the server's defaults
// filled in. MaximumAttempts 0 means unlimited.
type RetryPolicy struct {
	InitialInterval    time.Duration
	BackoffCoefficient float64
	MaximumInterval    time.Duration
	MaximumAttempts    int
	NonRetryable       []string
}

// Backoff is the server's wait before attempt n+1 after attempt n failed.
func (p RetryPolicy) Backoff(n int) time.Duration {
	return retryPolicy{initial: p.InitialInterval, coefficient: p.BackoffCoefficient, maxInterval: p.MaximumInterval}.backoff(n)
}

// AttemptRecord is one attempt of an activity.
type AttemptRecord struct {
	N          int
	Start, End time.Duration // virtual offsets
	Result     string        // "ok", an error type (see ErrorType), or "timeout:KIND"
	Retryable  bool          // the server would retry after this result (attempt limits aside)
	// Faults lists the ids of the faults that hit it: those aimed at the
	// attempt, then the worker shutdown or crash that cut it off.
	Faults []int
	Worker int // the worker incarnation it ran on
}

func (p retryPolicy) export() RetryPolicy {
	return RetryPolicy{InitialInterval: p.initial, BackoffCoefficient: p.coefficient, MaximumInterval: p.maxInterval,
		MaximumAttempts: p.maxAttempts, NonRetryable: p.nonRetry}
}

func (e *engine) record(run *activityRun, at *attempt, end attemptEnd, result string) {
	rec := AttemptRecord{N: at.n, Start: at.start.Sub(e.w.origin), End: time.Since(e.w.origin), Result: result, Worker: at.gen.n}
	if end.err != nil {
		rec.Retryable, _ = run.policy.retryable(failureOf(end.err))
	}
	for _, f := range at.faults {
		rec.Faults = append(rec.Faults, f.ID)
	}
	if at.workerFault != 0 {
		rec.Faults = append(rec.Faults, at.workerFault)
	}
	run.mu.Lock()
	run.attempts = append(run.attempts, rec)
	run.mu.Unlock()
}

// activityRecords lists every scheduled activity in key order.
func (e *engine) activityRecords() []ActivityRecord {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []ActivityRecord
	for _, k := range sortedKeys(e.runs) {
		run := e.runs[k]
		run.mu.Lock()
		atts := append([]AttemptRecord(nil), run.attempts...)
		byWorkflow := run.canceledByWorkflow
		run.mu.Unlock()
		sort.Slice(atts, func(i, j int) bool { return atts[i].N < atts[j].N })
		out = append(out, ActivityRecord{
			Key: run.key, Workflow: run.wf, Type: run.typ, Call: run.call, Scheduled: run.scheduled.Sub(e.w.origin),
			Policy: run.policy.export(), StartToClose: run.opts.StartToCloseTimeout, ScheduleToClose: run.opts.ScheduleToCloseTimeout,
			Heartbeat: run.opts.HeartbeatTimeout, CancelRequested: byWorkflow, Attempts: atts,
		})
	}
	return out
}
