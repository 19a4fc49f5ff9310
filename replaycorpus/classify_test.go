package replaycorpus

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
)

// classifyCase is an SDK error message and what Classify must make of it.
type classifyCase struct {
	name    string
	kind    Kind
	event   int64
	history *historypb.History
	msg     string
}

// realMessages were captured from go.temporal.io/sdk v1.50.0 by replaying
// the mutants in mutants_test.go (TestMutantsClassified replays them live;
// this table pins the wording, so an SDK upgrade that changes it shows up
// here by name). The result-mismatch message is cut where it dumps the
// request, which holds a build-dependent checksum.
var realMessages = []classifyCase{
	{name: "reorder_activities", kind: CommandMismatch, event: 5, history: orderEvents(),
		msg: "[TMPRL1100] nondeterministic workflow: history event is ActivityTaskScheduled: (ActivityId:5, ActivityType:(Name:Reserve), TaskQueue:(Name:replaycorpus-test, Kind:Normal), ScheduleToCloseTimeout:(Seconds:0, Nanos:0), ScheduleToStartTimeout:(Seconds:0, Nanos:0), StartToCloseTimeout:(Seconds:60, Nanos:0), HeartbeatTimeout:(Seconds:0, Nanos:0), WorkflowTaskCompletedEventId:4, UseWorkflowBuildId:false), replay command is ScheduleActivityTask: (ActivityId:5, ActivityType:(Name:Charge), TaskQueue:(Name:replaycorpus-test, Kind:Normal), Header:(Fields:map[]), Input:(Payloads:[len=1]), ScheduleToCloseTimeout:(Seconds:0, Nanos:0), ScheduleToStartTimeout:(Seconds:0, Nanos:0), StartToCloseTimeout:(Seconds:60, Nanos:0), HeartbeatTimeout:(Seconds:0, Nanos:0), RequestEagerExecution:true, UseWorkflowBuildId:true)"},
	{name: "change_activity_type", kind: CommandMismatch, event: 5, history: orderEvents(),
		msg: "[TMPRL1100] nondeterministic workflow: history event is ActivityTaskScheduled: (ActivityId:5, ActivityType:(Name:Reserve), TaskQueue:(Name:replaycorpus-test, Kind:Normal), ScheduleToCloseTimeout:(Seconds:0, Nanos:0), ScheduleToStartTimeout:(Seconds:0, Nanos:0), StartToCloseTimeout:(Seconds:60, Nanos:0), HeartbeatTimeout:(Seconds:0, Nanos:0), WorkflowTaskCompletedEventId:4, UseWorkflowBuildId:false), replay command is ScheduleActivityTask: (ActivityId:5, ActivityType:(Name:Hold), TaskQueue:(Name:replaycorpus-test, Kind:Normal), Header:(Fields:map[]), Input:(Payloads:[len=1]), ScheduleToCloseTimeout:(Seconds:0, Nanos:0), ScheduleToStartTimeout:(Seconds:0, Nanos:0), StartToCloseTimeout:(Seconds:60, Nanos:0), HeartbeatTimeout:(Seconds:0, Nanos:0), RequestEagerExecution:true, UseWorkflowBuildId:true)"},
	{name: "add_activity_at_end", kind: ExtraCommand, event: 22, history: orderEvents(),
		msg: "[TMPRL1100] nondeterministic workflow: extra replay command for ScheduleActivityTask: (ActivityId:22, ActivityType:(Name:Notify), TaskQueue:(Name:replaycorpus-test, Kind:Normal), Header:(Fields:map[]), Input:(Payloads:[len=1]), ScheduleToCloseTimeout:(Seconds:0, Nanos:0), ScheduleToStartTimeout:(Seconds:0, Nanos:0), StartToCloseTimeout:(Seconds:60, Nanos:0), HeartbeatTimeout:(Seconds:0, Nanos:0), RequestEagerExecution:true, UseWorkflowBuildId:true)"},
	{name: "add_timer_at_end", kind: ExtraCommand, event: 22, history: orderEvents(),
		msg: "[TMPRL1100] nondeterministic workflow: extra replay command for StartTimer: (TimerId:22, StartToFireTimeout:(Seconds:60, Nanos:0))"},
	{name: "add_timer_at_start", kind: CommandMismatch, event: 5, history: orderEvents(),
		msg: "[TMPRL1100] lookup failed for scheduledEventID to activityID: scheduleEventID: 5, activityID: 5"},
	{name: "remove_timer", kind: MissingCommand, event: 11, history: orderEvents(),
		msg: "[TMPRL1100] During replay, a matching Timer command was expected in history event position 11. However, the replayed code did not produce that. Possible causes are nondeterministic workflow definition code, or an incompatible change in the workflow definition."},
	{name: "remove_activity", kind: CommandMismatch, event: 16, history: orderEvents(),
		msg: "[TMPRL1100] lookup failed for scheduledEventID to activityID: scheduleEventID: 16, activityID: 16"},
	{name: "change_result_handling", kind: ResultMismatch, event: 22, history: orderEvents(),
		msg: "replay workflow doesn't return the same result as the last event, resp: *workflowservice.RespondWorkflowTaskCompletedRequest{task_token:\"ReplayTaskToken\" commands:{command_type:COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION ...}, last: *history.HistoryEvent{event_id:22 ...}"},
	{name: "add_side_effect", kind: ExtraCommand, event: 0, history: orderEvents(),
		msg: "[TMPRL1100] No cached result found for side effectID=1. KnownSideEffects=[]"},
	{name: "add_mutable_side_effect", kind: ExtraCommand, event: 0, history: orderEvents(),
		msg: "[TMPRL1100] Non deterministic workflow code change detected. MutableSideEffect API call doesn't have a correspondent event in the workflow history. MutableSideEffect ID: limit"},
	{name: "version_removed", kind: CommandMismatch, event: 5, history: orderHistoryWithVersion(),
		msg: "[TMPRL1100] Workflow code removed support of version 1. for \"notify\" changeID. The oldest supported version is 2"},
	{name: "version_too_old", kind: CommandMismatch, event: 5, history: orderHistoryWithVersion(),
		msg: "[TMPRL1100] Workflow code is too old to support version 1 for \"notify\" changeID. The maximum supported version is -1"},
	{name: "unknown_event_unspecified", kind: UnknownEvent, event: 8, history: orderHistoryWithUnknownEvent(0)(),
		msg: "unknown history event"},
	{name: "panic_in_workflow", kind: Other, event: 0, history: orderEvents(),
		msg: "assignment to entry in nil map"},
	{name: "unregistered_workflow_type", kind: UnregisteredWorkflowType, event: 1, history: orderEvents(),
		msg: "unable to find workflow type: OrderWorkflow. Supported types: [PaymentWorkflow]"},
	{name: "deadlock", kind: Deadlock, event: 0, history: orderEvents(),
		msg: "[TMPRL1101] Potential deadlock detected: workflow goroutine \"root\" didn't yield for over 1s"},
}

