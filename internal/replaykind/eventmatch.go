package replaykind

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
)

// The SDK describes events in its messages as "TYPE: (Field:value, ...)"
// (its internal util.HistoryEventToString) without the event id. These
// helpers find the event such a description, or an id in a message, is
// about.

// eventFromDescription finds the event a description names: among events
// of the named type, the one whose attribute fields appear in the
// description most often. Ids such as ActivityId and TimerId decide; for
// markers, which have none, the payloads of their details do (two
// SideEffect markers of one workflow task differ only there).
func eventFromDescription(desc string, h *historypb.History) int64 {
	typeName, attrs, ok := strings.Cut(desc, ": ")
	if !ok {
		return 0
	}
	compact := strings.Join(strings.Fields(attrs), "")
	best, bestScore := int64(0), -1
	for _, e := range h.GetEvents() {
		if e.GetEventType().String() != typeName {
			continue
		}
		if s := matchScore(attributesOf(e), attrs) + detailsScore(e, compact); s > bestScore {
			best, bestScore = e.GetEventId(), s
		}
	}
	return best
}

// attributesOf returns the event's attributes struct (for example
// historypb.TimerStartedEventAttributes), or an invalid Value.
func attributesOf(e *historypb.HistoryEvent) reflect.Value {
	a := reflect.ValueOf(e.GetAttributes())
	if !a.IsValid() || a.Kind() != reflect.Pointer || a.IsNil() {
		return reflect.Value{}
	}
	wrapper := a.Elem() // the oneof wrapper: a struct with one field
	if wrapper.Kind() != reflect.Struct || wrapper.NumField() != 1 {
		return reflect.Value{}
	}
	p := wrapper.Field(0)
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return reflect.Value{}
	}
	return p.Elem()
}

// matchScore counts the exported scalar fields of attrs that the
// description shows with the same value, written as the SDK writes them.
func matchScore(attrs reflect.Value, desc string) int {
	if !attrs.IsValid() || attrs.Kind() != reflect.Struct {
		return 0
	}
	n := 0
	t := attrs.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		v := attrs.Field(i)
		switch v.Kind() {
		case reflect.String, reflect.Bool, reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
		default:
			continue
		}
		s := fmt.Sprint(v.Interface())
		if s != "" && containsField(desc, f.Name+":"+s) {
			n++
		}
	}
	return n
}

// containsField reports whether tok occurs in desc as a whole field:
// preceded by "(" or " " and followed by ",", ")" or the end.
func containsField(desc, tok string) bool {
	for from := 0; ; {
		i := strings.Index(desc[from:], tok)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(tok)
		before := i == 0 || desc[i-1] == '(' || desc[i-1] == ' '
		afterOK := end == len(desc) || desc[end] == ',' || desc[end] == ')'
		if before && afterOK {
			return true
		}
		from = i + 1
	}
}

// commandEventID returns the event id an extra command would have got.
// The Go SDK names activities and timers after that id, so a numeric
// ActivityId or TimerId in the command's description is it.
func commandEventID(desc string) int64 {
	for _, field := range []string{"(ActivityId:", "(TimerId:"} {
		if strings.Contains(desc, field) {
			if id := numberAfter(desc, field); id > 0 {
				return id
			}
		}
	}
	return 0
}

// expectedPosition handles "During replay, a matching T command was
// expected in history event position ID": ID is the activity, timer or
// child workflow id of the command the code did not produce.
func expectedPosition(msg string, h *historypb.History) int64 {
	id, _, _ := strings.Cut(after(msg, "history event position "), ". However")
	if e := eventWithID(id, h); e > 0 {
		return e
	}
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 && n <= lastEventID(h) {
		return n
	}
	return 0
}

// eventWithID finds the event that introduced an activity, timer or child
// workflow with the given id.
func eventWithID(id string, h *historypb.History) int64 {
	if id == "" {
		return 0
	}
	for _, e := range h.GetEvents() {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if e.GetActivityTaskScheduledEventAttributes().GetActivityId() == id {
				return e.GetEventId()
			}
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			if e.GetTimerStartedEventAttributes().GetTimerId() == id {
				return e.GetEventId()
			}
		case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
			if e.GetStartChildWorkflowExecutionInitiatedEventAttributes().GetWorkflowId() == id {
				return e.GetEventId()
			}
		}
	}
	return 0
}

// versionMarkerEvent finds the GetVersion marker for the change id quoted
// in messages such as `... version 1. for "notify" changeID ...`.
func versionMarkerEvent(msg string, h *historypb.History) int64 {
	quoted, _, ok := strings.Cut(after(msg, " for \""), "\" changeID")
	if !ok {
		return 0
	}
	changeID, err := strconv.Unquote(`"` + quoted + `"`)
	if err != nil {
		return 0
	}
	dc := converter.GetDefaultDataConverter()
	for _, e := range h.GetEvents() {
		m := e.GetMarkerRecordedEventAttributes()
		if e.GetEventType() != enumspb.EVENT_TYPE_MARKER_RECORDED || m.GetMarkerName() != "Version" {
			continue
		}
		var got string
		if p := m.GetDetails()["change-id"]; p != nil && dc.FromPayloads(p, &got) == nil && got == changeID {
			return e.GetEventId()
		}
	}
	return 0
}

// firstUnknownEvent returns the first event the SDK cannot handle: one of
// a type this API version does not know (a name it does not know loads as
// EVENT_TYPE_UNSPECIFIED), unless the server marked it as ignorable.
func firstUnknownEvent(h *historypb.History) int64 {
	for _, e := range h.GetEvents() {
		t := e.GetEventType()
		_, known := enumspb.EventType_name[int32(t)]
		if (t == enumspb.EVENT_TYPE_UNSPECIFIED || !known) && !e.GetWorkerMayIgnore() {
			return e.GetEventId()
		}
	}
	return 0
}

// detailsScore counts the marker details of e that the description shows
// with the same payload. The SDK prints them as Go prints a
// map[string]*commonpb.Payloads, each value in protobuf text form, whose
// spacing varies from build to build on purpose; compact is the
// description without whitespace, and the payloads are compared the same
// way.
func detailsScore(e *historypb.HistoryEvent, compact string) int {
	n := 0
	for k, p := range e.GetMarkerRecordedEventAttributes().GetDetails() {
		tok := strings.Join(strings.Fields(k+":"+p.String()), "")
		if strings.Contains(compact, tok) {
			n++
		}
	}
	return n
}
