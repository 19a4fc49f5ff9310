package replaycorpus

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"google.golang.org/protobuf/proto"
)

// TestDialects loads the same history written by different tools and
// checks each gives exactly the events the builder made.
func TestDialects(t *testing.T) {
	want := orderEvents()
	for _, file := range []string{
		"testdata/dialects/cli.json",              // temporal workflow show -o json: EVENT_TYPE_*, string ids
		"testdata/dialects/legacy_camelcase.json", // tctl, SDK test files: CamelCase enums, integer ids
		"testdata/dialects/events_array.json",     // a bare array of events
		"testdata/dialects/history_response.json", // a GetWorkflowExecutionHistory response
		"testdata/dialects/unknown_fields.json",   // fields this API version does not know
	} {
		t.Run(file, func(t *testing.T) {
			got, err := LoadHistory(file, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, want) {
				t.Errorf("%s does not load as the history it was written from", file)
			}
		})
	}
}

// TestMixedDialects covers files edited by hand: both enum styles and both
// id styles in one file.
func TestMixedDialects(t *testing.T) {
	data := `{"events": [
	  {"eventId": 1, "eventType": "WorkflowExecutionStarted",
	   "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "W"}, "taskQueue": {"name": "q", "kind": "Normal"}}},
	  {"eventId": "2", "eventType": "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
	   "workflowTaskScheduledEventAttributes": {"taskQueue": {"name": "q", "kind": "TASK_QUEUE_KIND_NORMAL"}}},
	  {"eventId": 3, "eventType": "WorkflowTaskStarted", "workflowTaskStartedEventAttributes": {"scheduledEventId": "2"}}
	]}`
	h, err := ParseHistory([]byte(data), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := h.Events
	if e[0].GetWorkflowExecutionStartedEventAttributes().GetTaskQueue().GetKind() != enumspb.TASK_QUEUE_KIND_NORMAL ||
		e[1].GetWorkflowTaskScheduledEventAttributes().GetTaskQueue().GetKind() != enumspb.TASK_QUEUE_KIND_NORMAL ||
		e[2].GetWorkflowTaskStartedEventAttributes().GetScheduledEventId() != 2 ||
		e[1].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED {
		t.Errorf("mixed dialects parsed as %v", h)
	}
}

func TestInvalidHistories(t *testing.T) {
	for _, tc := range []struct{ file, reason string }{
		{"testdata/invalid/empty.json", "empty file"},
		{"testdata/invalid/malformed.json", "malformed JSON"},
		{"testdata/invalid/two_events.json", "only 2 event(s): a replayable history has at least 3"},
		{"testdata/invalid/not_started_first.json", "first event is WorkflowTaskScheduled, want WorkflowExecutionStarted"},
		{"testdata/invalid/not_a_history.json", "no events"},
		{"testdata/invalid/no_such_file.json", "cannot read file"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			_, err := LoadHistory(tc.file, nil)
			var le *LoadError
			if !errors.As(err, &le) || le.File != tc.file {
				t.Fatalf("LoadHistory(%s) error = %v, want a *LoadError for the file", tc.file, err)
			}
			if want := "history " + tc.file + ": " + tc.reason; !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q, want it to start with %q", err, want)
			}
		})
	}
}

func TestParseHistoryRejects(t *testing.T) {
	for _, tc := range []struct{ name, data, reason string }{
		{"whitespace", " \n\t ", "empty file"},
		{"json null", "null", "malformed JSON"},
		{"string", `"events"`, "malformed JSON"},
		{"empty object", "{}", "no events"},
		{"empty array", "[]", "no events"},
		{"gap in ids", eventsJSON(1, 2, 4), "event 3 has id 4, want 3"},
		{"ids from 0", eventsJSON(0, 1, 2), "event 1 has id 0, want 1"},
		{"no workflow type", `[{"eventId":1,"eventType":"WorkflowExecutionStarted"},{"eventId":2},{"eventId":3}]`, "has no workflow type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseHistory([]byte(tc.data), nil)
			if err == nil || !strings.Contains(err.Error(), tc.reason) || !strings.HasPrefix(err.Error(), "history <input>: ") {
				t.Errorf("ParseHistory(%q) error = %v, want one saying %q", tc.data, err, tc.reason)
			}
		})
	}
}

// eventsJSON writes a started event followed by plain events, with the
// given ids.
func eventsJSON(ids ...int) string {
	events := make([]string, len(ids))
	for i, id := range ids {
		attrs := ""
		typ := "WorkflowTaskScheduled"
		if i == 0 {
			typ = "WorkflowExecutionStarted"
			attrs = `, "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "W"}}`
		}
		events[i] = fmt.Sprintf(`{"eventId": %d, "eventType": %q%s}`, id, typ, attrs)
	}
	return "[" + strings.Join(events, ",") + "]"
}

func TestLastEventID(t *testing.T) {
	h, err := LoadHistory("testdata/dialects/cli.json", &LoadOptions{LastEventID: 12})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Events) != 12 || h.Events[11].GetEventType() != enumspb.EVENT_TYPE_TIMER_FIRED {
		t.Errorf("cut after event 12: got %d events ending with %v", len(h.Events), h.Events[len(h.Events)-1].GetEventType())
	}
	for _, tc := range []struct {
		last   int64
		reason string
	}{
		{99, "last event id 99 is not in the history (its last event is 22)"},
		{2, "only 2 event(s)"},
	} {
		if _, err := LoadHistory("testdata/dialects/cli.json", &LoadOptions{LastEventID: tc.last}); err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("LastEventID %d: error = %v, want %q", tc.last, err, tc.reason)
		}
	}
}

func TestReadHistory(t *testing.T) {
	f, err := os.Open("testdata/dialects/legacy_camelcase.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := ReadHistory(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if WorkflowType(h) != orderWorkflowType || len(h.Events) != 22 {
		t.Errorf("ReadHistory: %s with %d events", WorkflowType(h), len(h.Events))
	}
}

// TestUnknownEventTypeName loads an event type name from a newer server:
// the file loads (the SDK drops names it does not know) and replay reports
// the event as unknown.
func TestUnknownEventTypeName(t *testing.T) {
	data, err := os.ReadFile("testdata/dialects/cli.json")
	if err != nil {
		t.Fatal(err)
	}
	// Event 11 is TimerStarted; make it a type no SDK knows.
	s := strings.Replace(string(data), `"EVENT_TYPE_TIMER_STARTED"`, `"EVENT_TYPE_TIMER_STARTED_ON_MARS"`, 1)
	h, err := ParseHistory([]byte(s), nil)
	if err != nil {
		t.Fatal(err)
	}
	res := newOrderReplayer(t, orderWorkflow).ReplayHistory("mars.json", h, ExpectFail(UnknownEvent))
	if !res.Pass || res.Err.EventID != 11 {
		t.Errorf("want unknown-event at 11, got %v", res.Err)
	}
}
