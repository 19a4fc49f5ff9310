package realserver

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// execute starts the workflow, carries out the timed faults once the
// clock runs, waits for the first execution to close (or the budget to run
// out) and collects the result.
func (r *run) execute(ctx context.Context) (*Result, error) {
	res := &Result{Scenario: r.opts.Scenario.Name, Seed: r.opts.Seed, Plan: r.opts.Plan, Scale: r.clk.Scale(),
		WorkflowID: r.opts.WorkflowID, TaskQueue: r.tq, World: r.world}
	kase := r.kase
	requested := time.Now()
	wr, err := r.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: r.opts.WorkflowID, TaskQueue: r.tq}, kase.Workflow, kase.Args...)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", r.opts.WorkflowID, err)
	}
	res.RunID = wr.GetRunID()

	fctx, stopFaults := context.WithCancel(ctx)
	faultsDone := r.runTimedFaults(fctx, res.RunID)

	wctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	closeErr := r.waitClosed(wctx, res.RunID)
	cancel()
	stuck := closeErr != nil && ctx.Err() == nil
	if stuck {
		r.terminate(ctx, res.RunID, "temporalsim: wall-clock budget of the run spent")
	} else if closeErr != nil {
		stopFaults()
		faultsDone()
		return nil, closeErr
	}
	stopFaults()
	faultsDone()

	h, err := fetchHistory(ctx, r.c, r.opts.WorkflowID, res.RunID)
	if err != nil {
		return nil, err
	}
	res.History = h
	res.Wall = time.Since(requested)
	if err := r.outcome(res, stuck); err != nil {
		return nil, err
	}
	r.cleanUp(ctx, res)
	r.drain(ctx)
	r.close()
	res.Activities = r.in.rec.activities()
	r.mu.Lock()
	res.Faults = slices.Clone(r.fired)
	res.Workers = len(r.workers)
	r.mu.Unlock()
	res.Replays = int(r.replays.Load())
	return res, nil
}

// maxDrain bounds the real time drain waits at the scenario's default
// speed-up. A slower run drains for as much virtual time as that
// (maxDrain times DefaultScale), up to maxSlowDrain of real time: a rerun
// at a third of the speed on a loaded machine would otherwise stop its
// workers while an attempt that the first run and the engine let finish
// still runs, and the attempt would end cancelled instead.
const (
	maxDrain     = 10 * time.Second
	maxSlowDrain = time.Minute
)

// drainBound is the real time drain waits at most.
func (r *run) drainBound() time.Duration {
	virtual := time.Duration(float64(maxDrain) * DefaultScale(r.opts.Scenario))
	bound := max(maxDrain, min(r.clk.Real(virtual), maxSlowDrain))
	return min(r.clk.Real(sim.DrainLimit), bound)
}

