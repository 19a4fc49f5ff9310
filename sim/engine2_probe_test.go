package sim

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// runProbe2 is runProbe on engine 2.
func runProbe2(t *testing.T, in probeInput, plan string) *Result {
	t.Helper()
	p, err := ParsePlan(plan)
	require.NoError(t, err)
	r, err := Run(t, probeScenario(in), 1, p, &Options{Engine: EngineServer})
	require.NoError(t, err)
	return r
}

// settled says whether engine 2 has an event at want ms: later by at most
// the SDK's spacing between two polls (1ms) per round trip, a few in a
// probe run.
func settled(want, got int64) bool { return got >= want && got <= want+10 }

// The tests below are faults_test.go's on engine 2, where the worker is
// real and the server times attempts out and retries them.

func TestEngine2FaultActivityErrorIsRetried(t *testing.T) {
	r := runProbe2(t, defaultProbe, "f1 activity-error target=Work attempt=1")
	require.Equal(t, Completed, r.Outcome, dump(r))
	end := find(r, "act.end", "attempt=1")
	require.Len(t, end, 1, dump(r))
	require.Equal(t, "ApplicationError:InjectedFault", end[0].Result)
	require.Len(t, find(r, "act.start", "attempt=1", "!fault=f1"), 1, dump(r))
	require.Len(t, find(r, "act.backoff", "detail=1s"), 1, dump(r))
	require.Equal(t, []int{1}, r.Activities[0].Attempts[0].Faults)
	require.Equal(t, []int{1}, r.Fired)
	require.Contains(t, r.Output, "w0@2")
}

func TestEngine2FaultNonRetryableErrorIsNotRetried(t *testing.T) {
	r := runProbe2(t, defaultProbe, `f1 activity-error target=Work value="card declined" nonretryable`)
	require.Equal(t, Failed, r.Outcome, dump(r))
	require.Equal(t, "ActivityError>ApplicationError:InjectedFault", r.ErrType)
	require.Contains(t, r.Err.Error(), "card declined")
	require.Empty(t, find(r, "act.start", "attempt=2"), dump(r))
}

func TestEngine2FaultActivityPanicIsRetried(t *testing.T) {
	r := runProbe2(t, defaultProbe, "f1 activity-panic target=Work attempt=1")
	require.Equal(t, "ApplicationError:PanicError", find(r, "act.end", "attempt=1")[0].Result, dump(r))
	require.Contains(t, r.Output, "w0@2")
}

func TestEngine2FaultLatencyDelaysTheAttempt(t *testing.T) {
	r := runProbe2(t, defaultProbe, "f1 latency target=Work dur=30s")
	end := find(r, "act.end", "attempt=1")
	require.Len(t, end, 1, dump(r))
	require.True(t, settled(90_000, end[0].T), "1m of work after 30s of latency\n%s", dump(r))
}

func TestEngine2FaultStartToCloseTimeoutIsRetried(t *testing.T) {
	in := defaultProbe
	in.HB = 0
	in.StartToClose = 2 * time.Minute
	r := runProbe2(t, in, "f1 start-to-close-timeout target=Work attempt=1")
	end := find(r, "act.end", "attempt=1")
	require.Equal(t, "timeout:START_TO_CLOSE", end[0].Result, dump(r))
	require.True(t, settled(120_000, end[0].T), dump(r))
	require.Contains(t, r.Output, "w0@2", "the server retries start-to-close timeouts")
}

func TestEngine2FaultHeartbeatLossTimesOutAndRetryResumesFromDetails(t *testing.T) {
	in := defaultProbe
	in.D, in.HB = 5*time.Minute, 90*time.Second
	r := runProbe2(t, in, "f1 heartbeat-loss target=Work attempt=1 dur=150s")
	end := find(r, "act.end", "attempt=1")
	require.Equal(t, "timeout:HEARTBEAT", end[0].Result, dump(r))
	// Heartbeats at 1m and 2m reach the server; 3m is lost; the server's
	// heartbeat timeout fires 90s after the last one it recorded.
	require.True(t, settled(210_000, end[0].T), dump(r))
	require.Len(t, find(r, "act.heartbeat", "attempt=1"), 2, dump(r))
	// The retry resumes from step 2: three more heartbeats, not five.
	require.Len(t, find(r, "act.heartbeat", "attempt=2"), 3, dump(r))
	require.Contains(t, r.Output, "w0@2")
}

func TestEngine2FaultScheduleToCloseExpiryEndsRetries(t *testing.T) {
	in := defaultProbe
	in.HB, in.StartToClose, in.S2C, in.MaxAttempts = 0, time.Minute, 5*time.Minute, 0
	r := runProbe2(t, in, "f1 schedule-to-close-expiry target=Work")
	require.Equal(t, Failed, r.Outcome, dump(r))
	// The server gives the timeout the last attempt's failure as its cause.
	require.Equal(t, "ActivityError>TimeoutError:SCHEDULE_TO_CLOSE>TimeoutError:START_TO_CLOSE", r.ErrType, dump(r))
	atts := r.Activities[0].Attempts
	last := atts[len(atts)-1]
	require.Equal(t, "timeout:SCHEDULE_TO_CLOSE", last.Result, dump(r))
	require.True(t, settled(5*60_000, last.End.Milliseconds()), dump(r))
	for _, at := range atts {
		require.Equal(t, []int{1}, at.Faults, "every attempt of the call hangs")
	}
}

