package sim

import (
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// scheduleTimedFaults arms the plan's timed faults on the event loop.
// Each runs as an event-loop callback at its virtual time, after workflow
// time is brought up to date. A fault at 0 fires just after the workflow
// starts (the SDK cannot signal a workflow that has not started).
func (e *engine) scheduleTimedFaults() error {
	for _, f := range e.w.plan.Faults {
		var fire func()
		switch f.Kind {
		case WorkflowCancel:
			fire = func() {
				e.trace.add(time.Now(), Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind)})
				e.cancelRequested = true
				e.env.CancelWorkflow()
			}
		case Signal:
			args, err := e.w.decode(f.Target, f.Value)
			if err != nil {
				return fmt.Errorf("fault f%d: %w", f.ID, err)
			}
			fire = func() { e.sendSignal(f, args) }
		case Update:
			args, err := e.w.decode(f.Target, f.Value)
			if err != nil {
				return fmt.Errorf("fault f%d: %w", f.ID, err)
			}
			fire = func() { e.sendUpdate(f, args) }
		case Query:
			args, err := e.w.decode(f.Target, f.Value)
			if err != nil {
				return fmt.Errorf("fault f%d: %w", f.ID, err)
			}
			fire = func() { e.sendQuery(f, args) }
		case WorkerShutdown, WorkerCrash:
			fire = func() { e.shutdownWorker(f) }
		case CodecFailure:
			fire = func() {
				e.trace.add(time.Now(), Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind), Detail: "window " + f.Dur.String() + " " + f.Target})
			}
		default:
			continue
		}
		at := max(f.At, time.Nanosecond)
		e.env.RegisterDelayedCallback(func() {
			if e.env.IsWorkflowCompleted() {
				return
			}
			e.hooks.sync()
			e.w.fire(f.ID)
			fire()
		}, at)
	}
	return nil
}

// signalToken starts the stand-in argument of a signal sent with several
// arguments (see sendSignal).
const signalToken = "temporalsim-signal-args:"

// sendSignal signals the workflow. The test environment sends one
// argument; a signal with several is sent with a stand-in token that the
// engine's outermost workflow interceptor swaps for the real arguments,
// so every user interceptor and the workflow see them all.
func (e *engine) sendSignal(f Fault, args []any) {
	e.trace.add(time.Now(), Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind), Detail: f.Target})
	var arg any
	switch {
	case len(args) == 1:
		arg = args[0]
	case len(args) > 1:
		p, err := e.w.dc.ToPayloads(args...)
		if err != nil {
			e.trace.add(time.Now(), Event{Kind: "signal.unsent", Fault: f.ID, Name: f.Target, Result: "encode-error"})
			return
		}
		token := signalToken + "f" + itoa(f.ID)
		e.mu.Lock()
		e.signalArgs[token] = p
		e.mu.Unlock()
		arg = token
	}
	e.env.SignalWorkflow(f.Target, arg)
}

// signalArgsFor returns the arguments a stand-in token sent by sendSignal
// stands for, or nil when p is an ordinary signal argument.
func (e *engine) signalArgsFor(p *commonpb.Payloads) *commonpb.Payloads {
	if len(p.GetPayloads()) != 1 {
		return nil
	}
	var token string
	if e.w.dc.FromPayloads(p, &token) != nil || !strings.HasPrefix(token, signalToken) {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	args := e.signalArgs[token]
	delete(e.signalArgs, token)
	return args
}

func (e *engine) sendUpdate(f Fault, args []any) {
	id := fmt.Sprintf("f%d", f.ID)
	e.trace.add(time.Now(), Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind), Detail: f.Target})
	e.env.UpdateWorkflow(f.Target, id, &testsuite.TestUpdateCallback{
		OnAccept: func() { e.trace.add(time.Now(), Event{Kind: "update.accepted", Name: f.Target, ID: id, Fault: f.ID}) },
		OnReject: func(err error) {
			e.trace.add(time.Now(), Event{Kind: "update.rejected", Name: f.Target, ID: id, Fault: f.ID, Result: resultName(err)})
		},
		OnComplete: func(v any, err error) {
			e.trace.add(time.Now(), Event{Kind: "update.completed", Name: f.Target, ID: id, Fault: f.ID, Result: resultName(err)})
		},
	}, args...)
}

func (e *engine) sendQuery(f Fault, args []any) {
	v, err := e.env.QueryWorkflow(f.Target, args...)
	ev := Event{Kind: "query", Name: f.Target, Fault: f.ID, Result: resultName(err)}
	if err == nil {
		ev.Detail = encodedJSON(v)
	}
	e.trace.add(time.Now(), ev)
}

func encodedJSON(v converter.EncodedValue) string {
	if v == nil || !v.HasValue() {
		return ""
	}
	var x any
	if err := v.Get(&x); err != nil {
		return "undecodable"
	}
	return jsonString(x)
}

// shutdownWorker stops the current worker incarnation and starts the
// next, which serves everything that starts from now on. A shutdown is
// worker.Stop: the stop channel closes now and the running attempts'
// contexts are cancelled after the grace period; each attempt still
// reports how it ended (after the cancellation, as a plain failure, which
// the server retries after its backoff). A crash is the process dying:
// the running attempts' heartbeats and results never reach the server,
// which notices through their heartbeat or start-to-close timeouts.
func (e *engine) shutdownWorker(f Fault) {
	e.mu.Lock()
	old := e.gen
	e.gen = newWorkerGen(old.n + 1)
	e.mu.Unlock()
	old.fault = f.ID
	if f.Kind == WorkerCrash {
		old.crashed = true // a dead process sees no stop channel close
		close(old.kill)
		e.trace.add(time.Now(), Event{Kind: "worker.crash", Fault: f.ID, Detail: "worker=" + itoa(old.n)})
		return
	}
	close(old.stop)
	e.trace.add(time.Now(), Event{Kind: "worker.stop", Fault: f.ID, Detail: fmt.Sprintf("worker=%d grace=%s next=%d", old.n, f.Dur, old.n+1)})
	kill := func() {
		e.trace.add(time.Now(), Event{Kind: "worker.kill", Fault: f.ID, Detail: "worker=" + itoa(old.n)})
		close(old.kill)
	}
	if f.Dur == 0 {
		kill()
		return
	}
	e.env.RegisterDelayedCallback(func() { e.hooks.sync(); kill() }, f.Dur)
}

// listen records timers and child workflows from the SDK's listeners,
// which run on the event loop.
func (e *engine) listen() {
	e.env.SetOnActivityCanceledListener(e.activityCanceled)
	e.env.SetOnTimerScheduledListener(func(id string, d time.Duration) {
		e.trace.add(time.Now(), Event{Kind: "timer.start", Name: id, Detail: d.String()})
	})
	e.env.SetOnTimerFiredListener(func(id string) {
		e.hooks.sync()
		e.trace.add(time.Now(), Event{Kind: "timer.fire", Name: id})
	})
	e.env.SetOnTimerCanceledListener(func(id string) {
		e.trace.add(time.Now(), Event{Kind: "timer.cancel", Name: id})
	})
	e.env.SetOnChildWorkflowCompletedListener(func(info *workflow.Info, _ converter.EncodedValue, err error) {
		e.trace.add(time.Now(), Event{Kind: "child.end", WF: info.WorkflowExecution.ID, Name: info.WorkflowType.Name, Result: resultName(err)})
	})
}