// formatMessages are built from format strings in the SDK source for
// failures the mutants do not reach; they check the parsing of each rule.
var formatMessages = []classifyCase{
	{name: "missing_replay_command_second_activity", kind: MissingCommand, event: 16, history: orderEvents(),
		msg: "[TMPRL1100] nondeterministic workflow: missing replay command for ActivityTaskScheduled: (ActivityId:16, ActivityType:(Name:Charge), TaskQueue:(Name:replaycorpus-test, Kind:Normal), StartToCloseTimeout:(Seconds:60, Nanos:0), WorkflowTaskCompletedEventId:15, UseWorkflowBuildId:false)"},
	{name: "mismatch_on_timer", kind: CommandMismatch, event: 11, history: orderEvents(),
		msg: "[TMPRL1100] nondeterministic workflow: history event is TimerStarted: (TimerId:11, StartToFireTimeout:(Seconds:60, Nanos:0), WorkflowTaskCompletedEventId:10), replay command is ScheduleActivityTask: (ActivityId:11, ActivityType:(Name:Charge))"},
	{name: "mismatch_event_not_in_history", kind: CommandMismatch, event: 0, history: orderEvents(),
		msg: "[TMPRL1100] nondeterministic workflow: history event is StartChildWorkflowExecutionInitiated: (WorkflowId:child), replay command is StartTimer: (TimerId:5)"},
	{name: "extra_child_workflow_command", kind: ExtraCommand, event: 0, history: orderEvents(),
		msg: "[TMPRL1100] nondeterministic workflow: extra replay command for StartChildWorkflowExecution: (CommandType:StartChildWorkflowExecution)"},
	{name: "activity_id_for_scheduled_event", kind: MissingCommand, event: 7, history: orderEvents(),
		msg: "[TMPRL1100] unable to find activityID for the scheduledEventID: 7"},
	{name: "activity_id_for_event", kind: MissingCommand, event: 16, history: orderEvents(),
		msg: "[TMPRL1100] unable to find activityID for the event: ActivityTaskScheduled: (ActivityId:16, ActivityType:(Name:Charge), WorkflowTaskCompletedEventId:15)"},
	{name: "expected_activity_command", kind: MissingCommand, event: 16, history: orderEvents(),
		msg: "[TMPRL1100] During replay, a matching Activity command was expected in history event position 16. However, the replayed code did not produce that. Possible causes are nondeterministic workflow definition code, or an incompatible change in the workflow definition."},
	{name: "local_activity_changed", kind: CommandMismatch, event: 0, history: orderEvents(),
		msg: "[TMPRL1100] code executed local activity Lookup, but history event found Fetch, markerData: {}"},
	{name: "invalid_state_transition", kind: CommandMismatch, event: 0, history: orderEvents(),
		msg: "[TMPRL1100] invalid state transition: attempt to handleTimerFired, {CommandType: Timer, ID: 11, State: Created}"},
	{name: "nexus_operation_event_id", kind: MissingCommand, event: 9, history: orderEvents(),
		msg: "[TMPRL1100] unable to find nexus operation state machine for event ID: 9"},
	{name: "duplicate_command", kind: Other, event: 0, history: orderEvents(),
		msg: "[TMPRL1100] adding duplicate command {CommandType: Activity, ID: 5}"},
	{name: "failed_workflow_task_wrapper", kind: MissingCommand, event: 11, history: orderEvents(),
		msg: "replay workflow failed with failure: message:\"[TMPRL1100] During replay, a matching Timer command was expected in history event position 11. However, the replayed code did not produce that.\""},
	{name: "not_an_sdk_message", kind: Other, event: 0, history: orderEvents(),
		msg: "context deadline exceeded"},
}

