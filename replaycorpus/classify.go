package replaycorpus

import (
	historypb "go.temporal.io/api/history/v1"

	"github.com/temporalsim/temporalsim/internal/replaykind"
)

// ReplayError is a failed replay, classified: what kind of
// nondeterminism (or other failure) it was, at which event, in which file.
type ReplayError = replaykind.ReplayError

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
	return replaykind.Classify(err, h)
}
