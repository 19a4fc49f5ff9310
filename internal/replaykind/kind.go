package replaykind

import (
	"fmt"
	"strings"
)

// Kind names the way a replay failed. Its values are stable lowercase
// strings, used as-is in manifests, JSON output and on the command line.
type Kind string

// The kinds of replay failure. Classify documents which SDK messages map to
// which kind.
const (
	// MissingCommand: the history has an event (an activity, a timer, ...)
	// that the replayed code no longer produces.
	MissingCommand Kind = "missing-command"
	// ExtraCommand: the replayed code produces a command (or a side effect)
	// that the history does not have.
	ExtraCommand Kind = "extra-command"
	// CommandMismatch: at the same position the code produces a different
	// command than the history recorded (another activity type, a timer
	// instead of an activity, a GetVersion range that excludes the recorded
	// version).
	CommandMismatch Kind = "command-mismatch"
	// ResultMismatch: the code ends the workflow differently than the
	// history did (fails where it completed, or completes where it
	// continued as new).
	ResultMismatch Kind = "result-mismatch"
	// UnknownEvent: the history has an event type this SDK cannot handle.
	UnknownEvent Kind = "unknown-event"
	// UnregisteredWorkflowType: no workflow is registered under the
	// history's workflow type.
	UnregisteredWorkflowType Kind = "unregistered-workflow-type"
	// Deadlock: workflow code blocked outside the SDK's scheduler for longer
	// than the SDK's deadlock timeout (one second by default).
	Deadlock Kind = "deadlock"
	// Malformed: the history file or its manifest could not be used: the
	// file is missing or is not a history, the manifest is broken, names a
	// data converter Options does not have, or disagrees with the history.
	// Nothing was replayed.
	Malformed Kind = "malformed"
	// Other: any other failure, such as a panic in workflow code.
	Other Kind = "other"
)

// Kinds lists every kind, in a fixed order.
var Kinds = []Kind{
	MissingCommand, ExtraCommand, CommandMismatch, ResultMismatch,
	UnknownEvent, UnregisteredWorkflowType, Deadlock, Malformed, Other,
}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// ParseKind returns the kind named s, or an error listing the valid names.
func ParseKind(s string) (Kind, error) {
	if k := Kind(s); k.Valid() {
		return k, nil
	}
	return "", fmt.Errorf("unknown replay failure kind %q: want one of %s", s, KindNames())
}

// KindNames lists the kinds, comma-separated, for error messages.
func KindNames() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
