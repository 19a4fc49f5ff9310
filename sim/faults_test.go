package sim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

var defaultProbe = probeInput{N: 1, D: time.Minute, StartToClose: 10 * time.Minute, HB: time.Minute, MaxAttempts: 5}

func runProbe(t *testing.T, in probeInput, plan string) *Result {
	t.Helper()
	p, err := ParsePlan(plan)
	require.NoError(t, err)
	r, err := Run(t, probeScenario(in), 1, p, nil)
	require.NoError(t, err)
	return r
}

// find returns the events of kind whose String contains every one of want.
func find(r *Result, kind string, want ...string) []Event {
	var out []Event
	for _, e := range r.Events {
		if e.Kind != kind {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(e.String(), w)
		}
		if ok {
			out = append(out, e)
		}
	}
	return out
}

func dump(r *Result) string {
	var b strings.Builder
	for _, e := range r.Events {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestFaultActivityErrorIsRetried(t *testing.T) {
	r := runProbe(t, defaultProbe, "f1 activity-error target=Work attempt=1")
	require.Equal(t, Completed, r.Outcome, dump(r))
	end := find(r, "act.end", "attempt=1")
	require.Len(t, end, 1, dump(r))
	require.Equal(t, "ApplicationError:InjectedFault", end[0].Result)
	require.Len(t, find(r, "act.start", "attempt=1", "!fault=f1"), 1, dump(r))
	require.Len(t, find(r, "act.backoff", "detail=1s"), 1, dump(r))
	require.Contains(t, r.Output, "w0@2")
}

func TestFaultNonRetryableErrorIsNotRetried(t *testing.T) {
	r := runProbe(t, defaultProbe, `f1 activity-error target=Work value="card declined" nonretryable`)
	require.Equal(t, Failed, r.Outcome, dump(r))
	require.Equal(t, "ActivityError>ApplicationError:InjectedFault", r.ErrType)
	require.Contains(t, r.Err.Error(), "card declined")
	require.Empty(t, find(r, "act.start", "attempt=2"), dump(r))
}

func TestFaultActivityPanicIsRetried(t *testing.T) {
	r := runProbe(t, defaultProbe, "f1 activity-panic target=Work attempt=1")
	require.Equal(t, "ApplicationError:PanicError", find(r, "act.end", "attempt=1")[0].Result, dump(r))
	require.Contains(t, r.Output, "w0@2")
}

func TestFaultLatencyDelaysTheAttempt(t *testing.T) {
	r := runProbe(t, defaultProbe, "f1 latency target=Work dur=30s")
	end := find(r, "act.end", "attempt=1")
	require.Len(t, end, 1, dump(r))
	require.Equal(t, int64(90_000), end[0].T, "1m of work after 30s of latency")
}

func TestFaultStartToCloseTimeoutIsRetried(t *testing.T) {
	in := defaultProbe
	in.HB = 0
	in.StartToClose = 2 * time.Minute
	r := runProbe(t, in, "f1 start-to-close-timeout target=Work attempt=1")
	end := find(r, "act.end", "attempt=1")
	require.Equal(t, "timeout:START_TO_CLOSE", end[0].Result, dump(r))
	require.Equal(t, int64(120_000), end[0].T)
	require.Contains(t, r.Output, "w0@2", "a real server retries start-to-close timeouts")
}

func TestFaultHeartbeatLossTimesOutAndRetryResumesFromDetails(t *testing.T) {
	in := defaultProbe
	in.D, in.HB = 5*time.Minute, 90*time.Second
	r := runProbe(t, in, "f1 heartbeat-loss target=Work attempt=1 dur=150s")
	end := find(r, "act.end", "attempt=1")
	require.Equal(t, "timeout:HEARTBEAT", end[0].Result, dump(r))
	// Heartbeats at 1m and 2m reach the server; 3m is lost; the timeout
	// fires 90s after the last one that arrived.
	require.Equal(t, int64(210_000), end[0].T, dump(r))
	// The retry resumes from step 2: three more heartbeats, not five.
	require.Len(t, find(r, "act.heartbeat", "attempt=2"), 3, dump(r))
	require.Contains(t, r.Output, "w0@2")
}

func TestFaultScheduleToCloseExpiryEndsRetries(t *testing.T) {
	in := defaultProbe
	in.HB, in.StartToClose, in.S2C, in.MaxAttempts = 0, time.Minute, 5*time.Minute, 0
	r := runProbe(t, in, "f1 schedule-to-close-expiry target=Work")
	require.Equal(t, Failed, r.Outcome, dump(r))
	require.Equal(t, "ActivityError>TimeoutError:SCHEDULE_TO_CLOSE", r.ErrType, dump(r))
	last := r.Activities[0].Attempts[len(r.Activities[0].Attempts)-1]
	require.Equal(t, 5*time.Minute, last.End)
}

func TestFaultLocalActivityError(t *testing.T) {
	in := defaultProbe
	in.Local = true
	r := runProbe(t, in, "f1 local-activity-error target=localStep attempt=1")
	require.Len(t, find(r, "la.end", "attempt=1", "!fault=f1"), 1, dump(r))
	require.Len(t, find(r, "la.end", "attempt=2", "result=ok"), 1, dump(r))
	require.Equal(t, Completed, r.Outcome)
}

func TestFaultChildWorkflowFailure(t *testing.T) {
	in := defaultProbe
	in.Child = true
	r := runProbe(t, in, "f1 child-workflow-failure target=childWorkflow")
	require.Equal(t, Failed, r.Outcome, dump(r))
	require.Equal(t, "ChildWorkflowExecutionError>ApplicationError:InjectedFault", r.ErrType)
	require.Len(t, find(r, "wf.end", "wf=child-1", "!fault=f1"), 1, dump(r))
}

func TestFaultWorkflowCancelReachesActivityWithNextHeartbeat(t *testing.T) {
	in := defaultProbe
	in.Linger = time.Minute // the workflow is still open at the next heartbeat
	r := runProbe(t, in, "f1 workflow-cancel at=30s")
	require.Equal(t, Canceled, r.Outcome, dump(r))
	require.Len(t, find(r, "act.cancel-request"), 1, dump(r))
	// The activity heartbeats at 36s; the server answers with the cancellation.
	hb := find(r, "act.heartbeat", "cancel delivered")
	require.Len(t, hb, 1, dump(r))
	require.Equal(t, int64(36_000), hb[0].T)
	require.Equal(t, "CanceledError", find(r, "act.end")[0].Result, dump(r))
}

func TestActivityOutlivingItsWorkflowIsAnsweredNotFound(t *testing.T) {
	// The workflow returns at once when cancelled, so the activity's task
	// goes with it: the server answers the next heartbeat with NotFound,
	// the SDK cancels the context with that cause, and the activity's
	// context error is a plain failure, not a cancellation.
	r := runProbe(t, defaultProbe, "f1 workflow-cancel at=30s")
	require.Equal(t, Canceled, r.Outcome, dump(r))
	require.Equal(t, int64(30_000), find(r, "wf.end")[0].T, dump(r))
	require.Empty(t, find(r, "act.heartbeat", "cancel delivered"), dump(r))
	hb := find(r, "act.heartbeat", "NotFound delivered")
	require.Len(t, hb, 1, dump(r))
	require.Equal(t, int64(36_000), hb[0].T)
	require.Equal(t, "ApplicationError", find(r, "act.end")[0].Result, dump(r))
}

func TestFaultSignalQueryUpdate(t *testing.T) {
	in := defaultProbe
	in.Wait = time.Hour
	r := runProbe(t, in, `f1 signal at=2m target=ping
f2 query at=3m target=count
f3 update at=4m target=set value=7
f4 update at=5m target=set value=-1`)
	require.Equal(t, Completed, r.Outcome, dump(r))
	require.Len(t, find(r, "wf.signal", "name=ping"), 1, dump(r))
	require.Equal(t, "1", find(r, "query", "name=count")[0].Detail, dump(r))
	require.Len(t, find(r, "update.completed", "!fault=f3"), 1, dump(r))
	require.Len(t, find(r, "update.rejected", "!fault=f4"), 1, dump(r))
	require.Contains(t, r.Output, "pings=1 value=7")
}

func TestFaultWorkerShutdownCancelsAfterGraceAndServerRetries(t *testing.T) {
	r := runProbe(t, defaultProbe, "f1 worker-shutdown at=30s dur=5s")
	require.Len(t, find(r, "worker.stop", "worker=1"), 1, dump(r))
	kill := find(r, "worker.kill")
	require.Len(t, kill, 1, dump(r))
	require.Equal(t, int64(35_000), kill[0].T)
	require.Len(t, find(r, "act.stop", "attempt=1"), 1, dump(r))
	require.Empty(t, find(r, "act.lost"), dump(r))
	// A stopped worker still reports the attempt it cancelled: a plain
	// failure (the context's error), which the server retries after the
	// backoff (1s) on the new worker.
	end := find(r, "act.end", "attempt=1")
	require.Equal(t, "ApplicationError", end[0].Result, dump(r))
	require.Equal(t, int64(35_000), end[0].T)
	start := find(r, "act.start", "attempt=2", "worker=2")
	require.Len(t, start, 1, dump(r))
	require.Equal(t, int64(36_000), start[0].T)
	require.Equal(t, Completed, r.Outcome)
	atts := r.Activities[0].Attempts
	require.Equal(t, []int{1}, atts[0].Faults, "the shutdown that ended attempt 1")
	require.Empty(t, atts[1].Faults)
}

func TestFaultWorkerShutdownGraceLetsAttemptFinish(t *testing.T) {
	r := runProbe(t, defaultProbe, "f1 worker-shutdown at=30s dur=40s")
	require.Len(t, find(r, "worker.stop", "worker=1"), 1, dump(r))
	require.Empty(t, find(r, "act.stop"), dump(r))
	end := find(r, "act.end", "attempt=1")
	require.Equal(t, "ok", end[0].Result, dump(r))
	require.Equal(t, int64(60_000), end[0].T)
	require.Empty(t, find(r, "act.start", "attempt=2"), dump(r))
	require.Equal(t, Completed, r.Outcome)
	require.Empty(t, r.Activities[0].Attempts[0].Faults, "the attempt finished within the grace period")
}

func TestFaultWorkerCrashLosesAttemptAndServerRetries(t *testing.T) {
	r := runProbe(t, defaultProbe, "f1 worker-crash at=30s")
	require.Len(t, find(r, "worker.crash", "worker=1"), 1, dump(r))
	require.Empty(t, find(r, "worker.stop"), dump(r))
	lost := find(r, "act.lost", "attempt=1")
	require.Len(t, lost, 1, dump(r))
	require.Equal(t, int64(30_000), lost[0].T)
	// The server notices through the heartbeat timeout: last heartbeat at
	// 24s, timeout 1m later, then a retry on the new worker.
	end := find(r, "act.end", "attempt=1")
	require.Equal(t, "timeout:HEARTBEAT", end[0].Result, dump(r))
	require.Equal(t, int64(84_000), end[0].T)
	require.Len(t, find(r, "act.start", "attempt=2", "worker=2"), 1, dump(r))
	require.Equal(t, Completed, r.Outcome)
	require.Equal(t, []int{1}, r.Activities[0].Attempts[0].Faults, "the crash that lost attempt 1")
}

func TestFaultCodecFailureWindow(t *testing.T) {
	p, err := ParsePlan("f1 codec-failure at=30s dur=20s target=encode")
	require.NoError(t, err)
	sc := &Scenario{
		Name:    "codec",
		Profile: Profile{Kinds: []Kind{CodecFailure}},
		Setup: func(w *World) Case {
			check := func(ctx context.Context) (bool, error) {
				_, on := w.ActiveFault(CodecFailure, "encode")
				return on, nil
			}
			wf := func(ctx workflow.Context) (string, error) {
				ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
				var out []string
				for _, d := range []time.Duration{10 * time.Second, 30 * time.Second, 30 * time.Second} {
					if err := workflow.Sleep(ctx, d); err != nil {
						return "", err
					}
					var on bool
					if err := workflow.ExecuteActivity(ctx, "Check").Get(ctx, &on); err != nil {
						return "", err
					}
					out = append(out, fmt.Sprint(on))
				}
				return strings.Join(out, ","), nil
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "codecWorkflow"})
			w.RegisterActivityWithOptions(check, activity.RegisterOptions{Name: "Check"})
			return Case{Workflow: "codecWorkflow"}
		},
	}
	r, err := Run(t, sc, 1, p, nil)
	require.NoError(t, err)
	require.Equal(t, `"false,true,false"`, r.Output, dump(r))
	require.Len(t, find(r, "fault", "name=codec-failure", "!fault=f1"), 1, dump(r))
}

func TestFiredListsOnlyFaultsThatTookEffect(t *testing.T) {
	r := runProbe(t, defaultProbe, `f1 activity-error target=Work attempt=1
f2 activity-error target=Work call=7
f3 workflow-cancel at=100h`)
	require.Equal(t, []int{1}, r.Fired, "f2 names a call that never happens; f3 comes after the workflow ended")
}

// TestLocalActivityCallsAreNumberedInWorkflowOrder: parallel local
// activities of one type get their call numbers from the workflow's order,
// and a retry belongs to its call.
func TestLocalActivityCallsAreNumberedInWorkflowOrder(t *testing.T) {
	sc := &Scenario{
		Name:    "la-parallel",
		Profile: Profile{Kinds: []Kind{LocalActivityError}, LocalActivities: []string{"Step"}},
		Setup: func(w *World) Case {
			step := func(ctx context.Context, i int) (int, error) { return i, nil }
			wf := func(ctx workflow.Context) (string, error) {
				ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
					StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 3}})
				var fs []workflow.Future
				for i := 1; i <= 4; i++ {
					fs = append(fs, workflow.ExecuteLocalActivity(ctx, "Step", i))
				}
				var out []string
				for _, f := range fs {
					var n int
					if err := f.Get(ctx, &n); err != nil {
						out = append(out, "err")
						continue
					}
					out = append(out, fmt.Sprint(n))
				}
				return strings.Join(out, ","), nil
			}
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "laParallel"})
			w.RegisterActivityWithOptions(step, activity.RegisterOptions{Name: "Step"})
			return Case{Workflow: "laParallel"}
		},
	}
	p, err := ParsePlan("f1 local-activity-error target=Step call=3")
	require.NoError(t, err)
	var first string
	for i := 0; i < 20; i++ {
		r, err := Run(t, sc, 1, p, nil)
		require.NoError(t, err)
		require.Equal(t, []int{1}, r.Fired, dump(r))
		// The fault names no attempt, so all three attempts of call 3 fail.
		require.Equal(t, `"1,2,err,4"`, r.Output, dump(r))
		require.Len(t, find(r, "la.end", "!fault=f1"), 3, dump(r))
		if i == 0 {
			first = r.TraceSHA256()
		}
		require.Equal(t, first, r.TraceSHA256())
	}
}
