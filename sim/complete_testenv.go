package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
)

// Engine 1 plays the server for activities, so it answers async
// completions itself: every attempt gets a task token of its own (the test
// environment's names the activity, not the attempt, and its
// CompleteActivity ignores a second completion instead of answering
// NotFound), and a completion is accepted only while that attempt runs and
// before its deadline, as a server applies a timeout due at the same
// instant before the call.

// asyncSlot is one attempt an external completer may finish.
type asyncSlot struct {
	token    string
	deadline time.Time // zero: none
	ch       chan attemptEnd

	mu   sync.Mutex
	over bool // completed, or decided by the engine
}

func attemptToken(run *activityRun, n int) string {
	return fmt.Sprintf("temporalsim-attempt/%s/%d", run.key, n)
}

// openSlot makes attempt n of run completable by token and by id.
func (e *engine) openSlot(run *activityRun, n int, deadline time.Time) *asyncSlot {
	s := &asyncSlot{token: attemptToken(run, n), deadline: deadline, ch: make(chan attemptEnd, 1)}
	e.mu.Lock()
	e.async[s.token] = s
	e.mu.Unlock()
	run.mu.Lock()
	run.slot = s
	run.mu.Unlock()
	return s
}

// closeSlot ends the attempt's completability once the engine decided it.
func (e *engine) closeSlot(run *activityRun, s *asyncSlot) {
	s.mu.Lock()
	s.over = true
	s.mu.Unlock()
	e.mu.Lock()
	delete(e.async, s.token)
	e.mu.Unlock()
	run.mu.Lock()
	if run.slot == s {
		run.slot = nil
	}
	run.mu.Unlock()
}

// complete hands the completer's result to the attempt, once.
func (s *asyncSlot) complete(res any, err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.over || (!s.deadline.IsZero() && !time.Now().Before(s.deadline)) {
		return serviceerror.NewNotFound("activity task not found")
	}
	s.over = true
	s.ch <- attemptEnd{res: res, err: err, async: true}
	return nil
}

// awaitCompletion is what an attempt that returned ErrResultPending waits
// for: the completer's result, or the engine's decision (a timeout, the
// run's end), after which its value is not read.
func (s *asyncSlot) awaitCompletion(at *attempt, end attemptEnd) attemptEnd {
	if !errors.Is(end.err, activity.ErrResultPending) {
		return end
	}
	select {
	case r := <-s.ch:
		return r
	case <-at.done:
		return end
	}
}

// engineCompleter is engine 1's ActivityCompleter.
type engineCompleter struct{ e *engine }

func (c engineCompleter) CompleteActivity(_ context.Context, token []byte, res any, err error) error {
	e := c.e
	if e.workflowClosed() {
		return serviceerror.NewNotFound("workflow execution already completed")
	}
	e.mu.Lock()
	s := e.async[string(token)]
	e.mu.Unlock()
	if s == nil {
		return serviceerror.NewNotFound("activity task not found")
	}
	return s.complete(res, err)
}

func (c engineCompleter) CompleteActivityByID(_ context.Context, _, wfID, runID, actID string, res any, err error) error {
	e := c.e
	if e.workflowClosed() {
		return serviceerror.NewNotFound("workflow execution not found or already completed")
	}
	e.mu.Lock()
	var run *activityRun
	for _, id := range sortedKeys(e.bySDKID) {
		// Workflow ids may hold slashes (a planted bug's); run ids do not.
		rest, ok := strings.CutPrefix(id, wfID+"/")
		r, a, _ := strings.Cut(rest, "/")
		if ok && (runID == "" || r == runID) && a == actID {
			run = e.bySDKID[id]
		}
	}
	e.mu.Unlock()
	if run == nil {
		return serviceerror.NewNotFound("activity task not found")
	}
	run.mu.Lock()
	s := run.slot
	run.mu.Unlock()
	if s == nil {
		return serviceerror.NewNotFound("activity task not found")
	}
	return s.complete(res, err)
}
