package replaycorpus

import (
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/workflow"
)

// mutantCase replays a history recorded from the original order workflow
// (or a variant of that history) against changed code, and checks the
// classification of the SDK's real error.
type mutantCase struct {
	name     string
	why      string
	workflow any
	history  func() *historypb.History
	want     Expectation
	event    int64  // expected ReplayError.EventID
	message  string // a part of the SDK's message
}

func orderEvents() *historypb.History { return orderHistory().history() }

// orderHistoryWithVersion records orderWorkflow that also called
// workflow.GetVersion("notify", DefaultVersion, 1) first.
func orderHistoryWithVersion() *historypb.History {
	b := newHistoryBuilder(orderWorkflowType, "order-1")
	b.workflowTask()
	b.versionMarker("notify", 1) // 5
	b.activity("Reserve", "reserved")
	b.workflowTask()
	b.complete("reserved")
	return b.history()
}

// orderHistoryWithUnknownEvent has an event of a type this SDK does not
// know (as a history from a newer server would) after the first activity.
func orderHistoryWithUnknownEvent(t enumspb.EventType) func() *historypb.History {
	return func() *historypb.History {
		b := newHistoryBuilder(orderWorkflowType, "order-1")
		b.workflowTask()
		b.activity("Reserve", "reserved")
		b.add(t) // 8
		b.workflowTask()
		b.timer(time.Minute)
		b.workflowTask()
		b.activity("Charge", "charged")
		b.workflowTask()
		b.complete("reserved+charged")
		return b.history()
	}
}

var mutantCases = []mutantCase{
	{name: "original", why: "the code that recorded the history", workflow: orderWorkflow,
		history: orderEvents, want: ExpectPass},
	{name: "versioned_change", why: "a change behind workflow.GetVersion takes the old branch on old histories",
		workflow: mutantVersioned, history: orderEvents, want: ExpectPass},
	{name: "reorder_activities", why: "Charge now runs where the history has Reserve",
		workflow: mutantReorderActivities, history: orderEvents, want: ExpectFail(CommandMismatch), event: 5,
		message: "nondeterministic workflow: history event is ActivityTaskScheduled: (ActivityId:5, ActivityType:(Name:Reserve)"},
	{name: "change_activity_type", why: "Reserve renamed to Hold",
		workflow: mutantChangeActivityType, history: orderEvents, want: ExpectFail(CommandMismatch), event: 5,
		message: "replay command is ScheduleActivityTask: (ActivityId:5, ActivityType:(Name:Hold)"},
	{name: "add_activity_at_end", why: "Notify runs after Charge; the history completed instead",
		workflow: mutantAddActivity, history: orderEvents, want: ExpectFail(ExtraCommand), event: 22,
		message: "nondeterministic workflow: extra replay command for ScheduleActivityTask: (ActivityId:22, ActivityType:(Name:Notify)"},
	{name: "add_timer_at_end", why: "a sleep after Charge; the history completed instead",
		workflow: mutantAddTimerAtEnd, history: orderEvents, want: ExpectFail(ExtraCommand), event: 22,
		message: "extra replay command for StartTimer: (TimerId:22"},
	{name: "add_timer_at_start", why: "the new timer takes id 5, where the history has activity 5: an extra command before the activity",
		workflow: mutantAddTimer, history: orderEvents, want: ExpectFail(CommandMismatch), event: 5,
		message: "lookup failed for scheduledEventID to activityID: scheduleEventID: 5, activityID: 5"},
	{name: "remove_timer", why: "the history's timer 11 has no command",
		workflow: mutantRemoveTimer, history: orderEvents, want: ExpectFail(MissingCommand), event: 11,
		message: "During replay, a matching Timer command was expected in history event position 11"},
	{name: "remove_activity", why: "the code completes where the history has Charge (event 16)",
		workflow: mutantRemoveActivity, history: orderEvents, want: ExpectFail(CommandMismatch), event: 16,
		message: "lookup failed for scheduledEventID to activityID: scheduleEventID: 16, activityID: 16"},
	{name: "change_result_handling", why: "the code fails where the history completed",
		workflow: mutantChangeResultHandling, history: orderEvents, want: ExpectFail(ResultMismatch), event: 22,
		message: "replay workflow doesn't return the same result as the last event"},
	{name: "add_side_effect", why: "a SideEffect the history has no marker for",
		workflow: mutantSideEffect, history: orderEvents, want: ExpectFail(ExtraCommand),
		message: "No cached result found for side effectID=1"},
	{name: "add_mutable_side_effect", why: "a MutableSideEffect the history has no marker for",
		workflow: mutantMutableSideEffect, history: orderEvents, want: ExpectFail(ExtraCommand),
		message: "MutableSideEffect API call doesn't have a correspondent event in the workflow history"},
	{name: "version_still_supported", why: "same GetVersion range as the recording",
		workflow: versionedWorkflow(workflow.DefaultVersion, 1), history: orderHistoryWithVersion, want: ExpectPass},
	{name: "version_dropped", why: "removing the GetVersion call is compatible: version markers are not matched",
		workflow: reserveOnly, history: orderHistoryWithVersion, want: ExpectPass},
	{name: "version_removed", why: "minSupported raised past the recorded version",
		workflow: versionedWorkflow(2, 2), history: orderHistoryWithVersion, want: ExpectFail(CommandMismatch), event: 5,
		message: `Workflow code removed support of version 1. for "notify" changeID`},
	{name: "version_too_old", why: "maxSupported below the recorded version",
		workflow: versionedWorkflow(workflow.DefaultVersion, workflow.DefaultVersion), history: orderHistoryWithVersion, want: ExpectFail(CommandMismatch), event: 5,
		message: `Workflow code is too old to support version 1 for "notify" changeID`},
	{name: "unknown_event_unspecified", why: "an event type name this API does not know loads as EVENT_TYPE_UNSPECIFIED",
		workflow: orderWorkflow, history: orderHistoryWithUnknownEvent(enumspb.EVENT_TYPE_UNSPECIFIED),
		want: ExpectFail(UnknownEvent), event: 8, message: "unknown history event"},
	{name: "unknown_event_number", why: "an event type number from a newer server",
		workflow: orderWorkflow, history: orderHistoryWithUnknownEvent(1000),
		want: ExpectFail(UnknownEvent), event: 8, message: "unknown history event"},
	{name: "panic_in_workflow", why: "a panic in workflow code is not nondeterminism",
		workflow: mutantPanics, history: orderEvents, want: ExpectFail(Other),
		message: "assignment to entry in nil map"},
}

