package scenarios

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// concurrent-timers: several recurring timers of different periods run
// side by side for a fixed horizon; each firing sends a notification. A
// timer is re-armed the moment it fires, before its notification is even
// scheduled, so a slow or failing notification never shifts the schedule:
// each firing of a timer of period P comes exactly P after it was armed.

// RecurringTimer fires every Period.
type RecurringTimer struct {
	Name   string
	Period time.Duration
}

var (
	recurringTimers = []RecurringTimer{{"health", 7 * time.Minute}, {"report", 15 * time.Minute}, {"digest", time.Hour}}
	timersHorizon   = 3 * time.Hour
)

// TimerActivities sends the notifications.
type TimerActivities struct {
	Inbox *fakes.NotificationSink
}

// Notify tells the operators that timer fired for the k-th time.
func (a *TimerActivities) Notify(ctx context.Context, timer string, k int) error {
	return a.Inbox.Send(ctx, "ops", timer, strconv.Itoa(k))
}

// TimersWorkflow runs every timer until the horizon and returns how many
// notifications failed (they are best effort).
func TimersWorkflow(ctx workflow.Context, timers []RecurringTimer, horizon time.Duration) (int, error) {
	return runTimers(ctx, timers, horizon, fireEvery)
}

// fireEvery arms t's timer again each time it fires.
func fireEvery(ctx workflow.Context, t RecurringTimer, horizon time.Duration, fired func(k int)) {
	for k := 1; time.Duration(k)*t.Period <= horizon; k++ {
		if workflow.NewTimer(ctx, t.Period).Get(ctx, nil) != nil {
			return
		}
		fired(k)
	}
}

// fireOnceArmed is fireEvery with the planted bug: the timer is created
// once, outside the loop, so after the first firing every wait returns at
// once and the timer is never re-armed.
func fireOnceArmed(ctx workflow.Context, t RecurringTimer, horizon time.Duration, fired func(k int)) {
	timer := workflow.NewTimer(ctx, t.Period)
	for k := 1; time.Duration(k)*t.Period <= horizon; k++ {
		if timer.Get(ctx, nil) != nil {
			return
		}
		fired(k)
	}
}

type timerLoop func(ctx workflow.Context, t RecurringTimer, horizon time.Duration, fired func(k int))

// runTimers runs one loop per timer, scheduling a notification per firing
// without waiting for it, then waits for every notification.
func runTimers(ctx workflow.Context, timers []RecurringTimer, horizon time.Duration, loop timerLoop) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
	var sent []workflow.Future
	wg := workflow.NewWaitGroup(ctx)
	for _, t := range timers {
		wg.Add(1)
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer wg.Done()
			loop(ctx, t, horizon, func(k int) {
				sent = append(sent, workflow.ExecuteActivity(ctx, "Notify", t.Name, k))
			})
		})
	}
	wg.Wait(ctx)
	failed := 0
	for _, f := range sent {
		if f.Get(ctx, nil) != nil {
			failed++
		}
	}
	return failed, nil
}

// timersFailOnLostNotification is TimersWorkflow with a planted bug: a
// notification that fails for good fails the workflow, though
// notifications are best effort.
func timersFailOnLostNotification(ctx workflow.Context, timers []RecurringTimer, horizon time.Duration) (int, error) {
	failed, err := runTimers(ctx, timers, horizon, fireEvery)
	if err == nil && failed > 0 {
		return failed, temporal.NewApplicationError(fmt.Sprintf("%d notifications failed", failed), "NotifyFailed")
	}
	return failed, err
}

// timersOnceArmed is TimersWorkflow with the planted bug in its timer loop.
func timersOnceArmed(ctx workflow.Context, timers []RecurringTimer, horizon time.Duration) (int, error) {
	return runTimers(ctx, timers, horizon, fireOnceArmed)
}

