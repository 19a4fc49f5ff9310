package replaykind

import (
	"fmt"
	"strings"
)

// ReplayError is a failed replay, classified: what kind of
// nondeterminism (or other failure) it was, at which event, in which file.
type ReplayError struct {
	// Kind classifies the failure.
	Kind Kind `json:"kind"`
	// EventID is the history event the failure is about: the event the
	// code no longer matches, the position an extra command would have
	// taken, the last event for a result mismatch, 1 for an unregistered
	// workflow type. Zero when the SDK's message does not tell (deadlocks,
	// panics in workflow code, unmatched side effects).
	EventID int64 `json:"event_id,omitempty"`
	// File is the history file, when the history came from one.
	File string `json:"file,omitempty"`
	// WorkflowType is the history's workflow type.
	WorkflowType string `json:"workflow_type,omitempty"`
	// Message says what went wrong in one short line (under 300
	// characters): for nondeterminism, the history event and the command
	// the code issued, side by side, with the event id.
	Message string `json:"message"`
	// SDKMessage is the SDK's original error message, unchanged; empty
	// when the failure did not come from the SDK (a file that could not
	// be loaded, a result check).
	SDKMessage string `json:"sdk_message,omitempty"`
	// Hint, when set, points at a likely cause that the kind alone would
	// hide: a payload the data converter cannot decode makes a replay fail
	// the way nondeterministic code does.
	Hint string `json:"hint,omitempty"`
	// Err is the error the SDK returned (or the *LoadError for a history
	// that could not be loaded).
	Err error `json:"-"`
}

// Error returns one line: file, workflow type, kind, event, the short
// message and the hint.
func (e *ReplayError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.WorkflowType != "" {
		b.WriteString(e.WorkflowType)
		b.WriteString(": ")
	}
	b.WriteString(string(e.Kind))
	if e.EventID > 0 {
		fmt.Fprintf(&b, " at event %d", e.EventID)
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	if e.Hint != "" {
		b.WriteString(" (hint: ")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the SDK's error.
func (e *ReplayError) Unwrap() error { return e.Err }
