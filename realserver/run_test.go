package realserver

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

func clientOptions() client.Options { return client.Options{} }

func lookup(t *testing.T, name string) *sim.Scenario {
	t.Helper()
	sc, err := scenarios.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// runPlan runs a scenario under a plan given in text. Tests whose faults
// must land inside the fault window, or act through heartbeats, choose a
// scale that leaves the server's latency room even on a loaded machine.
func runPlan(t *testing.T, name string, seed sim.Seed, plan string, scale float64) *Result {
	t.Helper()
	p, err := sim.ParsePlan(sim.PlanHeader + "\n" + plan)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), server(t), RunOptions{Scenario: lookup(t, name), Seed: seed, Plan: p, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s seed %d: %s %s in %s (K=%g, %d events, workers %d, replays %d)", name, seed, res.Outcome, res.ErrType,
		res.Wall.Round(time.Millisecond), res.Scale, len(res.History.GetEvents()), res.Workers, res.Replays)
	return res
}

// activity finds the recorded activity of type typ with call number call.
func findActivity(t *testing.T, res *Result, typ string, call int) Activity {
	t.Helper()
	for _, a := range res.Activities {
		if a.Type == typ && a.Call == call {
			return a
		}
	}
	t.Fatalf("no %s call %d among %+v", typ, call, res.Activities)
	return Activity{}
}

// scheduled lists the ids of the history's scheduled activities of typ,
// in scheduling order.
func scheduled(h *historypb.History, typ string) []string {
	var ids []string
	for _, e := range h.GetEvents() {
		if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == typ {
			ids = append(ids, a.GetActivityId())
		}
	}
	return ids
}

// lastAttempt is the attempt number of the last ActivityTaskStarted of the
// activity scheduled as event id.
func lastAttempt(h *historypb.History, id string) int32 {
	var n int32
	for _, e := range h.GetEvents() {
		if a := e.GetActivityTaskStartedEventAttributes(); a != nil && a.GetScheduledEventId() == parseID(id) {
			n = a.GetAttempt()
		}
	}
	return n
}