// timersFireOnSchedule holds when each timer fired horizon/P times, each
// firing exactly P after the timer was armed. A firing is measured from its
// own timer's start as the trace records it, not from the run's start: a
// re-armed timer starts when the workflow task that handled the firing
// completes, which on a server (engine 2, a real one) is a step after the
// firing, so a schedule counted from the run's start drifts on a correct
// workflow. The trace names timers by the SDK's ids, so firings are matched
// to timers by the duration each timer was armed with; the periods differ.
func timersFireOnSchedule(timers []RecurringTimer, horizon time.Duration) sim.Property {
	return harness.Property("timers-fire-on-schedule", func(r *sim.Result) error {
		armedFor := map[string]string{}       // timer id -> duration
		armedAt := map[string]time.Duration{} // timer id -> when it started
		for _, e := range eventsOf(r, "timer.start") {
			armedFor[e.Name], armedAt[e.Name] = e.Detail, offsetOf(e)
		}
		for _, t := range timers {
			fired := 0
			for _, e := range eventsOf(r, "timer.fire") {
				if armedFor[e.Name] != t.Period.String() {
					continue
				}
				fired++
				if after := offsetOf(e) - armedAt[e.Name]; after != t.Period {
					return fmt.Errorf("timer %s firing %d came %s after the timer started, want %s", t.Name, fired, after, t.Period)
				}
			}
			if n := int(horizon / t.Period); fired != n {
				return fmt.Errorf("timer %s (every %s) fired %d times, want %d", t.Name, t.Period, fired, n)
			}
		}
		return nil
	})
}

// notifiedPerFiring holds when every notification names a real firing, is
// sent no earlier than that firing and only once, and every firing was
// either notified or counted as failed by the workflow.
func notifiedPerFiring(timers []RecurringTimer, horizon time.Duration, inbox *fakes.NotificationSink, origin time.Time) sim.Property {
	return harness.Property("notified-per-firing", func(r *sim.Result) error {
		period := map[string]time.Duration{}
		firings := 0
		for _, t := range timers {
			period[t.Name] = t.Period
			firings += int(horizon / t.Period)
		}
		seen := map[string]bool{}
		for _, m := range inbox.Sent() {
			k, _ := strconv.Atoi(m.Body)
			p := period[m.Subject]
			if p == 0 || k < 1 || time.Duration(k)*p > horizon || seen[m.Subject+"/"+m.Body] {
				return fmt.Errorf("unexpected or repeated notification %s #%s", m.Subject, m.Body)
			}
			seen[m.Subject+"/"+m.Body] = true
			if at := m.At.Sub(origin); at < time.Duration(k)*p {
				return fmt.Errorf("notification %s #%d sent at %s, before its firing at %s", m.Subject, k, at, time.Duration(k)*p)
			}
		}
		if r.Outcome == sim.Completed {
			if got := fmt.Sprint(firings - len(seen)); got != r.Output {
				return fmt.Errorf("%d firings, %d notified, but the workflow counted %s failed", firings, len(seen), r.Output)
			}
		}
		return nil
	})
}

func timersScenario(name, bug string, wf any) *sim.Scenario {
	return &sim.Scenario{
		Name:        name,
		Bug:         bug,
		Description: "recurring timers of 7m, 15m and 1h for 3h, each firing notifies",
		Profile: sim.Profile{
			Kinds:      []sim.Kind{sim.ActivityError, sim.ActivityPanic, sim.Latency, sim.StartToCloseTimeout},
			Activities: []string{"Notify"},
			Window:     timersHorizon,
			MaxCall:    40,
		},
		Properties: harness.Safety(),
		Setup: func(w *sim.World) sim.Case {
			acts := &TimerActivities{Inbox: fakes.NewNotificationSink(w.Clock(), nil, nil)}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "TimersWorkflow"})
			w.RegisterActivity(acts)
			return sim.Case{Workflow: "TimersWorkflow", Args: []any{recurringTimers, timersHorizon}, Properties: []sim.Property{
				harness.Outcomes(sim.Completed),
				harness.Terminates(timersHorizon, time.Hour),
				timersFireOnSchedule(recurringTimers, timersHorizon),
				notifiedPerFiring(recurringTimers, timersHorizon, acts.Inbox, w.Clock().Now().Add(-w.Since())),
			}}
		},
	}
}

func init() {
	register(timersScenario("concurrent-timers", "", TimersWorkflow))
	register(planted(timersScenario("concurrent-timers/bug-not-rearmed",
		"each timer is created once outside its loop, so it is never re-armed: it fires once and every later wait returns at once", timersOnceArmed),
		"timers-fire-on-schedule", "a timer that is never re-armed misses its second firing in every run"))
	register(planted(timersScenario("concurrent-timers/bug-lost-notification-fails",
		"a notification that fails for good fails the whole workflow, though notifications are best effort", timersFailOnLostNotification),
		"outcome", ""))
}
