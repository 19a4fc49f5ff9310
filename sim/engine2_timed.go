package sim

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// Engine 2 carries out the plan's timed faults as production sees them:
// workflow cancel, signal, update and query are client calls the driver
// makes at the fault's virtual time; worker shutdown and crash act on the
// real worker (engine2_workers.go). What each call returned becomes the
// same trace events engine 1 writes, placed at the instants the server's
// histories give where they have one.

// timedGrace is how much virtual time calls still held when the workflow
// closes get before the driver cancels them.
const timedGrace = time.Minute

// e2timed is the state of the timed faults of one run.
type e2timed struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed chan struct{} // closed when the workflow has closed

	mu      sync.Mutex
	timers  []*time.Timer
	events  []e2timedEvent
	updates map[string]updateCall // update id -> what the call returned
	// cancelRequested is set once a cancel request reached the open run.
	cancelRequested bool
}

type e2timedEvent struct {
	at time.Time
	id int
	ev Event
}

// updateCall is an update fault's call and what it returned.
type updateCall struct {
	f   Fault
	at  time.Time // when it returned
	err error
}

func (t *e2timed) add(at time.Time, f Fault, ev Event) {
	t.mu.Lock()
	t.events = append(t.events, e2timedEvent{at: at, id: f.ID, ev: ev})
	t.mu.Unlock()
}

// armTimed sets a timer for each timed fault of the plan; it runs once the
// workflow has started, as engine 1 fires a fault at 0 just after the start.
func (r *engine2Run) armTimed() error {
	ctx, cancel := context.WithCancel(context.Background())
	r.timed = &e2timed{ctx: ctx, cancel: cancel, updates: map[string]updateCall{}, closed: make(chan struct{})}
	if fs := workerFaults(r.w.plan); len(fs) > 0 {
		// One goroutine, so faults of one instant act in the plan's order.
		r.timed.wg.Add(1)
		go func() {
			defer r.timed.wg.Done()
			r.runWorkerFaults(fs)
		}()
	}
	for _, f := range r.w.plan.Faults {
		var fire func()
		switch f.Kind {
		case WorkflowCancel:
			fire = func() { r.cancelWorkflow(f) }
		case Signal, Update, Query:
			args, err := r.w.decode(f.Target, f.Value)
			if err != nil {
				cancel()
				return fmt.Errorf("fault f%d: %w", f.ID, err)
			}
			fire = map[Kind]func(){Signal: func() { r.signal(f, args) }, Update: func() { r.update(f, args) },
				Query: func() { r.query(f, args) }}[f.Kind]
		case CacheEviction, WorkflowTaskFailure, WorkflowTaskTimeout:
			fire = func() { r.replayFault(f) } // engine2_replay.go
		default:
			continue
		}
		r.timed.wg.Add(1)
		r.timed.timers = append(r.timed.timers, time.AfterFunc(time.Until(r.w.origin.Add(f.At)), func() {
			defer r.timed.wg.Done()
			fire()
		}))
	}
	return nil
}

// disarmTimed stops the faults that have not fired once the workflow has
// closed, gives the calls still held timedGrace to be answered, then
// cancels them; it returns when every fault's goroutine has ended.
func (r *engine2Run) disarmTimed() {
	t := r.timed
	if t == nil {
		return
	}
	t.mu.Lock()
	close(t.closed)
	for _, tm := range t.timers {
		if tm.Stop() {
			t.wg.Done()
		}
	}
	t.mu.Unlock()
	ended := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(ended)
	}()
	grace := time.NewTimer(timedGrace)
	defer grace.Stop()
	select {
	case <-ended:
	case <-grace.C:
	}
	t.cancel()
	<-ended
}

// reachedOpenRun reports whether a client call reached the open workflow:
// a call that found it closed did nothing, as engine 1 fires no fault once
// the workflow has completed.
func reachedOpenRun(err error) bool {
	var nf *serviceerror.NotFound
	return !errors.As(err, &nf) && !errors.Is(err, context.Canceled)
}

func (r *engine2Run) cancelWorkflow(f Fault) {
	at := time.Now()
	if err := r.c.CancelWorkflow(r.timed.ctx, r.wfID, ""); err != nil {
		return
	}
	r.w.fire(f.ID)
	r.timed.mu.Lock()
	r.timed.cancelRequested = true
	r.timed.mu.Unlock()
	r.timed.add(at, f, Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind)})
}

func (r *engine2Run) signal(f Fault, args []any) {
	at := time.Now()
	var err error
	if len(args) <= 1 {
		var arg any
		if len(args) == 1 {
			arg = args[0]
		}
		err = r.c.SignalWorkflow(r.timed.ctx, r.wfID, "", f.Target, arg)
	} else {
		err = r.signalArgs(f, args)
	}
	if err != nil {
		if reachedOpenRun(err) {
			r.timed.add(at, f, Event{Kind: "signal.unsent", Fault: f.ID, Name: f.Target, Result: resultName(err)})
		}
		return
	}
	r.w.fire(f.ID)
	r.timed.add(at, f, Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind), Detail: f.Target})
}

// signalArgs sends a signal with several arguments, which the client's
// SignalWorkflow cannot, as the request the SDK would build.
func (r *engine2Run) signalArgs(f Fault, args []any) error {
	p, err := r.w.DataConverter().ToPayloads(args...)
	if err != nil {
		return err
	}
	_, err = r.c.WorkflowService().SignalWorkflowExecution(r.timed.ctx, &workflowservice.SignalWorkflowExecutionRequest{
		Namespace: "default", WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: r.wfID},
		SignalName: f.Target, Input: p, Identity: "sim-client",
	})
	return err
}

func (r *engine2Run) update(f Fault, args []any) {
	id := fmt.Sprintf("f%d", f.ID)
	fired := time.Now()
	h, err := r.c.UpdateWorkflow(r.timed.ctx, client.UpdateWorkflowOptions{WorkflowID: r.wfID, UpdateID: id,
		UpdateName: f.Target, Args: args, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(r.timed.ctx, nil)
	}
	r.timed.mu.Lock()
	r.timed.updates[id] = updateCall{f: f, at: time.Now(), err: err}
	r.timed.mu.Unlock()
	if reachedOpenRun(err) {
		r.w.fire(f.ID)
		r.timed.add(fired, f, Event{Kind: "fault", Fault: f.ID, Name: string(f.Kind), Detail: f.Target})
	}
}

func (r *engine2Run) query(f Fault, args []any) {
	v, err := r.c.QueryWorkflow(r.timed.ctx, r.wfID, "", f.Target, args...)
	if !reachedOpenRun(err) {
		return
	}
	r.w.fire(f.ID)
	ev := Event{Kind: "query", Name: f.Target, Fault: f.ID, Result: resultName(err)}
	if err == nil {
		ev.Detail = encodedJSON(v)
	}
	// The answer is the state the worker had when it answered.
	r.timed.add(time.Now(), f, ev)
}

// timedEvents are the timed faults' trace events up to the workflow's
// close, in time then fault order, and the update events the histories
// hold; engine 1 fires nothing once the workflow has completed.
func (r *engine2Run) timedEvents(closed time.Time, stuck bool) []e2timedEvent {
	t := r.timed
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []e2timedEvent
	for _, e := range t.events {
		if stuck || !e.at.After(closed) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].at.Equal(out[j].at) {
			return out[i].at.Before(out[j].at)
		}
		return out[i].id < out[j].id
	})
	return out
}