// drain waits, once the run is over, for the activity attempts still
// running to end before the workers stop, as workers that go on running
// would let them, and as the engine does: at most sim.DrainLimit of
// virtual time, and at most drainBound of real time. An attempt learns of
// its workflow's close when the server answers its next heartbeat or its
// completion with NotFound; stopping the workers at once would cancel it
// instead. A crashed worker's attempts are not waited for: nothing they
// do reaches the server.
func (r *run) drain(ctx context.Context) {
	deadline := time.Now().Add(r.drainBound())
	for r.in.rec.running(r.in.isCrashed) && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// waitClosed long-polls the first execution's close event.
func (r *run) waitClosed(ctx context.Context, runID string) error {
	for {
		it := r.c.GetWorkflowHistory(ctx, r.opts.WorkflowID, runID, true, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				var nf *serviceerror.NotFound
				if errors.As(err, &nf) {
					return err
				}
				// A long poll that timed out on the server, or a
				// passing error: poll again shortly.
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(20 * time.Millisecond):
				}
				break
			}
			if e != nil {
				return nil
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

func (r *run) terminate(ctx context.Context, runID, reason string) {
	r.terminateExecution(ctx, workflow.Execution{ID: r.opts.WorkflowID, RunID: runID}, reason)
}

func (r *run) terminateExecution(ctx context.Context, e workflow.Execution, reason string) {
	tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = r.c.TerminateWorkflow(tctx, e.ID, e.RunID, reason)
}

// cleanUp terminates what the run leaves open on the server: the engine
// ends a run when its first execution closes, but here the next run of a
// continue-as-new chain or an abandoned child workflow would go on (and
// hold its workflow id against the next recording).
func (r *run) cleanUp(ctx context.Context, res *Result) {
	const reason = "temporalsim: the run is over (only its first execution is recorded)"
	if res.Outcome == sim.ContinuedAsNew {
		r.terminate(ctx, "", reason)
	}
	r.mu.Lock()
	execs := slices.Clone(r.execs)
	r.mu.Unlock()
	for _, e := range execs {
		if e.ID != r.opts.WorkflowID || e.RunID != res.RunID {
			r.terminateExecution(ctx, e, reason)
		}
	}
}

// runTimedFaults carries out the plan's timed faults at their virtual
// times (from the start of the clock), one after another in plan order; worker shutdowns go to one
// goroutine of their own, in order, so a grace period does not hold up
// the faults after it. The returned function waits for all of it.
func (r *run) runTimedFaults(ctx context.Context, runID string) (wait func()) {
	var wg sync.WaitGroup
	shutdowns := make(chan sim.Fault, len(r.opts.Plan.Faults))
	wg.Go(func() {
		for f := range shutdowns {
			if f.Kind == sim.WorkerCrash {
				r.mu.Lock()
				n := r.stopped + 1
				r.mu.Unlock()
				r.in.crash(n)
			}
			r.stopWorker()
			if err := r.startWorker(); err != nil {
				r.note(f, r.elapsed(), "worker not restarted: "+err.Error())
			}
		}
	})
	wg.Go(func() {
		defer close(shutdowns)
		select {
		case <-r.started:
		case <-ctx.Done():
		}
		for _, f := range sortedFaults(r.opts.Plan) {
			if f.Kind.ActivityScoped() {
				continue
			}
			select {
			case <-r.clk.After(f.At - r.elapsed()):
			case <-ctx.Done():
			}
			if ctx.Err() != nil {
				r.note(f, 0, "not due: the workflow closed first")
				continue
			}
			at := r.elapsed()
			switch f.Kind {
			case sim.WorkerShutdown, sim.WorkerCrash:
				shutdowns <- f
				r.note(f, at, "ok")
			case sim.Update:
				wg.Go(func() { r.note(f, at, r.update(ctx, f, runID)) })
			default:
				r.note(f, at, r.fire(ctx, f, runID))
			}
		}
	})
	return wg.Wait
}

// fire carries out one timed fault through the client.
func (r *run) fire(ctx context.Context, f sim.Fault, runID string) string {
	id := r.opts.WorkflowID
	switch f.Kind {
	case sim.WorkflowCancel:
		return resultOf(r.c.CancelWorkflow(ctx, id, runID))
	case sim.Signal:
		args, err := r.world.Decode(f.Target, f.Value)
		if err != nil {
			return err.Error()
		}
		var arg any
		if len(args) > 0 {
			arg = args[0]
		}
		return resultOf(r.c.SignalWorkflow(ctx, id, runID, f.Target, arg))
	case sim.Query:
		args, err := r.world.Decode(f.Target, f.Value)
		if err != nil {
			return err.Error()
		}
		v, err := r.c.QueryWorkflow(ctx, id, runID, f.Target, args...)
		if err != nil {
			return err.Error()
		}
		var x any
		if v.HasValue() && v.Get(&x) == nil {
			b, _ := json.Marshal(x)
			return "ok: " + string(b)
		}
		return "ok"
	case sim.CodecFailure:
		return "ok" // the scenario's codec asks World.ActiveFault
	}
	return "not carried out: kind " + string(f.Kind)
}

// update sends an update with the fault's id as its update id, as the
// engine does, and waits for its outcome.
func (r *run) update(ctx context.Context, f sim.Fault, runID string) string {
	args, err := r.world.Decode(f.Target, f.Value)
	if err != nil {
		return err.Error()
	}
	h, err := r.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: fmt.Sprintf("f%d", f.ID), WorkflowID: r.opts.WorkflowID, RunID: runID,
		UpdateName: f.Target, Args: args, WaitForStage: client.WorkflowUpdateStageAccepted,
	})
	if err != nil {
		return err.Error()
	}
	return resultOf(h.Get(ctx, nil)) // a rejection by the validator comes here
}

func resultOf(err error) string {
	if err == nil {
		return "ok"
	}
	return err.Error()
}

// sortedFaults is the plan's faults by virtual time, then id.
func sortedFaults(p sim.Plan) []sim.Fault {
	fs := slices.Clone(p.Faults)
	slices.SortStableFunc(fs, func(a, b sim.Fault) int {
		return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.ID, b.ID))
	})
	return fs
}
