package harness_test

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/clock"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// The workflow side of a stack must behave the same when a worker replays
// a history as when it runs the workflow: interceptors are set on
// worker.WorkflowReplayerOptions too. There are no recorded histories yet,
// so the test builds one by hand for a small workflow, replays it with the
// probed stack (the probes keep their events in the Recorder, as there is
// no simulated run), and compares the workflow-side calls with those of a
// simulated run of the same workflow.

// greetAfterSignal waits for a name, greets it in an activity, sleeps a
// minute and returns the greeting.
func greetAfterSignal(ctx workflow.Context) (string, error) {
	var name string
	workflow.GetSignalChannel(ctx, "name").Receive(ctx, &name)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var out string
	if err := workflow.ExecuteActivity(actx, "Greet", name).Get(ctx, &out); err != nil {
		return "", err
	}
	if err := workflow.Sleep(ctx, time.Minute); err != nil {
		return "", err
	}
	return out, nil
}

// replayLayers is the workflow-side part of the reference stack.
func replayLayers(clk clock.Clock, extra ...fakes.Layer) []fakes.Layer {
	return append([]fakes.Layer{
		{Name: "Logging", Interceptor: fakes.NewLogInterceptor(fakes.NewLogSink(clk))},
		{Name: "Metrics", Interceptor: fakes.NewMetricsInterceptor(fakes.NewMetricsSink(clk), clk)},
		{Name: "Tenant", Interceptor: &fakes.TenantPropagator{Default: "acme"}},
	}, extra...)
}

func layerNames(layers []fakes.Layer) []string {
	var out []string
	for _, l := range layers {
		out = append(out, l.Name)
	}
	return out
}

// simulatedWorkflowCalls runs greetAfterSignal under the simulator with
// the probed layers and the signal at 1s, and returns the workflow-side
// probe events.
func simulatedWorkflowCalls(t *testing.T) []sim.Event {
	sc := &sim.Scenario{
		Name:    "greet-after-signal",
		Profile: sim.Profile{Kinds: []sim.Kind{sim.Signal}, Signals: []sim.Message{{Name: "name", Values: []string{"ada"}}}},
		Setup: func(w *sim.World) sim.Case {
			w.RegisterWorkflowWithOptions(greetAfterSignal, workflow.RegisterOptions{Name: "GreetAfterSignal"})
			w.RegisterActivityWithOptions(greet, activity.RegisterOptions{Name: "Greet"})
			for _, ic := range fakes.NewRecorder().Wrap(replayLayers(w.Clock())...) {
				w.AddInterceptor(ic)
			}
			return sim.Case{Workflow: "GreetAfterSignal"}
		},
	}
	plan := sim.Plan{Faults: []sim.Fault{{ID: 1, Kind: sim.Signal, At: time.Second, Target: "name", Value: "ada"}}}
	r, err := sim.Run(t, sc, 1, plan, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != sim.Completed || r.Output != `"hello ada"` {
		t.Fatalf("simulated run ended %s with %s", r.Outcome, r.Output)
	}
	var out []sim.Event
	for _, e := range r.Events {
		if fakes.IsProbeKind(e.Kind) && e.WF == sc.Name && strings.Contains(e.Name, ":Workflow") {
			out = append(out, e)
		}
	}
	return out
}

// replayed replays the hand-built history of greetAfterSignal with the
// probed layers and returns the replay's error and the probe events.
func replayed(t *testing.T, startHeader map[string]string, extra ...fakes.Layer) ([]sim.Event, []string, error) {
	layers := replayLayers(clock.NewMock(), extra...)
	rec := fakes.NewRecorder()
	rep, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{Interceptors: rec.Wrap(layers...)})
	if err != nil {
		t.Fatal(err)
	}
	rep.RegisterWorkflowWithOptions(greetAfterSignal, workflow.RegisterOptions{Name: "GreetAfterSignal"})
	err = rep.ReplayWorkflowHistory(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)), greetHistory(startHeader))
	return rec.Events(), layerNames(layers), err
}

