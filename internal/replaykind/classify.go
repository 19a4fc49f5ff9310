package replaykind

import (
	"strings"

	historypb "go.temporal.io/api/history/v1"
)

// Classify turns an error returned by the SDK's WorkflowReplayer into a
// *ReplayError, using the history to find the event the failure is about.
// It returns nil for a nil error. File is left empty for the caller. The
// SDK's message is kept in SDKMessage; Message is a short rewrite of it.
//
// The SDK (go.temporal.io/sdk v1.50.0) reports nondeterminism only as
// message text, so classification matches the messages it writes; the
// tests replay real mutants of a workflow to check each rule against the
// SDK's actual output:
//
//	SDK message (abridged)                                       Kind                          EventID
//	[TMPRL1100] nondeterministic workflow: missing replay
//	  command for EVENT                                          missing-command               EVENT
//	[TMPRL1100] lookup failed for scheduledEventID to
//	  activityID: scheduleEventID: N                             command-mismatch              N
//	[TMPRL1100] During replay, a matching T command was
//	  expected in history event position ID                      missing-command               event that has ID
//	[TMPRL1100] unable to find activityID for ...                missing-command               from the message
//	[TMPRL1100] nondeterministic workflow: extra replay
//	  command for COMMAND                                        extra-command                 its ActivityId/TimerId
//	[TMPRL1100] No cached result found for side effectID         extra-command                 0
//	[TMPRL1100] ... MutableSideEffect API call doesn't have
//	  a correspondent event                                      extra-command                 0
//	[TMPRL1100] nondeterministic workflow: history event is
//	  EVENT, replay command is COMMAND                           command-mismatch              EVENT
//	[TMPRL1100] code executed local activity A, but history
//	  event found B                                              command-mismatch              0
//	[TMPRL1100] Workflow code removed support of version /
//	  is too old to support version                              command-mismatch              the Version marker
//	[TMPRL1100] invalid state transition                         command-mismatch              0
//	replay workflow doesn't return the same result as the
//	  last event                                                 result-mismatch               last event
//	unknown history event                                        unknown-event                 first unknown event
//	unable to find workflow type: T                              unregistered-workflow-type    1
//	[TMPRL1101] Potential deadlock detected                      deadlock                      0
//	anything else (a panic in workflow code, ...)                other                         0
func Classify(err error, h *historypb.History) *ReplayError {
	if err == nil {
		return nil
	}
	msg := err.Error()
	re := &ReplayError{Kind: Other, WorkflowType: WorkflowType(h), SDKMessage: msg, Err: err}
	for _, r := range rules {
		if strings.Contains(msg, r.match) {
			re.Kind = r.kind
			if r.event != nil {
				re.EventID = r.event(msg, h)
			}
			break
		}
	}
	re.Message = shortMessage(re, h)
	return re
}

// rule maps SDK messages containing match to a kind. Earlier rules win.
type rule struct {
	match string
	kind  Kind
	event func(msg string, h *historypb.History) int64
}

// The match strings are taken from the SDK source: internal_task_handlers.go
// (matchReplayWithHistory), internal_command_state_machine.go,
// internal_event_handlers.go, internal_worker.go and internal_workflow.go.
var rules = []rule{
	{"[TMPRL1101] Potential deadlock detected", Deadlock, nil},
	{"unable to find workflow type:", UnregisteredWorkflowType, func(string, *historypb.History) int64 { return 1 }},
	{"unknown history event", UnknownEvent, func(_ string, h *historypb.History) int64 { return firstUnknownEvent(h) }},

	{"nondeterministic workflow: missing replay command for ", MissingCommand, func(msg string, h *historypb.History) int64 {
		return eventFromDescription(after(msg, "missing replay command for "), h)
	}},
	{"nondeterministic workflow: extra replay command for ", ExtraCommand, func(msg string, _ *historypb.History) int64 {
		return commandEventID(after(msg, "extra replay command for "))
	}},
	{"nondeterministic workflow: history event is ", CommandMismatch, func(msg string, h *historypb.History) int64 {
		desc, _, _ := strings.Cut(after(msg, "history event is "), ", replay command is ")
		return eventFromDescription(desc, h)
	}},

	// The SDK writes this when the code's commands no longer line up with
	// the history's activity: it issued another command first (a timer
	// before the activity takes the activity's event id) or none, or closed
	// the workflow. It does not say which, so it is a command mismatch.
	{"lookup failed for scheduledEventID to activityID", CommandMismatch, func(msg string, _ *historypb.History) int64 {
		return numberAfter(msg, "scheduleEventID: ")
	}},
	{"unable to find activityID for the scheduledEventID: ", MissingCommand, func(msg string, _ *historypb.History) int64 {
		return numberAfter(msg, "unable to find activityID for the scheduledEventID: ")
	}},
	{"unable to find activityID for the event: ", MissingCommand, func(msg string, h *historypb.History) int64 {
		return eventFromDescription(after(msg, "unable to find activityID for the event: "), h)
	}},
	{"unable to find nexus operation state machine for event ID: ", MissingCommand, func(msg string, _ *historypb.History) int64 {
		return numberAfter(msg, "for event ID: ")
	}},
	{"unable to find nexus operation state machine for event: ", MissingCommand, func(msg string, h *historypb.History) int64 {
		return eventFromDescription(after(msg, "state machine for event: "), h)
	}},
	{"command was expected in history event position ", MissingCommand, expectedPosition},

	{"No cached result found for side effectID", ExtraCommand, nil},
	{"MutableSideEffect API call doesn't have a correspondent event", ExtraCommand, nil},

	{"code executed local activity ", CommandMismatch, nil},
	{"Workflow code removed support of version ", CommandMismatch, versionMarkerEvent},
	{"Workflow code is too old to support version ", CommandMismatch, versionMarkerEvent},
	{"[TMPRL1100] invalid state transition", CommandMismatch, nil},

	{"replay workflow doesn't return the same result as the last event", ResultMismatch, func(_ string, h *historypb.History) int64 {
		return lastEventID(h)
	}},
}

// after returns the text after the first occurrence of prefix.
func after(s, prefix string) string {
	_, rest, _ := strings.Cut(s, prefix)
	return rest
}

// numberAfter parses the decimal number right after label, or returns 0.
func numberAfter(s, label string) int64 {
	rest := after(s, label)
	var n int64
	for i := 0; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
		if n > (1<<62)/10 {
			return 0
		}
		n = n*10 + int64(rest[i]-'0')
	}
	return n
}

func lastEventID(h *historypb.History) int64 {
	events := h.GetEvents()
	if len(events) == 0 {
		return 0
	}
	return events[len(events)-1].GetEventId()
}