func TestClassifyMessages(t *testing.T) {
	for _, table := range [][]classifyCase{realMessages, formatMessages} {
		for _, tc := range table {
			t.Run(tc.name, func(t *testing.T) {
				sdkErr := errors.New(tc.msg)
				got := Classify(sdkErr, tc.history)
				if got.Kind != tc.kind || got.EventID != tc.event {
					t.Errorf("Classify(%q) = %s at event %d, want %s at event %d", tc.msg, got.Kind, got.EventID, tc.kind, tc.event)
				}
				if got.SDKMessage != tc.msg || !errors.Is(got, sdkErr) || got.WorkflowType != orderWorkflowType {
					t.Errorf("Classify kept SDK message %q, err %v, workflow type %q", got.SDKMessage, got.Err, got.WorkflowType)
				}
				checkShortMessage(t, got)
			})
		}
	}
}

func TestClassifyNil(t *testing.T) {
	if got := Classify(nil, orderEvents()); got != nil {
		t.Fatalf("Classify(nil) = %v, want nil", got)
	}
}

// TestEveryKindHasARealMessage keeps the captured table complete. Malformed
// comes from the loader, never from the SDK (TestMalformedFilesDoNotStopTheBatch).
func TestEveryKindHasARealMessage(t *testing.T) {
	seen := map[Kind]bool{Malformed: true}
	for _, tc := range realMessages {
		seen[tc.kind] = true
	}
	for _, k := range Kinds {
		if !seen[k] {
			t.Errorf("no captured SDK message classified as %s", k)
		}
	}
}

func TestReplayErrorString(t *testing.T) {
	e := &ReplayError{Kind: MissingCommand, EventID: 11, File: "testdata/order/order.json", WorkflowType: "OrderWorkflow", Message: "event 11 ...", SDKMessage: "[TMPRL1100] ..."}
	want := "testdata/order/order.json: OrderWorkflow: missing-command at event 11: event 11 ..."
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &ReplayError{Kind: Deadlock, Message: "stuck"}
	if got, want := fmt.Sprint(e), "deadlock: stuck"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// checkShortMessage checks what ReplayError.Message promises: one line
// under 300 characters that names the event when the kind has one.
func checkShortMessage(t *testing.T, e *ReplayError) {
	t.Helper()
	if len(e.Message) >= 300 || strings.Contains(e.Message, "\n") || e.Message == "" {
		t.Errorf("message is %d characters (want one line under 300): %q", len(e.Message), e.Message)
	}
	if e.EventID > 0 && e.Kind != UnregisteredWorkflowType && e.Kind != UnknownEvent && !strings.Contains(e.Message, fmt.Sprintf("event %d", e.EventID)) {
		t.Errorf("message %q does not name event %d", e.Message, e.EventID)
	}
}