func parseID(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

// faulted says which activities' attempts were hit by a fault.
func faulted(res *Result) []string {
	var out []string
	for _, a := range res.Activities {
		for _, at := range a.Attempts {
			if len(at.Faults) > 0 {
				out = append(out, a.Type+"/"+a.ID)
			}
		}
	}
	return out
}

func TestRunActivityFaults(t *testing.T) {
	t.Run("activity error on the third of a fan-out", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "parallel-activities", 11, "f1 activity-error target=Process call=3 attempt=1", 50)
		if res.Outcome != sim.Completed {
			t.Errorf("outcome %s %v, want completed after a retry", res.Outcome, res.Err)
		}
		a := findActivity(t, res, "Process", 3)
		if ids := scheduled(res.History, "Process"); len(ids) != 4 || a.ID != ids[2] {
			t.Errorf("call 3 is activity %s; the history scheduled Process as %v", a.ID, ids)
		}
		if len(a.Attempts) < 2 || !slices.Equal(a.Attempts[0].Faults, []int{1}) ||
			a.Attempts[0].Result != "ApplicationError:InjectedFault" || a.Attempts[len(a.Attempts)-1].Result != "ok" {
			t.Errorf("call 3 attempts %+v, want the first failed by f1 and the last ok", a.Attempts)
		}
		if got := faulted(res); len(got) != 1 {
			t.Errorf("attempts hit: %v, want only call 3's first", got)
		}
		if n := lastAttempt(res.History, a.ID); n < 2 {
			t.Errorf("the history's last start of call 3 is attempt %d, want a retry", n)
		}
	})
	t.Run("non-retryable error fails the workflow", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "parallel-activities", 12, "f1 activity-error target=Process call=1 attempt=1 nonretryable", 50)
		if res.Outcome != sim.Failed || res.ErrType != "ActivityError>ApplicationError:InjectedFault" {
			t.Errorf("outcome %s %s, want failed with the injected error", res.Outcome, res.ErrType)
		}
	})
	t.Run("panic and start-to-close timeout are retried", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "parallel-activities", 13, "f1 activity-panic target=Process call=1 attempt=1\nf2 start-to-close-timeout target=Process call=2 attempt=1", 100)
		if res.Outcome != sim.Completed {
			t.Errorf("outcome %s %v", res.Outcome, res.Err)
		}
		for call, fault := range map[int]int{1: 1, 2: 2} {
			a := findActivity(t, res, "Process", call)
			if !slices.Equal(a.Attempts[0].Faults, []int{fault}) || a.Attempts[0].Result == "ok" || lastAttempt(res.History, a.ID) < 2 {
				t.Errorf("call %d: attempts %+v, last attempt in the history %d; want f%d to fail the first and a retry",
					call, a.Attempts, lastAttempt(res.History, a.ID), fault)
			}
		}
	})
	t.Run("heartbeat loss times the attempt out", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "cancellation", 14, "f1 heartbeat-loss target=LongWork call=1 attempt=1", 150)
		a := findActivity(t, res, "LongWork", 1)
		if lastAttempt(res.History, a.ID) < 2 {
			t.Errorf("LongWork attempts %+v: want the first timed out on its heartbeat and retried", a.Attempts)
		}
	})
	t.Run("local activity error", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "local-activity", 15, "f1 local-activity-error target=Price call=1 attempt=1", 0)
		a := findActivity(t, res, "Price", 1)
		if !a.Local || len(a.Attempts) != 2 || a.Attempts[0].Result != "ApplicationError:InjectedFault" || a.Attempts[1].Result != "ok" {
			t.Errorf("Price attempts %+v, want a local activity failed once by f1, then ok", a.Attempts)
		}
		if res.Outcome != sim.Completed {
			t.Errorf("outcome %s %v", res.Outcome, res.Err)
		}
	})
	t.Run("child workflow failure", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "child-workflow", 16, "f1 child-workflow-failure target=PaymentChild call=1", 50)
		if res.Outcome != sim.Failed || res.ErrType != "ChildWorkflowExecutionError>ApplicationError:InjectedFault" {
			t.Errorf("outcome %s %s, want the parent failed by the injected child failure", res.Outcome, res.ErrType)
		}
	})
}

