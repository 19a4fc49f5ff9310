package replaykind

import (
	"fmt"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

// WorkflowType returns the workflow type a history was started with, or ""
// when its first event is not WorkflowExecutionStarted.
func WorkflowType(h *historypb.History) string {
	if len(h.GetEvents()) == 0 {
		return ""
	}
	return h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()
}

// EventTypeName names an event type the way the SDK's messages do
// (CamelCase), and shows the number of one this API version does not know.
func EventTypeName(t enumspb.EventType) string {
	if _, ok := enumspb.EventType_name[int32(t)]; !ok {
		return fmt.Sprintf("unknown event type %d", int32(t))
	}
	return t.String()
}

// MaxMessage is the length ReplayError.Message stays under.
const MaxMessage = 299

// Clip cuts s to at most n bytes (on a rune boundary), ending it with
// "..." when cut.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - 3
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
