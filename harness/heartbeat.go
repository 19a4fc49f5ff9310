package harness

import (
	"context"
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"

	"github.com/temporalsim/temporalsim/sim"
)

// The trace events TrackHeartbeats adds, one per call, in the attempt's
// own events. Detail is the details as JSON.
const (
	HeartbeatOffered = "hb.offered" // the attempt started with details from an earlier one
	HeartbeatRead    = "hb.read"    // the activity read the details (GetHeartbeatDetails)
	HeartbeatSent    = "hb.sent"    // the activity heartbeated (RecordHeartbeat)
)

// TrackHeartbeats adds an interceptor to w that records in the trace
// which attempts were handed heartbeat details, which read them, and what
// each heartbeat sent, for RetryResumedFromHeartbeat. Call it in Setup.
func TrackHeartbeats(w *sim.World) { w.AddInterceptor(&hbTracker{}) }

type hbTracker struct {
	interceptor.WorkerInterceptorBase
}

func (h *hbTracker) InterceptActivity(ctx context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &hbInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type hbInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

func (i *hbInbound) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	return i.Next.Init(&hbOutbound{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: outbound}})
}

func (i *hbInbound) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if !activity.IsActivity(ctx) || activity.GetInfo(ctx).IsLocalActivity {
		return i.Next.ExecuteActivity(ctx, in)
	}
	if activity.HasHeartbeatDetails(ctx) {
		sim.Emit(ctx, sim.Event{Kind: HeartbeatOffered, Name: activity.GetInfo(ctx).ActivityType.Name})
	}
	return i.Next.ExecuteActivity(ctx, in)
}

type hbOutbound struct {
	interceptor.ActivityOutboundInterceptorBase
}

func (o *hbOutbound) RecordHeartbeat(ctx context.Context, details ...any) {
	sim.Emit(ctx, sim.Event{Kind: HeartbeatSent, Name: activity.GetInfo(ctx).ActivityType.Name, Detail: detailsJSON(details)})
	o.Next.RecordHeartbeat(ctx, details...)
}

func (o *hbOutbound) GetHeartbeatDetails(ctx context.Context, d ...any) error {
	err := o.Next.GetHeartbeatDetails(ctx, d...)
	if err == nil {
		sim.Emit(ctx, sim.Event{Kind: HeartbeatRead, Name: activity.GetInfo(ctx).ActivityType.Name, Detail: detailsJSON(d)})
	}
	return err
}

// detailsJSON renders heartbeat details (or pointers to them) as JSON;
// encoding/json sorts map keys, so the same details give the same text.
func detailsJSON(details []any) string {
	b, err := json.Marshal(details)
	if err != nil {
		return fmt.Sprintf("unencodable: %v", err)
	}
	return string(b)
}

// RetryResumedFromHeartbeat holds when every retry of the activity that
// was handed heartbeat details read them before it heartbeated, and its
// first heartbeat did not go back from them (compared when both are a
// single number, as progress counters are). Setup must call
// TrackHeartbeats; without it the property fails saying so, as soon as
// the activity retried after heartbeating.
//
//	Setup: func(w *sim.World) sim.Case { harness.TrackHeartbeats(w); ... }
//	Properties: []sim.Property{harness.RetryResumedFromHeartbeat("Upload")}
func RetryResumedFromHeartbeat(activity string) sim.Property {
	return Property("retry-resumed-from-heartbeat:"+activity, func(r *sim.Result) error {
		tracked := false
		byAttempt := map[string][]sim.Event{} // key/attempt -> its tracking events
		heartbeated := map[string]bool{}      // keys the server got a heartbeat for
		for _, e := range r.Events {
			switch e.Kind {
			case HeartbeatOffered, HeartbeatRead, HeartbeatSent:
				tracked = true
				k := fmt.Sprintf("%s/%d", e.ID, e.Attempt)
				byAttempt[k] = append(byAttempt[k], e)
			case "act.heartbeat":
				heartbeated[e.ID] = heartbeated[e.ID] || e.Name == activity
			}
		}
		for _, a := range r.Activities {
			if a.Type != activity || len(a.Attempts) < 2 {
				continue
			}
			if !tracked && heartbeated[a.Key] {
				return fmt.Errorf("%s retried after heartbeating, but no heartbeat was tracked: call harness.TrackHeartbeats(w) in Setup", activity)
			}
			for _, at := range a.Attempts[1:] {
				if err := resumed(byAttempt[fmt.Sprintf("%s/%d", a.Key, at.N)], at.Result == "ok"); err != nil {
					return fmt.Errorf("%s attempt %d (%s) %w", activity, at.N, a.Key, err)
				}
			}
		}
		return nil
	})
}

// resumed checks one attempt's tracking events, in trace order. An
// attempt that neither read nor heartbeated may have failed before the
// activity's code ran (an injected error, a crash), so only one that
// completed must have read the details.
func resumed(es []sim.Event, completed bool) error {
	if len(es) == 0 || es[0].Kind != HeartbeatOffered {
		return nil // nothing handed on: nothing to resume from
	}
	var read *sim.Event
	for i, e := range es[1:] {
		switch {
		case e.Kind == HeartbeatRead && read == nil:
			read = &es[1+i]
		case e.Kind == HeartbeatSent && read == nil:
			return fmt.Errorf("was handed heartbeat details but heartbeated %s without reading them", e.Detail)
		case e.Kind == HeartbeatSent:
			if from, to, ok := numbers(read.Detail, e.Detail); ok && to < from {
				return fmt.Errorf("read heartbeat details %s but then heartbeated %s: it went back", read.Detail, e.Detail)
			}
			return nil
		}
	}
	if read == nil && completed {
		return fmt.Errorf("was handed heartbeat details and completed without reading them")
	}
	return nil
}

// numbers reads two JSON detail lists of one number each.
func numbers(a, b string) (x, y float64, ok bool) {
	var xs, ys []float64
	if json.Unmarshal([]byte(a), &xs) != nil || json.Unmarshal([]byte(b), &ys) != nil || len(xs) != 1 || len(ys) != 1 {
		return 0, 0, false
	}
	return xs[0], ys[0], true
}
