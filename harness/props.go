package harness

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// Property makes a property from a name and a check, for users' own
// properties: any Go function over the finished run (its outcome, trace
// and activity records, and the fakes kept in r.World).
func Property(name string, check func(r *sim.Result) error) sim.Property {
	return sim.Property{Name: name, Check: check}
}

// Safety is the property set every scenario gets: no attempt after the
// workflow closed, attempts within MaximumAttempts, backoff as the retry
// policy says, non-retryable errors not retried, and on engine 2 every
// history of the run replays (Nondeterminism).
func Safety() []sim.Property {
	return []sim.Property{NoAttemptAfterClose(), AttemptsWithinMaximum(), BackoffFollowsPolicy(), NonRetryableNotRetried(), Nondeterminism()}
}

// Outcomes holds when the run ended in one of the allowed terminal states.
func Outcomes(allowed ...sim.Outcome) sim.Property {
	return Property("outcome", func(r *sim.Result) error {
		if slices.Contains(allowed, r.Outcome) {
			return nil
		}
		return fmt.Errorf("workflow ended %s (%s), allowed: %v", r.Outcome, r.ErrType, allowed)
	})
}

// WorkflowEnd is the virtual offset at which the run's workflow ended, and
// false when it never did.
func WorkflowEnd(r *sim.Result) (time.Duration, bool) {
	for _, e := range r.Events {
		if e.Kind == "wf.end" && e.WF == r.RootWorkflowID() {
			return time.Duration(e.T) * time.Millisecond, true
		}
	}
	return 0, false
}

// NoAttemptAfterClose holds when no activity attempt started after the
// workflow that scheduled it closed.
func NoAttemptAfterClose() sim.Property {
	return Property("no-attempt-after-close", func(r *sim.Result) error {
		ends := map[string]int64{}
		for _, e := range r.Events {
			if e.Kind == "wf.end" {
				ends[e.WF] = e.T
			}
		}
		for _, a := range r.Activities {
			end, ok := ends[a.Workflow]
			if !ok {
				continue
			}
			for _, at := range a.Attempts {
				if at.Start.Milliseconds() > end {
					return fmt.Errorf("%s (%s) attempt %d started at %s, after workflow %s closed at %s",
						a.Key, a.Type, at.N, at.Start, a.Workflow, sim.FormatOffset(end))
				}
			}
		}
		return nil
	})
}

// AttemptsWithinMaximum holds when no activity made more attempts than its
// retry policy's MaximumAttempts.
func AttemptsWithinMaximum() sim.Property {
	return Property("attempts-within-maximum", func(r *sim.Result) error {
		for _, a := range r.Activities {
			if max := a.Policy.MaximumAttempts; max > 0 && len(a.Attempts) > max {
				return fmt.Errorf("%s (%s) made %d attempts, MaximumAttempts is %d", a.Key, a.Type, len(a.Attempts), max)
			}
		}
		return nil
	})
}

// BackoffFollowsPolicy holds when each retry started exactly the retry
// policy's backoff after the previous attempt ended (or later, when the
// failure asked for a longer NextRetryDelay).
func BackoffFollowsPolicy() sim.Property {
	return Property("backoff-follows-policy", func(r *sim.Result) error {
		for _, a := range r.Activities {
			for i := 1; i < len(a.Attempts); i++ {
				prev, cur := a.Attempts[i-1], a.Attempts[i]
				want := a.Policy.Backoff(prev.N).Truncate(time.Millisecond)
				got := (cur.Start - prev.End).Truncate(time.Millisecond)
				if got < want {
					return fmt.Errorf("%s (%s) attempt %d started %s after attempt %d ended; the retry policy says %s",
						a.Key, a.Type, cur.N, got, prev.N, want)
				}
			}
		}
		return nil
	})
}

