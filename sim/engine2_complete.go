package sim

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
)

// On engine 2 an async completion is a real client call to the in-process
// server. The worker saw the attempt end when the activity returned
// ErrResultPending; the trace wants when the server ended it, so the
// completer notes each completion the server accepted, by attempt, for
// engine2_trace.go.

// asyncEnd is how a completer ended an attempt.
type asyncEnd struct {
	at  time.Time
	err error
}

// e2completer is engine 2's ActivityCompleter: the run's client, noting
// what the server accepted.
type e2completer struct {
	c   client.Client
	obs *attemptObserver
}

func (c e2completer) CompleteActivity(ctx context.Context, token []byte, res any, err error) error {
	// The server stamps the completion with the instant of the call.
	at := time.Now()
	if cerr := c.c.CompleteActivity(ctx, token, res, err); cerr != nil {
		return cerr
	}
	c.obs.mu.Lock()
	if id, ok := c.obs.tokens[string(token)]; ok {
		c.obs.asyncEnds[id] = asyncEnd{at: at, err: err}
	}
	c.obs.mu.Unlock()
	return nil
}

func (c e2completer) CompleteActivityByID(ctx context.Context, ns, wfID, runID, actID string, res any, err error) error {
	at := time.Now()
	if cerr := c.c.CompleteActivityByID(ctx, ns, wfID, runID, actID, res, err); cerr != nil {
		return cerr
	}
	c.obs.mu.Lock()
	// The server finished the attempt that ran: the latest one started.
	if id, ok := c.obs.latest[wfID+"/"+runID+"/"+actID]; ok {
		c.obs.asyncEnds[id] = asyncEnd{at: at, err: err}
	} else if id, ok := c.obs.latest[wfID+"//"+actID]; ok && runID == "" {
		c.obs.asyncEnds[id] = asyncEnd{at: at, err: err}
	}
	c.obs.mu.Unlock()
	return nil
}

// noteStart remembers an attempt's token and makes it the activity's
// latest, for completions that come before or after it returns.
func (o *attemptObserver) noteStart(info activity.Info) {
	if info.IsLocalActivity {
		return
	}
	id := attemptID(info.WorkflowExecution.RunID, info.ActivityID, int(info.Attempt))
	o.mu.Lock()
	o.tokens[string(info.TaskToken)] = id
	o.latest[info.WorkflowExecution.ID+"/"+info.WorkflowExecution.RunID+"/"+info.ActivityID] = id
	// ById calls may name no run: the workflow's current one.
	o.latest[info.WorkflowExecution.ID+"//"+info.ActivityID] = id
	o.mu.Unlock()
}

// settleAsync replaces a pending attempt's end with the completer's, when
// the server accepted one for it.
func (o *attemptObserver) settleAsync(at *observedAttempt) {
	if !errors.Is(at.err, activity.ErrResultPending) {
		return
	}
	o.mu.Lock()
	end, ok := o.asyncEnds[attemptID(at.runID, at.actID, at.n)]
	o.mu.Unlock()
	if ok {
		at.end, at.err = end.at, end.err
	}
}