func TestMutantsClassified(t *testing.T) {
	for _, tc := range mutantCases {
		t.Run(tc.name, func(t *testing.T) {
			r := newOrderReplayer(t, tc.workflow)
			res := r.ReplayHistory(tc.name, tc.history(), tc.want)
			checkMutant(t, tc, res)
		})
	}
}

func checkMutant(t *testing.T, tc mutantCase, res Result) {
	t.Helper()
	if !res.Pass {
		t.Fatalf("%s (%s): want %s, got %v\nSDK log:\n%s", tc.name, tc.why, tc.want, res.Err, res.Log)
	}
	if res.Err == nil {
		return
	}
	if res.Err.EventID != tc.event {
		t.Errorf("event id = %d, want %d (%s)", res.Err.EventID, tc.event, res.Err.Message)
	}
	if !strings.Contains(res.Err.SDKMessage, tc.message) {
		t.Errorf("SDK message %q does not contain %q: has the SDK changed its wording? Update the classifier rules", res.Err.SDKMessage, tc.message)
	}
	checkShortMessage(t, res.Err)
	if res.Err.WorkflowType != orderWorkflowType || res.Err.File != tc.name {
		t.Errorf("ReplayError names %q/%q, want %q/%q", res.Err.File, res.Err.WorkflowType, tc.name, orderWorkflowType)
	}
}

func newOrderReplayer(t testing.TB, wf any) *Replayer {
	t.Helper()
	r, err := NewReplayer(Options{NamedWorkflows: map[string]any{orderWorkflowType: wf}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestUnregisteredWorkflowType(t *testing.T) {
	r, err := NewReplayer(Options{NamedWorkflows: map[string]any{"PaymentWorkflow": orderWorkflow}})
	if err != nil {
		t.Fatal(err)
	}
	res := r.ReplayHistory("unregistered", orderEvents(), ExpectFail(UnregisteredWorkflowType))
	checkMutant(t, mutantCase{name: "unregistered", want: ExpectFail(UnregisteredWorkflowType), event: 1,
		message: "unable to find workflow type: OrderWorkflow. Supported types: [PaymentWorkflow]"}, res)
	if want := "no workflow is registered as OrderWorkflow (registered: PaymentWorkflow): add it to Options.Workflows, or to NamedWorkflows under that name"; res.Err.Message != want {
		t.Errorf("message %q, want %q", res.Err.Message, want)
	}
}

// TestDeadlock replays a workflow that blocks outside the SDK's scheduler.
// The SDK detects that after its one-second deadlock timeout, so this test
// takes about a second; the blocked goroutine is released at cleanup.
func TestDeadlock(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	r := newOrderReplayer(t, blockingWorkflow(release))
	res := r.ReplayHistory("deadlock", orderEvents(), ExpectFail(Deadlock))
	checkMutant(t, mutantCase{name: "deadlock", want: ExpectFail(Deadlock),
		message: `[TMPRL1101] Potential deadlock detected: workflow goroutine "root" didn't yield for over 1s`}, res)
}