// NonRetryableNotRetried holds when no attempt followed one that ended
// with a non-retryable error.
func NonRetryableNotRetried() sim.Property {
	return Property("non-retryable-not-retried", func(r *sim.Result) error {
		for _, a := range r.Activities {
			for i := 0; i+1 < len(a.Attempts); i++ {
				if at := a.Attempts[i]; at.Result != "ok" && !at.Retryable {
					return fmt.Errorf("%s (%s) attempt %d ended %s (not retryable) but attempt %d followed",
						a.Key, a.Type, at.N, at.Result, a.Attempts[i+1].N)
				}
			}
		}
		return nil
	})
}

// CleanupAfterCancel holds when, in a run whose workflow was asked to
// cancel, an attempt of the cleanup activity completed after the request.
//
// It does not blame the workflow when the plan itself made cleanup
// impossible: when the last attempt of the cleanup activity (the one the
// server did not retry) was hit by a fault of the plan, such as a
// non-retryable activity-error aimed at it, the property holds. No
// workflow can complete an activity the plan fails for good, and the
// generator still draws such plans, since they test the other properties.
// A workflow that never schedules cleanup after the request still fails.
func CleanupAfterCancel(cleanupActivity string) sim.Property {
	return Property("cleanup-after-cancel", func(r *sim.Result) error {
		if !r.CancelRequested || r.Outcome == sim.Completed {
			return nil
		}
		var cancelAt int64 = -1
		for _, e := range r.Events {
			if e.Kind == "fault" && e.Name == string(sim.WorkflowCancel) {
				cancelAt = e.T
				break
			}
		}
		for _, a := range r.Activities {
			if a.Type != cleanupActivity {
				continue
			}
			for _, at := range a.Attempts {
				if at.Result == "ok" && at.End.Milliseconds() >= cancelAt {
					return nil
				}
			}
			if faultedForGood(a, cancelAt) {
				return nil
			}
		}
		return fmt.Errorf("workflow was cancelled at %s but %s never completed afterwards", sim.FormatOffset(cancelAt), cleanupActivity)
	})
}

// faultedForGood reports whether a's last attempt ended after cancelAt,
// failed, and was hit by a fault of the plan: the plan, not the workflow,
// stopped it.
func faultedForGood(a sim.ActivityRecord, cancelAt int64) bool {
	if len(a.Attempts) == 0 {
		return false
	}
	last := a.Attempts[len(a.Attempts)-1]
	return last.Result != "ok" && last.End.Milliseconds() >= cancelAt && len(last.Faults) > 0
}

// Terminates is the liveness property: the workflow reaches a terminal
// state no later than bound after the fault window closes.
func Terminates(window, bound time.Duration) sim.Property {
	return Property("terminates", func(r *sim.Result) error {
		end, ok := WorkflowEnd(r)
		if r.Outcome == sim.Stuck || !ok {
			return errors.New("workflow never reached a terminal state within the virtual-time budget" + stuckWhy(r))
		}
		if limit := window + bound; end > limit {
			return fmt.Errorf("workflow ended at %s, later than the fault window (%s) plus the bound (%s)", end, window, bound)
		}
		return nil
	})
}

// NoActivityFailed holds when no activity attempt ended in an error other
// than those named (useful for scenarios that expect a clean run).
func NoActivityFailed(except ...string) sim.Property {
	return Property("no-activity-failed", func(r *sim.Result) error {
		for _, a := range r.Activities {
			for _, at := range a.Attempts {
				if at.Result != "ok" && !slices.ContainsFunc(except, func(s string) bool { return strings.Contains(at.Result, s) }) {
					return fmt.Errorf("%s (%s) attempt %d ended %s", a.Key, a.Type, at.N, at.Result)
				}
			}
		}
		return nil
	})
}

// stuckWhy says why a stuck run stopped before its budget: a workflow task
// that failed for nondeterminism, which no worker can get past.
func stuckWhy(r *sim.Result) string {
	if f, ok := r.TaskNondeterminism(); ok {
		return fmt.Sprintf(" (the run stopped at %s's workflow task that failed for nondeterminism, which no worker can get past)", f.WorkflowID)
	}
	return ""
}
