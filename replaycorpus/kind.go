package replaycorpus

import (
	"fmt"
	"strings"

	"github.com/temporalsim/temporalsim/internal/replaykind"
)

// Kind names the way a replay failed. Its values are stable lowercase
// strings, used as-is in manifests, JSON output and on the command line.
// The classification lives in internal/replaykind so that the simulator's
// replay oracle (package sim) reports the same kinds.
type Kind = replaykind.Kind

// The kinds of replay failure; see replaykind for each one's meaning.
// Classify documents which SDK messages map to which kind.
const (
	MissingCommand           = replaykind.MissingCommand
	ExtraCommand             = replaykind.ExtraCommand
	CommandMismatch          = replaykind.CommandMismatch
	ResultMismatch           = replaykind.ResultMismatch
	UnknownEvent             = replaykind.UnknownEvent
	UnregisteredWorkflowType = replaykind.UnregisteredWorkflowType
	Deadlock                 = replaykind.Deadlock
	Malformed                = replaykind.Malformed
	Other                    = replaykind.Other
)

// Kinds lists every kind, in a fixed order.
var Kinds = replaykind.Kinds

// ParseKind returns the kind named s, or an error listing the valid names.
func ParseKind(s string) (Kind, error) { return replaykind.ParseKind(s) }

func kindNames() string { return replaykind.KindNames() }

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
