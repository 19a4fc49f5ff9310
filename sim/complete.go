package sim

import (
	"context"
	"errors"
)

// Async activity completion: an activity hands its task token
// (activity.GetInfo(ctx).TaskToken) to some other system and returns
// activity.ErrResultPending; that system later finishes the attempt
// through the client. World.CompleteActivity is that client call on every
// engine (see docs/architecture.md): engine 1 answers it as the server it
// plays, engine 2 sends it to its in-process server, and a run against a
// real server sends it through the run's client.

// ActivityCompleter finishes activities that returned
// activity.ErrResultPending. A go.temporal.io/sdk client.Client is one.
type ActivityCompleter interface {
	CompleteActivity(ctx context.Context, taskToken []byte, result any, err error) error
	CompleteActivityByID(ctx context.Context, namespace, workflowID, runID, activityID string, result any, err error) error
}

// Done is closed when the run is over, before its properties are checked.
// Goroutines a scenario starts on its own (a fake's webhook waiting to be
// delivered) must return once it is closed: a virtual-time bubble cannot
// end while any of its goroutines waits.
func (w *World) Done() <-chan struct{} { return w.done }

// End closes Done. The engines call it when a run is over; a caller that
// runs a scenario's Setup on NewWorld calls it when its run is over.
func (w *World) End() { w.endOnce.Do(func() { close(w.done) }) }

// errNoCompleter is what CompleteActivity answers on a World no engine or
// client completes activities for.
var errNoCompleter = errors.New("sim: this World has no activity completer: the engine sets one; outside it, call SetActivityCompleter with the run's client")

// SetActivityCompleter sets what CompleteActivity and CompleteActivityByID
// call, and the namespace ById calls name. The engines set their own; a
// caller running a scenario's Setup against a real server (NewWorld) passes
// its client.Client.
func (w *World) SetActivityCompleter(c ActivityCompleter, namespace string) {
	w.completerMu.Lock()
	w.completer, w.namespace = c, namespace
	w.completerMu.Unlock()
}

func (w *World) activityCompleter() (ActivityCompleter, string) {
	w.completerMu.Lock()
	defer w.completerMu.Unlock()
	return w.completer, w.namespace
}

// CompleteActivity finishes the activity attempt whose task token is
// taskToken, with result when err is nil, or with err, as
// client.Client.CompleteActivity does. As on a server, it answers a
// *serviceerror.NotFound when that attempt is over: it was completed
// already, it timed out (a retry has a new token), or its workflow closed.
// Call it from code that runs on the World's clock (a fake's goroutine),
// never from workflow code.
func (w *World) CompleteActivity(ctx context.Context, taskToken []byte, result any, err error) error {
	c, _ := w.activityCompleter()
	if c == nil {
		return errNoCompleter
	}
	return c.CompleteActivity(ctx, taskToken, result, err)
}

// CompleteActivityByID finishes the running attempt of activity
// activityID of the workflow (its current run when runID is empty), as
// client.Client.CompleteActivityByID does: it names no attempt, so it
// finishes whichever attempt runs, and answers NotFound when none does
// (between attempts, after the activity ended, after the workflow closed).
func (w *World) CompleteActivityByID(ctx context.Context, workflowID, runID, activityID string, result any, err error) error {
	c, ns := w.activityCompleter()
	if c == nil {
		return errNoCompleter
	}
	return c.CompleteActivityByID(ctx, ns, workflowID, runID, activityID, result, err)
}