func TestRunTimedFaults(t *testing.T) {
	t.Run("cancellation runs the cleanup", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "cancellation", 21, "f1 workflow-cancel at=1m", 20)
		if res.Outcome != sim.Canceled || len(res.Faults) != 1 || res.Faults[0].Result != "ok" {
			t.Errorf("outcome %s, faults %+v; want canceled by f1", res.Outcome, res.Faults)
		}
		if a := findActivity(t, res, "Cleanup", 1); a.Attempts[len(a.Attempts)-1].Result != "ok" {
			t.Errorf("Cleanup attempts %+v", a.Attempts)
		}
	})
	t.Run("signals, updates and queries", func(t *testing.T) {
		t.Parallel()
		p, err := sim.ParsePlan(sim.PlanHeader + "\nf1 signal at=1m target=deposit value=100\nf2 update at=3m target=reserve value=10\n" +
			"f3 update at=4m target=reserve value=0\nf4 query at=6m target=balance")
		if err != nil {
			t.Fatal(err)
		}
		timers := &timerLog{}
		res, err := Run(context.Background(), server(t), RunOptions{Scenario: lookup(t, "entity"), Seed: 22, Plan: p,
			Interceptors: []interceptor.WorkerInterceptor{timers}})
		if err != nil {
			t.Fatal(err)
		}
		if got := timers.get(); len(got) == 0 || got[0] != 30*time.Minute {
			t.Errorf("a user interceptor saw timers of %v; want the workflow's own 30m, unscaled", got)
		}
		got := map[int]string{}
		for _, f := range res.Faults {
			got[f.Fault.ID] = f.Result
		}
		if got[1] != "ok" || got[2] != "ok" || !strings.HasPrefix(got[3], "cannot reserve 0") || !strings.HasPrefix(got[4], "ok: ") {
			t.Errorf("fault results %v: want the signal and first update ok, the zero reservation rejected, the query answered", got)
		}
		counts := map[enumspb.EventType]int{}
		for _, e := range res.History.GetEvents() {
			counts[e.GetEventType()]++
		}
		if counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED] != 1 || counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED] != 1 ||
			counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED] != 1 {
			t.Errorf("history has %v; want one signal and one accepted and completed update", counts)
		}
		if res.Outcome != sim.ContinuedAsNew {
			t.Errorf("outcome %s %v, want continued-as-new", res.Outcome, res.Err)
		}
		// The run's timer (AwaitWithTimeout of 30m) and the hold's
		// start-to-close timeout (15m) reach the server divided by K.
		for _, e := range res.History.GetEvents() {
			if a := e.GetTimerStartedEventAttributes(); a != nil && a.GetStartToFireTimeout().AsDuration() != time.Duration(float64(30*time.Minute)/res.Scale) {
				t.Errorf("timer of %s, want 30m/%g", a.GetStartToFireTimeout().AsDuration(), res.Scale)
			}
			if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetStartToCloseTimeout().AsDuration() != time.Duration(float64(15*time.Minute)/res.Scale) {
				t.Errorf("start-to-close timeout of %s, want 15m/%g", a.GetStartToCloseTimeout().AsDuration(), res.Scale)
			}
		}
	})
	t.Run("a crashed worker's attempts time out on the server", func(t *testing.T) {
		t.Parallel()
		// Every Process attempt must have started on worker 1 when it
		// crashes, and none ended: the shortest lasts 30s. At 25s and a
		// speed-up of 10, the attempts have 2.5s of real time to start
		// (and to be numbered, which reads the history), and Process#1
		// ends 3s after its start, whenever that is. The default speed-up
		// (150) left 125ms, which a loaded machine misses; 20 left 1.25s,
		// which two cores at a load near 6 missed.
		res := runPlan(t, "parallel-activities", 1, "f1 worker-crash at=25s", 10)
		if res.Workers != 2 {
			t.Fatalf("%d worker incarnations, want 2", res.Workers)
		}
		timedOut := 0
		for _, e := range res.History.GetEvents() {
			a := e.GetActivityTaskStartedEventAttributes()
			if a == nil || a.GetAttempt() < 2 {
				continue
			}
			if tf := a.GetLastFailure().GetTimeoutFailureInfo(); tf != nil && tf.GetTimeoutType() == enumspb.TIMEOUT_TYPE_HEARTBEAT {
				timedOut++
			}
		}
		for call := 1; call <= 4; call++ {
			a := findActivity(t, res, "Process", call)
			if len(a.Attempts) != 2 || a.Attempts[0].Worker != 1 || a.Attempts[1].Worker != 2 {
				t.Errorf("Process#%d attempts %+v, want one on worker 1 and its retry on worker 2", call, a.Attempts)
			}
		}
		if timedOut != 4 {
			t.Errorf("%d retries follow a heartbeat timeout, want 4 (the crashed worker reported nothing)", timedOut)
		}
	})
	t.Run("worker shutdown replays the workflow on a new worker", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "parallel-activities", 23, "f1 worker-shutdown at=1m", 0)
		var identities []string
		for _, e := range res.History.GetEvents() {
			if a := e.GetWorkflowTaskStartedEventAttributes(); a != nil && !slices.Contains(identities, a.GetIdentity()) {
				identities = append(identities, a.GetIdentity())
			}
		}
		if res.Workers != 2 {
			t.Fatalf("%d worker incarnations, want 2", res.Workers)
		}
		if len(identities) == 2 && res.Replays == 0 {
			t.Errorf("workflow tasks taken by %v, but no replay on the second worker", identities)
		}
		if len(identities) != 2 {
			t.Logf("workflow tasks taken by %v only: the shutdown came at an idle moment", identities)
		}
	})
}

// timerLog is a user interceptor that notes the timer durations workflow
// code asks for.
type timerLog struct {
	interceptor.WorkerInterceptorBase
	mu sync.Mutex
	d  []time.Duration
}

