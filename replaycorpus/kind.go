package replaycorpus

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
	return "", fmt.Errorf("unknown replay failure kind %q: want one of %s", s, kindNames())
}

func kindNames() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// Expectation is the replay result a history is expected to have: it
// replays cleanly (the zero value), fails in any way, or fails with a given
// Kind. Its text form, used in manifests, is "pass", "fail" or
// "fail:KIND", for example "fail:missing-command".
//
// "fail" accepts every kind but Malformed: a file that cannot be loaded
// (a misspelt name in the manifest, a truncated download) was never
// replayed, so it does not count as the failure a corpus expects. Write
// "fail:malformed" to expect that.
type Expectation struct {
	// Fail is true when replay is expected to fail.
	Fail bool
	// Kind is the expected failure kind; empty when Fail is false, or
	// when any kind but Malformed will do.
	Kind Kind
}

// ExpectPass is the expectation of a clean replay.
var ExpectPass = Expectation{}

// ExpectFail returns the expectation of a replay failing with kind k.
func ExpectFail(k Kind) Expectation { return Expectation{Fail: true, Kind: k} }

// ExpectAnyFailure is the expectation of a replay failing with any kind
// but Malformed: "fail" in a manifest.
var ExpectAnyFailure = Expectation{Fail: true}

// String returns the text form: "pass", "fail" or "fail:KIND".
func (e Expectation) String() string {
	switch {
	case !e.Fail:
		return "pass"
	case e.Kind == "":
		return "fail"
	}
	return "fail:" + string(e.Kind)
}

// ParseExpectation parses the text form written by String.
func ParseExpectation(s string) (Expectation, error) {
	switch s {
	case "pass":
		return ExpectPass, nil
	case "fail":
		return ExpectAnyFailure, nil
	}
	rest, ok := strings.CutPrefix(s, "fail:")
	if !ok {
		return Expectation{}, fmt.Errorf("bad expectation %q: want \"pass\", \"fail\" or \"fail:KIND\" with KIND one of %s", s, kindNames())
	}
	k, err := ParseKind(rest)
	if err != nil {
		return Expectation{}, fmt.Errorf("bad expectation %q: %w", s, err)
	}
	return ExpectFail(k), nil
}

// MarshalText implements encoding.TextMarshaler.
func (e Expectation) MarshalText() ([]byte, error) {
	if e.Fail && e.Kind != "" && !e.Kind.Valid() {
		return nil, fmt.Errorf("expectation fails with unknown kind %q", e.Kind)
	}
	return []byte(e.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (e *Expectation) UnmarshalText(b []byte) error {
	v, err := ParseExpectation(string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// Met reports whether a replay that ended with err (nil for a clean replay)
// is what e expects.
func (e Expectation) Met(err *ReplayError) bool {
	switch {
	case err == nil:
		return !e.Fail
	case e.Kind == "":
		return e.Fail && err.Kind != Malformed
	}
	return e.Fail && err.Kind == e.Kind
}