// TestReplayMatchesSimulation: the replay runs the same workflow-side
// calls through the stack, in the same order, with the same headers and
// outcomes, and every interceptor property holds on it.
func TestReplayMatchesSimulation(t *testing.T) {
	simulated := simulatedWorkflowCalls(t)
	events, names, err := replayed(t, nil)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	if len(simulated) == 0 {
		t.Fatal("no probe events in the simulated run")
	}
	strip := func(es []sim.Event) []string {
		var out []string
		for _, e := range es {
			out = append(out, e.Kind+" "+e.Name+" "+e.Result+" "+e.Detail)
		}
		return out
	}
	if got, want := strip(events), strip(simulated); !slices.Equal(got, want) {
		t.Errorf("replayed calls differ from simulated ones:\nreplay:\n  %s\nsimulation:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	vs, err := harness.CheckInterceptorEvents(events, names)
	if err != nil || len(vs) > 0 {
		t.Errorf("interceptor properties on the replay: %v %v", vs, err)
	}
}

// TestReplayStartHeaderReachesActivities: a start header set by the client
// (here, in the history) reaches the workflow, and the propagator sends
// its tenant with the activity. The simulator cannot set a start header,
// so only the replay checks this path.
func TestReplayStartHeaderReachesActivities(t *testing.T) {
	events, _, err := replayed(t, map[string]string{"tenant": "globex"})
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	probes, err := fakes.ParseProbeEvents(events)
	if err != nil {
		t.Fatal(err)
	}
	var start, sent string
	for _, p := range probes {
		switch {
		case p.Enter() && p.Layer == "Logging" && p.Method == fakes.WorkflowExecute:
			start = p.Header
		case p.NextEnter() && p.Layer == "Logging" && p.Method == fakes.WorkflowExecuteActivity:
			sent = p.Header
		}
	}
	if want := `tenant="\"globex\""`; start != want || sent != want {
		t.Errorf("start header [%s], activity header sent [%s]; want both [%s]", start, sent, want)
	}
}

// TestReplayCatchesPlantedBug: a stack that forgets next on signals fails
// the replay (the workflow never gets its signal) and the interceptor
// properties on the replay's events name the interceptor.
func TestReplayCatchesPlantedBug(t *testing.T) {
	events, names, err := replayed(t, nil, fakes.Layer{Name: "Forgetful", Interceptor: &forgetfulSignals{}})
	if err == nil {
		t.Error("the replay passed although the workflow never got its signal")
	}
	vs, cerr := harness.CheckInterceptorEvents(events, names)
	if cerr != nil {
		t.Fatal(cerr)
	}
	want := "interceptor Forgetful, layer WorkflowInbound, method HandleSignal"
	if !slices.ContainsFunc(vs, func(v sim.Violation) bool {
		return v.Property == "interceptor-next" && strings.Contains(v.Message, want)
	}) {
		t.Errorf("violations %v do not report %q", vs, want)
	}
}

// greetHistory is the history a server records for greetAfterSignal with
// the signal "ada", built the way the Go SDK numbers commands: activities
// and timers take the id of the event they produce.
func greetHistory(startHeader map[string]string) *historypb.History {
	b := &histBuilder{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	header := &commonpb.Header{Fields: map[string]*commonpb.Payload{}}
	for k, v := range startHeader {
		header.Fields[k] = payload(v)
	}
	b.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).Attributes = &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
		WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			WorkflowType: &commonpb.WorkflowType{Name: "GreetAfterSignal"}, TaskQueue: b.queue(), Header: header,
			WorkflowTaskTimeout: durationpb.New(10 * time.Second), Attempt: 1,
			OriginalExecutionRunId: "run-1", FirstExecutionRunId: "run-1",
		}}
	b.workflowTask()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).Attributes = &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{
		WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{SignalName: "name", Input: payloads("ada")}}
	done := b.workflowTask()
	sched := b.next()
	b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).Attributes = &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{
		ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
			ActivityId: "9", ActivityType: &commonpb.ActivityType{Name: "Greet"}, TaskQueue: b.queue(), Input: payloads("ada"),
			StartToCloseTimeout: durationpb.New(time.Minute), WorkflowTaskCompletedEventId: done,
		}}
	started := b.next()
	b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED).Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{
		ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{ScheduledEventId: sched, Attempt: 1}}
	b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED).Attributes = &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{
		ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{Result: payloads("hello ada"), ScheduledEventId: sched, StartedEventId: started}}
	done = b.workflowTask()
	timer := b.next()
	b.add(enumspb.EVENT_TYPE_TIMER_STARTED).Attributes = &historypb.HistoryEvent_TimerStartedEventAttributes{
		TimerStartedEventAttributes: &historypb.TimerStartedEventAttributes{TimerId: "15", StartToFireTimeout: durationpb.New(time.Minute), WorkflowTaskCompletedEventId: done}}
	b.now = b.now.Add(time.Minute)
	b.add(enumspb.EVENT_TYPE_TIMER_FIRED).Attributes = &historypb.HistoryEvent_TimerFiredEventAttributes{
		TimerFiredEventAttributes: &historypb.TimerFiredEventAttributes{TimerId: "15", StartedEventId: timer}}
	done = b.workflowTask()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED).Attributes = &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{
		WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{Result: payloads("hello ada"), WorkflowTaskCompletedEventId: done}}
	return &historypb.History{Events: b.events}
}

type histBuilder struct {
	events []*historypb.HistoryEvent
	now    time.Time
}

func (b *histBuilder) next() int64 { return int64(len(b.events) + 1) }

func (b *histBuilder) queue() *taskqueuepb.TaskQueue {
	return &taskqueuepb.TaskQueue{Name: "temporalsim", Kind: enumspb.TASK_QUEUE_KIND_NORMAL}
}

// add appends an event of type t with the next id; the caller sets its
// attributes.
func (b *histBuilder) add(t enumspb.EventType) *historypb.HistoryEvent {
	b.now = b.now.Add(10 * time.Millisecond)
	e := &historypb.HistoryEvent{EventId: b.next(), EventTime: timestamppb.New(b.now), EventType: t, TaskId: 1 << 20}
	b.events = append(b.events, e)
	return e
}

// workflowTask records one completed workflow task and returns the id of
// its WorkflowTaskCompleted event.
func (b *histBuilder) workflowTask() int64 {
	sched := b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED).Attributes = &historypb.HistoryEvent_WorkflowTaskScheduledEventAttributes{
		WorkflowTaskScheduledEventAttributes: &historypb.WorkflowTaskScheduledEventAttributes{TaskQueue: b.queue(), StartToCloseTimeout: durationpb.New(10 * time.Second), Attempt: 1}}
	started := b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED).Attributes = &historypb.HistoryEvent_WorkflowTaskStartedEventAttributes{
		WorkflowTaskStartedEventAttributes: &historypb.WorkflowTaskStartedEventAttributes{ScheduledEventId: sched}}
	done := b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).Attributes = &historypb.HistoryEvent_WorkflowTaskCompletedEventAttributes{
		WorkflowTaskCompletedEventAttributes: &historypb.WorkflowTaskCompletedEventAttributes{ScheduledEventId: sched, StartedEventId: started}}
	return done
}

func payload(v any) *commonpb.Payload {
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	if err != nil {
		panic(err)
	}
	return p
}

func payloads(v any) *commonpb.Payloads {
	return &commonpb.Payloads{Payloads: []*commonpb.Payload{payload(v)}}
}