func (l *timerLog) get() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.d)
}

func (l *timerLog) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &timerLogInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, l: l}
}

type timerLogInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	l *timerLog
}

func (i *timerLogInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&timerLogOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, l: i.l})
}

type timerLogOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	l *timerLog
}

func (o *timerLogOutbound) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	if !workflow.IsReplaying(ctx) {
		o.l.mu.Lock()
		o.l.d = append(o.l.d, d)
		o.l.mu.Unlock()
	}
	return o.Next.NewTimerWithOptions(ctx, d, opts)
}

func TestRunEndings(t *testing.T) {
	t.Run("continue-as-new hands on the next run's input and ends the chain", func(t *testing.T) {
		t.Parallel()
		res := runPlan(t, "continue-as-new", 31, "", 0)
		if res.Outcome != sim.ContinuedAsNew {
			t.Fatalf("outcome %s", res.Outcome)
		}
		var can *workflow.ContinueAsNewError
		var next scenarios.CounterState
		if !errors.As(res.Err, &can) || res.World.DataConverter().FromPayloads(can.Input, &next) != nil || next.Runs == 0 {
			t.Errorf("Err %v: want a ContinueAsNewError whose input is the next run's state", res.Err)
		}
		c, err := server(t).Dial(context.Background(), clientOptions())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		d, err := c.DescribeWorkflowExecution(context.Background(), res.WorkflowID, "")
		if err != nil {
			t.Fatal(err)
		}
		if st := d.GetWorkflowExecutionInfo().GetStatus(); st == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t.Errorf("the chain's current run is %s after the run", st)
		}
	})
	t.Run("a run over its budget is stuck and terminated", func(t *testing.T) {
		t.Parallel()
		res, err := Run(context.Background(), server(t), RunOptions{Scenario: lookup(t, "polling-infrequent"), Seed: 32,
			Scale: 1, Timeout: 300 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		last := res.History.GetEvents()[len(res.History.GetEvents())-1]
		if res.Outcome != sim.Stuck || last.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED {
			t.Errorf("outcome %s, last event %s; want stuck and terminated", res.Outcome, last.GetEventType())
		}
	})
	t.Run("a plan that does not fit is refused", func(t *testing.T) {
		t.Parallel()
		p := sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.Signal, Target: "nope"}}}
		_, err := Run(context.Background(), server(t), RunOptions{Scenario: lookup(t, "parallel-activities"), Plan: p})
		if err == nil || !strings.Contains(err.Error(), "does not fit") {
			t.Errorf("Run with a signal parallel-activities does not handle: %v", err)
		}
		if _, err := Run(context.Background(), server(t), RunOptions{}); err == nil {
			t.Error("Run without a scenario: no error")
		}
	})
}

func TestFuncName(t *testing.T) {
	acts := &scenarios.ParallelActivities{}
	for _, tc := range []struct {
		fn   any
		want string
	}{{scenarios.ParallelWorkflow, "ParallelWorkflow"}, {acts.Process, "Process"}, {"Named", "Named"}, {42, ""}} {
		if got := FuncName(tc.fn); got != tc.want {
			t.Errorf("FuncName(%T) = %q, want %q", tc.fn, got, tc.want)
		}
	}
	r := WorkflowRegistration{Func: scenarios.ParallelWorkflow, Options: workflow.RegisterOptions{Name: "Other"}}
	if r.Name() != "Other" {
		t.Errorf("Name with RegisterOptions.Name = %q", r.Name())
	}
}

// TestRunRefusesDeploy: realserver does not carry out the deploy fault;
// a plan with one is refused before any server is reached, in one line.
func TestRunRefusesDeploy(t *testing.T) {
	sc := lookup(t, "saga/bug-order-change")
	plan := sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.Deploy, At: time.Second}}}
	_, err := Run(context.Background(), nil, RunOptions{Scenario: sc, Seed: 1, Plan: plan})
	if err == nil || !strings.Contains(err.Error(), "fault f1: realserver does not carry out deploy") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("%v; want one line refusing the deploy", err)
	}
}
