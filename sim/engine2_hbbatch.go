package sim

import (
	"context"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"google.golang.org/grpc"
)

// The SDK batches an attempt's heartbeats: after each one it sends, it
// holds the next ones for a throttle interval (80% of the heartbeat
// timeout, else 30s, at most 60s) and then sends the last held details
// from a timer goroutine of its own. When an activity heartbeats at the
// very instant that window ends, the two goroutines race for the SDK's
// lock, and which details reach the server (and when) depends on which
// runs first; after a crash the retry resumes from those details. So a
// heartbeat made at the instant a window of its attempt ends waits one
// virtual nanosecond first: the bubble's clock moves only once the
// SDK's goroutine has sent what it held, so it always wins (see
// docs/architecture.md).

// hbWindows notes, per task token, when the worker sent its last two
// heartbeats (each opens a batch window). Two, because the batch goroutine's own
// send at the instant a window ends opens the next window: the check
// must give the same answer whether it runs before or after that send.
type hbWindows struct {
	mu   sync.Mutex
	sent map[string][2]time.Time
}

// throttle is the SDK's heartbeat throttle interval for a heartbeat
// timeout (internal_task_handlers.go getHeartbeatThrottleInterval, with
// the worker's defaults).
func throttle(timeout time.Duration) time.Duration {
	d := 30 * time.Second
	if timeout > 0 {
		d = time.Duration(0.8 * float64(timeout))
	}
	return min(d, 60*time.Second)
}

// note is a client interceptor that records heartbeat sends.
func (h *hbWindows) note(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	hb, ok := req.(*workflowservice.RecordActivityTaskHeartbeatRequest)
	if !ok {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	at := time.Now()
	err := invoker(ctx, method, req, reply, cc, opts...)
	if err != errCrashed {
		h.mu.Lock()
		if h.sent == nil {
			h.sent = map[string][2]time.Time{}
		}
		tok := string(hb.GetTaskToken())
		h.sent[tok] = [2]time.Time{h.sent[tok][1], at}
		h.mu.Unlock()
	}
	return err
}

// settle lets the SDK's batch goroutine go first when the attempt's
// heartbeat window ends now.
func (h *hbWindows) settle(ctx context.Context) {
	if h == nil {
		return
	}
	info := activity.GetInfo(ctx)
	if info.IsLocalActivity {
		return
	}
	h.mu.Lock()
	sent := h.sent[string(info.TaskToken)]
	h.mu.Unlock()
	now, d := time.Now(), throttle(info.HeartbeatTimeout)
	for _, at := range sent {
		if !at.IsZero() && at.Add(d).Equal(now) {
			time.Sleep(time.Nanosecond)
			return
		}
	}
}