func TestEngine2FaultLocalActivityError(t *testing.T) {
	in := defaultProbe
	in.Local = true
	r := runProbe2(t, in, "f1 local-activity-error target=localStep attempt=1")
	require.Len(t, find(r, "la.end", "attempt=1", "!fault=f1"), 1, dump(r))
	require.Len(t, find(r, "la.end", "attempt=2", "result=ok"), 1, dump(r))
	require.Equal(t, Completed, r.Outcome)
}

func TestEngine2FaultChildWorkflowFailure(t *testing.T) {
	in := defaultProbe
	in.Child = true
	r := runProbe2(t, in, "f1 child-workflow-failure target=childWorkflow")
	require.Equal(t, Failed, r.Outcome, dump(r))
	require.Equal(t, "ChildWorkflowExecutionError>ApplicationError:InjectedFault", r.ErrType)
	require.Len(t, find(r, "wf.start", "wf=child-1", "!fault=f1"), 1, dump(r))
	require.Len(t, find(r, "wf.end", "wf=child-1", "!fault=f1"), 1, dump(r))
}

func TestEngine2FaultOnOtherCallDoesNotFire(t *testing.T) {
	in := defaultProbe
	in.N = 2
	r := runProbe2(t, in, "f1 activity-error target=Work call=2 attempt=1")
	require.Len(t, find(r, "act.start", "!fault=f1"), 1, dump(r))
	require.Equal(t, 2, r.Activities[1].Call)
	require.Equal(t, []int{1}, r.Activities[1].Attempts[0].Faults, dump(r))
	require.Empty(t, r.Activities[0].Attempts[0].Faults, dump(r))
}

func stepActivity(context.Context) error { return nil }

// stepChild runs Step once.
func stepChild(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, "Step").Get(ctx, nil)
}

// stepParent runs Step, a child that runs Step, and Step again.
func stepParent(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	if err := workflow.ExecuteActivity(ctx, "Step").Get(ctx, nil); err != nil {
		return err
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "step-child"})
	if err := workflow.ExecuteChildWorkflow(cctx, stepChild).Get(ctx, nil); err != nil {
		return err
	}
	return workflow.ExecuteActivity(ctx, "Step").Get(ctx, nil)
}

// TestEngine2CallsNumberedAcrossWorkflows: calls of one activity type are
// numbered in the order they were scheduled across parent and child, as
// engine 1 numbers them (not in the order the histories are read), and a
// fault on call 2 hits the child's call on both engines.
func TestEngine2CallsNumberedAcrossWorkflows(t *testing.T) {
	sc := &Scenario{Name: "steps", Profile: Profile{Kinds: []Kind{ActivityError}, Activities: []string{"Step"}},
		Setup: func(w *World) Case {
			w.RegisterWorkflow(stepParent)
			w.RegisterWorkflow(stepChild)
			w.RegisterActivityWithOptions(stepActivity, activity.RegisterOptions{Name: "Step"})
			return Case{Workflow: stepParent}
		}}
	p, err := ParsePlan("f1 activity-error target=Step call=2 attempt=1")
	require.NoError(t, err)
	for _, e := range Engines() {
		r, err := Run(t, sc, 1, p, &Options{Engine: e})
		require.NoError(t, err)
		require.Equal(t, Completed, r.Outcome, dump(r))
		calls := map[string]int{}
		for _, a := range r.Activities {
			calls[a.Key] = a.Call
			if a.Call == 2 {
				require.Equal(t, []int{1}, a.Attempts[0].Faults, "%s: %s", e, dump(r))
			}
		}
		require.Equal(t, map[string]int{"steps/a0001": 1, "step-child/a0001": 2, "steps/a0002": 3}, calls, "%s: %s", e, dump(r))
	}
}

// TestEngine2FaultHistoriesReplay: the histories of a run with activity,
// local activity and timeout faults replay cleanly with the SDK's plain
// replayer (their results are in the history); a child failed by the
// plan's fault does not replay without the fault interceptor, which
// failed it on the worker.
func TestEngine2FaultHistoriesReplay(t *testing.T) {
	sc := &Scenario{Name: "steps", Profile: Profile{Kinds: []Kind{ActivityError, ActivityPanic, ChildWorkflowFailure},
		Activities: []string{"Step"}, Children: []string{"stepChild"}},
		Setup: func(w *World) Case {
			w.RegisterWorkflow(stepParent)
			w.RegisterWorkflow(stepChild)
			w.RegisterActivityWithOptions(stepActivity, activity.RegisterOptions{Name: "Step"})
			return Case{Workflow: stepParent}
		}}
	replay := func(plan string) (ok, failed int) {
		p, err := ParsePlan(plan)
		require.NoError(t, err)
		r, err := Run(t, sc, 1, p, &Options{Engine: EngineServer})
		require.NoError(t, err)
		rp := worker.NewWorkflowReplayer()
		rp.RegisterWorkflow(stepParent)
		rp.RegisterWorkflow(stepChild)
		for _, h := range r.histories {
			if err := rp.ReplayWorkflowHistory(nil, &historypb.History{Events: h.Events}); err != nil {
				t.Logf("%s does not replay: %v", h.WorkflowID, err)
				failed++
				continue
			}
			ok++
		}
		return ok, failed
	}
	ok, failed := replay("f1 activity-error target=Step call=2 attempt=1\nf2 activity-panic target=Step call=3 attempt=1")
	require.Equal(t, [2]int{2, 0}, [2]int{ok, failed}, "activity faults")
	ok, failed = replay("f1 child-workflow-failure target=stepChild")
	require.Equal(t, [2]int{1, 1}, [2]int{ok, failed}, "the parent replays, the failed child does not")
}
