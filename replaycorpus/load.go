package replaycorpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/temporalsim/temporalsim/internal/replaykind"
)

// LoadOptions change how a history is loaded. A nil *LoadOptions means the
// defaults: the whole history.
type LoadOptions struct {
	// LastEventID, when positive, cuts the history after the event with
	// this id, to replay a partial history (as the SDK's
	// ReplayPartialWorkflowHistoryFromJSONFile does). The id must exist.
	LastEventID int64
}

// LoadError is why a history could not be loaded: the file, and what is
// wrong with it.
type LoadError struct {
	// File is the path of the history; empty for ParseHistory and
	// ReadHistory, which have no file name.
	File string
	// Reason says what is wrong, for a person to read.
	Reason string
	// Err is the underlying error, if any (from the file system or the
	// JSON decoder).
	Err error
}

// Error returns "history FILE: REASON".
func (e *LoadError) Error() string {
	name := e.File
	if name == "" {
		name = "<input>"
	}
	return fmt.Sprintf("history %s: %s", name, e.Reason)
}

// Unwrap returns the underlying error.
func (e *LoadError) Unwrap() error { return e.Err }

// LoadHistory reads the history in the JSON file at path. It accepts every
// dialect real tools write: the `temporal workflow show -o json` shape
// ({"events": [...]}, EVENT_TYPE_* enums, ids as strings), the older shape
// of tctl and the SDK's own test files (CamelCase enums such as
// "WorkflowExecutionStarted", ids as numbers), a bare array of events, and
// a GetWorkflowExecutionHistory response ({"history": {"events": [...]}}).
// Unknown fields are ignored. Errors are *LoadError and name the file.
func LoadHistory(path string, opts *LoadOptions) (*historypb.History, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &LoadError{File: path, Reason: "cannot read file: " + err.Error(), Err: err}
	}
	h, lerr := parseHistory(data, opts)
	if lerr != nil {
		lerr.File = path
		return nil, lerr
	}
	return h, nil
}

// ReadHistory reads a history from r; see LoadHistory for what it accepts.
func ReadHistory(r io.Reader, opts *LoadOptions) (*historypb.History, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &LoadError{Reason: "cannot read: " + err.Error(), Err: err}
	}
	return ParseHistory(data, opts)
}

// ParseHistory parses a history from JSON bytes; see LoadHistory for what
// it accepts. Every error is a *LoadError. It never panics, whatever the
// input (FuzzParseHistory checks this).
func ParseHistory(data []byte, opts *LoadOptions) (*historypb.History, error) {
	h, err := parseHistory(data, opts)
	if err != nil {
		return nil, err
	}
	return h, nil
}

func parseHistory(data []byte, opts *LoadOptions) (*historypb.History, *LoadError) {
	data = bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(data), []byte("\xef\xbb\xbf")))
	if len(data) == 0 {
		return nil, &LoadError{Reason: "empty file: want a JSON history as written by `temporal workflow show -o json`"}
	}
	h, err := decodeHistory(data)
	if err != nil {
		return nil, &LoadError{Reason: "malformed JSON: " + err.Error(), Err: err}
	}
	if opts != nil && opts.LastEventID > 0 {
		if err := cutAfter(h, opts.LastEventID); err != nil {
			return nil, err
		}
	}
	if err := validateHistory(h); err != nil {
		return nil, err
	}
	return h, nil
}

// decodeHistory decodes any of the accepted shapes. The SDK's
// client.HistoryFromJSON does the protobuf JSON work: it accepts both enum
// styles and both id styles and drops unknown fields.
func decodeHistory(data []byte) (*historypb.History, error) {
	if data[0] == '[' {
		// A bare array of events.
		wrapped := make([]byte, 0, len(data)+12)
		wrapped = append(append(append(wrapped, `{"events":`...), data...), '}')
		data = wrapped
	}
	h, err := client.HistoryFromJSON(bytes.NewReader(data), client.HistoryJSONOptions{})
	if err != nil {
		return nil, err
	}
	if len(h.GetEvents()) > 0 || data[0] != '{' {
		return h, nil
	}
	// The events may sit one level down, as in a GetWorkflowExecutionHistory
	// response; protojson dropped the unknown "history" field above.
	var resp struct {
		History json.RawMessage `json:"history"`
	}
	if json.Unmarshal(data, &resp) == nil && len(resp.History) > 0 && resp.History[0] == '{' {
		return client.HistoryFromJSON(bytes.NewReader(resp.History), client.HistoryJSONOptions{})
	}
	return h, nil
}

// cutAfter keeps the events up to and including lastEventID.
func cutAfter(h *historypb.History, lastEventID int64) *LoadError {
	for i, e := range h.Events {
		if e.GetEventId() == lastEventID {
			h.Events = h.Events[:i+1]
			return nil
		}
	}
	last := int64(0)
	if n := len(h.Events); n > 0 {
		last = h.Events[n-1].GetEventId()
	}
	return &LoadError{Reason: fmt.Sprintf("last event id %d is not in the history (its last event is %d)", lastEventID, last)}
}

// validateHistory checks what the SDK's replayer needs and what real
// histories always have, so a bad file fails here with its name rather than
// inside the replayer.
func validateHistory(h *historypb.History) *LoadError {
	events := h.GetEvents()
	switch {
	case len(events) == 0:
		return &LoadError{Reason: `no events: want {"events": [...]} as written by ` + "`temporal workflow show -o json`"}
	case len(events) < 3:
		return &LoadError{Reason: fmt.Sprintf("only %d event(s): a replayable history has at least 3 (started, workflow task scheduled, workflow task started)", len(events))}
	}
	first := events[0]
	if first.GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED {
		return &LoadError{Reason: fmt.Sprintf("first event is %s, want WorkflowExecutionStarted", eventTypeName(first.GetEventType()))}
	}
	for i, e := range events {
		if e == nil {
			return &LoadError{Reason: fmt.Sprintf("event %d is null", i+1)}
		}
		if want := int64(i + 1); e.GetEventId() != want {
			return &LoadError{Reason: fmt.Sprintf("event %d has id %d, want %d: event ids count up from 1 without gaps", i+1, e.GetEventId(), want)}
		}
	}
	if first.GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName() == "" {
		return &LoadError{Reason: "WorkflowExecutionStarted (event 1) has no workflow type"}
	}
	return nil
}

// WorkflowType returns the workflow type a history was started with, or ""
// when its first event is not WorkflowExecutionStarted.
func WorkflowType(h *historypb.History) string { return replaykind.WorkflowType(h) }

func eventTypeName(t enumspb.EventType) string { return replaykind.EventTypeName(t) }
