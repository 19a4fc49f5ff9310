package conformance

import (
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

func event(id int64, t time.Time, typ enumspb.EventType, set func(*historypb.HistoryEvent)) *historypb.HistoryEvent {
	e := &historypb.HistoryEvent{EventId: id, EventTime: timestamppb.New(t), EventType: typ}
	set(e)
	return e
}

func TestActivitiesOfReadsTheServersResults(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	hbTimeout := &failurepb.Failure{Message: "activity Heartbeat timeout", FailureInfo: &failurepb.Failure_TimeoutFailureInfo{
		TimeoutFailureInfo: &failurepb.TimeoutFailureInfo{TimeoutType: enumspb.TIMEOUT_TYPE_HEARTBEAT}}}
	h := runHistory{WorkflowID: "w", RunID: "r", Events: []*historypb.HistoryEvent{
		event(5, t0, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
				ActivityId: "5", ActivityType: &commonpb.ActivityType{Name: "A"}}}
		}),
		event(7, t0.Add(time.Second), enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{
				ScheduledEventId: 5, Attempt: 3, LastFailure: hbTimeout}}
		}),
		event(8, t0.Add(2*time.Second), enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, func(e *historypb.HistoryEvent) {
			e.Attributes = &historypb.HistoryEvent_ActivityTaskTimedOutEventAttributes{ActivityTaskTimedOutEventAttributes: &historypb.ActivityTaskTimedOutEventAttributes{
				ScheduledEventId: 5, StartedEventId: 7, Failure: &failurepb.Failure{Message: "activity StartToClose timeout", FailureInfo: &failurepb.Failure_TimeoutFailureInfo{
					TimeoutFailureInfo: &failurepb.TimeoutFailureInfo{TimeoutType: enumspb.TIMEOUT_TYPE_START_TO_CLOSE}}}}}
		}),
	}}
	a := activitiesOf(h)["5"]
	if a == nil || a.Type != "A" || a.LastAttempt != 3 || a.BeforeLast != "timeout:HEARTBEAT" || a.Close != "timeout:START_TO_CLOSE" || !a.Closed.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("got %+v", a)
	}
}

// TestAttemptResultInference covers how a real run's earlier attempts get
// the server's result from the worker's side.
func TestAttemptResultInference(t *testing.T) {
	s := &serverRun{seen: map[string]workerAttempt{"r/5/1": {Ctx: "deadline"}}}
	h := runHistory{RunID: "r"}
	sa := &serverActivity{ID: "5", LastAttempt: 4, BeforeLast: "timeout:HEARTBEAT", Close: "ok"}
	policy := sim.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 1, MaximumInterval: 100 * time.Second}
	rec := sim.ActivityRecord{StartToClose: time.Minute, Policy: policy}
	withHB := rec
	withHB.Heartbeat = 20 * time.Second
	at := func(n int, start, end time.Duration, res string) realserver.Attempt {
		return realserver.Attempt{N: n, Start: start, End: end, Result: res}
	}
	next := at(2, 10*time.Second, 20*time.Second, "ok")
	tests := []struct {
		name    string
		rec     sim.ActivityRecord
		attempt realserver.Attempt
		next    *realserver.Attempt
		want    string
	}{
		{"the last attempt, from the history", rec, at(4, 0, time.Second, "ApplicationError"), nil, "ok"},
		{"the one before, from the history", rec, at(3, 0, time.Second, "ok"), &next, "timeout:HEARTBEAT"},
		{"a context deadline is a timeout", rec, at(1, 0, time.Minute, "CanceledError"), &next, "timeout:START_TO_CLOSE~"},
		{"a reported error stands", rec, at(2, 0, 5*time.Second, "ApplicationError:X"), &next, "ApplicationError:X"},
		{"an error reported too late for the retry was a timeout", rec, at(2, 0, 9500*time.Millisecond, "ApplicationError:X"), &next, "timeout:START_TO_CLOSE~"},
		{"a success followed by a retry was a heartbeat timeout", withHB, at(2, 0, 30*time.Second, "ok"), &next, "timeout:HEARTBEAT~"},
		{"an attempt still running at the end", withHB, at(2, 0, 0, "running"), nil, "timeout:HEARTBEAT~"},
	}
	for _, tt := range tests {
		if got := s.attemptResult(h, sa, tt.rec, tt.attempt, tt.next); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestAttemptOfAClosedWorkflow(t *testing.T) {
	clk := realserver.NewScaledClock(time.Now(), 1)
	clk.Start()
	closedAt := clk.RealStart().Add(10 * time.Second) // 10s into the run
	s := &serverRun{seen: map[string]workerAttempt{}, clk: clk}
	closedRun := runHistory{RunID: "r", Events: []*historypb.HistoryEvent{
		event(9, closedAt, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, func(*historypb.HistoryEvent) {})}}
	open := runHistory{RunID: "r"}
	sa := &serverActivity{ID: "5"} // no start or close event: the attempt never ended on the server
	after := realserver.Attempt{N: 1, Start: time.Second, End: 12 * time.Second, Result: "ApplicationError"}
	if got := s.attemptResult(closedRun, sa, sim.ActivityRecord{}, after, nil); got != "after-close:ApplicationError" {
		t.Errorf("ended after its workflow closed: %s", got)
	}
	running := realserver.Attempt{N: 1, Start: time.Second, Result: "running"}
	if got := s.attemptResult(closedRun, sa, sim.ActivityRecord{}, running, nil); got != "after-close:running" {
		t.Errorf("still running when the run ended: %s", got)
	}
	// An attempt that failed before the close, its retry still in backoff
	// when the workflow closed, has no event either; the worker's report
	// stands.
	before := realserver.Attempt{N: 1, Start: time.Second, End: 5 * time.Second, Result: "ApplicationError"}
	if got := s.attemptResult(closedRun, sa, sim.ActivityRecord{}, before, nil); got != "ApplicationError" {
		t.Errorf("ended before its workflow closed: %s", got)
	}
	if got := s.attemptResult(open, sa, sim.ActivityRecord{}, after, nil); got != "ApplicationError" {
		t.Errorf("in an open workflow: %s", got)
	}
}

func TestWorkflowNow(t *testing.T) {
	start := time.Date(2026, 11, 21, 6, 21, 37, 0, time.UTC)
	midnight := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	if got := workflowNow(start, 100, start); !got.Equal(midnight) {
		t.Errorf("at the start: %s, want %s", got, midnight)
	}
	if got := workflowNow(start, 100, start.Add(1500*time.Millisecond)); !got.Equal(midnight.Add(150 * time.Second)) {
		t.Errorf("1.5s in at 100x: %s, want %s", got, midnight.Add(150*time.Second))
	}
	if got := workflowNow(start, 100, start); !got.After(start) {
		t.Errorf("%s is not after the real start %s: a local activity's expiry would be in the past", got, start)
	}
}

func TestFindCLIFailsNamingTheInstallScript(t *testing.T) {
	t.Setenv("TEMPORAL_CLI", "/nonexistent/temporal")
	_, err := findCLI()
	if err == nil || !regexpMatch(`scripts/install-temporal-cli\.sh`, err.Error()) {
		t.Errorf("findCLI with a missing binary: %v", err)
	}
}
