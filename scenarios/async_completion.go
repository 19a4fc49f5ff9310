package scenarios

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/sim"
)

// async-completion: a card authorization whose answer comes by webhook.
// The Authorize activity submits the payment to a card processor (which
// authorizes the card at once, keyed by the payment) and hands it its task
// token, then returns activity.ErrResultPending; the processor's webhook
// finishes the attempt through the client 2-40 seconds later, by task
// token or, on half the seeds, by workflow and activity id. A quarter of
// the webhooks are delivered twice; the second delivery is answered
// NotFound, as a server answers it. When a latency fault delays an attempt
// so that its webhook comes after the attempt's one-minute start-to-close
// timeout, the webhook is answered NotFound and the server retries the
// attempt, whose submission the processor recognises by the payment's key;
// when no attempt is completed, the workflow voids the authorization.
//
// Both engines run it: engine 1 answers completions as the server it plays
// (by token and by id, NotFound for a finished or timed-out attempt),
// engine 2 sends them to its in-process server, and realserver to the dev
// server. Heartbeating a pending activity through the client
// (RecordActivityHeartbeat by token) is not offered by World on any
// engine, so the scenario does not do it.
//
// Planted bugs:
//   - bug-keyless-authorization submits without the payment's key, so a
//     retry after a late webhook authorizes the card twice (a latency
//     fault on Authorize);
//   - bug-no-void-on-timeout voids only when Authorize failed with an
//     error, not when it timed out, so an authorization whose webhooks all
//     came late stays on the card (latency faults on every attempt);
//   - bug-provisional-result returns the processor's provisional request
//     reference instead of waiting for the webhook (a logic bug).

// AuthRequest is one card authorization.
type AuthRequest struct {
	PaymentID   string
	Account     string
	AmountCents int64
}

// Callback is one webhook delivery: a completion call and the answer the
// server gave it.
type Callback struct {
	At       time.Duration // virtual offset of the call
	AuthID   string        // the result it carried
	ByID     bool          // sent by workflow and activity id, not by token
	Repeat   bool          // a duplicate delivery
	Accepted bool
	Answer   string // "ok", "not-found", or the error
}

// CardProcessor is a fake card processor whose answers come by webhook, on
// the World's clock: it authorizes at submission (through a payment fake,
// so keys and duplicates are checked) and completes the submitting
// activity later through World.CompleteActivity.
type CardProcessor struct {
	w        *sim.World
	payments *fakes.PaymentService
	byID     bool

	mu        sync.Mutex
	rng       *rand.Rand
	requests  int
	charges   map[string][]string // payment id -> charge ids
	callbacks []Callback
}

// pendingCompletion names the attempt a webhook finishes.
type pendingCompletion struct {
	token              []byte
	wfID, runID, actID string
}

// Submit authorizes req (keyed by key unless key is empty), schedules the
// webhook that will finish the attempt p, and returns the processor's
// provisional reference for the request.
func (cp *CardProcessor) Submit(ctx context.Context, key string, req AuthRequest, p pendingCompletion) (string, error) {
	chargeID, err := cp.payments.Charge(ctx, key, req.Account, req.AmountCents)
	if err != nil {
		return "", err
	}
	cp.mu.Lock()
	cp.requests++
	ref := fmt.Sprintf("req-%d", cp.requests)
	if !slices.Contains(cp.charges[req.PaymentID], chargeID) {
		cp.charges[req.PaymentID] = append(cp.charges[req.PaymentID], chargeID)
	}
	delay := 2*time.Second + time.Duration(cp.rng.Int64N(int64(38*time.Second/time.Millisecond)))*time.Millisecond
	repeat := cp.rng.IntN(4) == 0
	again := 5*time.Second + time.Duration(cp.rng.IntN(10))*time.Second
	cp.mu.Unlock()
	go cp.deliver(p, chargeID, delay, repeat, again)
	return ref, nil
}

// deliver calls the webhook after delay, and again after again when repeat.
func (cp *CardProcessor) deliver(p pendingCompletion, chargeID string, delay time.Duration, repeat bool, again time.Duration) {
	if !cp.wait(delay) {
		return
	}
	cp.complete(p, chargeID, false)
	if repeat && cp.wait(again) {
		cp.complete(p, chargeID, true)
	}
}

// wait waits d on the World's clock; it reports false when the run ended
// first.
func (cp *CardProcessor) wait(d time.Duration) bool {
	t := cp.w.Clock().Timer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-cp.w.Done():
		return false
	}
}

func (cp *CardProcessor) complete(p pendingCompletion, chargeID string, repeat bool) {
	at := cp.w.Since()
	var err error
	if cp.byID {
		err = cp.w.CompleteActivityByID(context.Background(), p.wfID, p.runID, p.actID, chargeID, nil)
	} else {
		err = cp.w.CompleteActivity(context.Background(), p.token, chargeID, nil)
	}
	cb := Callback{At: at, AuthID: chargeID, ByID: cp.byID, Repeat: repeat, Accepted: err == nil, Answer: "ok"}
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		cb.Answer = "not-found"
	case err != nil:
		cb.Answer = err.Error()
	}
	cp.mu.Lock()
	cp.callbacks = append(cp.callbacks, cb)
	cp.mu.Unlock()
}

// Void refunds every authorization made for the payment.
func (cp *CardProcessor) Void(ctx context.Context, paymentID string) error {
	cp.mu.Lock()
	ids := append([]string(nil), cp.charges[paymentID]...)
	cp.mu.Unlock()
	for _, id := range ids {
		if err := cp.payments.Refund(ctx, "void-"+id, id); err != nil {
			return err
		}
	}
	return nil
}

// Callbacks lists the webhook deliveries so far, in time order.
func (cp *CardProcessor) Callbacks() []Callback {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	out := append([]Callback(nil), cp.callbacks...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// AuthActivities holds the activities and the processor; the flags plant
// bugs.
type AuthActivities struct {
	Processor *CardProcessor
	// Keyless submits without the payment's idempotency key.
	Keyless bool
	// Provisional returns the provisional reference as the result.
	Provisional bool
}

// Authorize submits the payment and leaves the attempt to the webhook.
func (a *AuthActivities) Authorize(ctx context.Context, req AuthRequest) (string, error) {
	info := activity.GetInfo(ctx)
	key := "auth-" + req.PaymentID
	if a.Keyless {
		key = ""
	}
	ref, err := a.Processor.Submit(ctx, key, req, pendingCompletion{token: info.TaskToken,
		wfID: info.WorkflowExecution.ID, runID: info.WorkflowExecution.RunID, actID: info.ActivityID})
	if err != nil {
		return "", err
	}
	if a.Provisional {
		return ref, nil
	}
	return "", activity.ErrResultPending
}

// Capture settles the authorization; it takes 15 seconds.
func (a *AuthActivities) Capture(ctx context.Context, authID string) error {
	return waitVirtual(ctx, a.Processor.w.Clock(), 15*time.Second)
}

// Void releases the payment's authorizations; it compensates Authorize.
func (a *AuthActivities) Void(ctx context.Context, req AuthRequest) error {
	return a.Processor.Void(ctx, req.PaymentID)
}
