package replaykind

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

// The SDK's nondeterminism messages print every attribute of the event and
// the command (800 to 1,240 characters for a result mismatch). shortMessage
// keeps what a reader needs: the event id, the history event and the
// command the code issued, side by side, with the fields that tell them
// apart. The full text stays in ReplayError.SDKMessage.
func shortMessage(re *ReplayError, h *historypb.History) string {
	msg := re.SDKMessage
	var s string
	switch {
	case strings.Contains(msg, "history event is ") && strings.Contains(msg, ", replay command is "):
		ev, cmd, _ := strings.Cut(after(msg, "history event is "), ", replay command is ")
		s = sideBySide(re.EventID, ev, cmd)
	case strings.Contains(msg, "missing replay command for "):
		s = fmt.Sprintf("%s in the history; the code issued no command for it", eventPhrase(re.EventID, after(msg, "missing replay command for ")))
	case strings.Contains(msg, "extra replay command for "):
		s = fmt.Sprintf("the code issued %s; the history has no event for it", describe(after(msg, "extra replay command for ")))
		if re.EventID > 0 {
			s = fmt.Sprintf("event %d: %s", re.EventID, s)
		}
	case strings.Contains(msg, "lookup failed for scheduledEventID"):
		s = fmt.Sprintf("%s in the history; the code issued a different command at this position, or none", historyEventPhrase(re.EventID, h))
	case strings.Contains(msg, "command was expected in history event position "):
		s = fmt.Sprintf("%s in the history; the code issued no command for it", historyEventPhrase(re.EventID, h))
	case re.Kind == ResultMismatch:
		s = resultMismatch(re.EventID, msg, h)
	case re.Kind == UnregisteredWorkflowType:
		s = unregistered(msg, h)
	default:
		s, _, _ = strings.Cut(msg, "\n")
		if re.EventID > 0 && !strings.Contains(s, fmt.Sprintf("event %d", re.EventID)) {
			s = fmt.Sprintf("event %d: %s", re.EventID, s)
		}
	}
	return Clip(s, MaxMessage)
}

// sideBySide writes a command mismatch: both sides' types and the fields
// that identify them; where both have a field, only the differing ones.
func sideBySide(id int64, eventDesc, cmdDesc string) string {
	evType, evFields := parseDescription(eventDesc)
	cmdType, cmdFields := parseDescription(cmdDesc)
	we, wc := map[string]string{}, map[string]string{}
	for _, k := range identityFields {
		if v, ok := evFields[k]; ok {
			if w, ok := cmdFields[k]; ok {
				we[k], wc[k] = v, w
			}
		}
	}
	prefix := ""
	if id > 0 {
		prefix = fmt.Sprintf("event %d: ", id)
	}
	if d := DiffLabelled(we, wc, "history", "code"); d != "" {
		return fmt.Sprintf("%shistory has %s, the code issued %s; %s", prefix, evType, cmdType, d)
	}
	return fmt.Sprintf("%shistory has %s, the code issued %s", prefix, describe(eventDesc), describe(cmdDesc))
}

// identityFields are the attributes that say which activity, timer,
// marker, child or signal an event or command is about, in the order
// they are shown.
var identityFields = []string{"ActivityType", "ActivityId", "TimerId", "MarkerName", "WorkflowType", "WorkflowId", "SignalName", "Namespace"}

// describe writes an SDK description as "Type (Field value, ...)" with
// only its identity fields.
func describe(desc string) string {
	typ, fields := parseDescription(desc)
	var parts []string
	for _, k := range identityFields {
		if v, ok := fields[k]; ok {
			parts = append(parts, k+" "+Clip(v, 40))
		}
	}
	if len(parts) == 0 {
		return typ
	}
	return typ + " (" + strings.Join(parts, ", ") + ")"
}

// eventPhrase is "event ID Type (fields)" for an SDK event description.
func eventPhrase(id int64, desc string) string {
	if id <= 0 {
		return describe(desc)
	}
	return fmt.Sprintf("event %d %s", id, describe(desc))
}

// historyEventPhrase describes event id of h itself.
func historyEventPhrase(id int64, h *historypb.History) string {
	for _, e := range h.GetEvents() {
		if e.GetEventId() == id {
			return eventPhrase(id, e.GetEventType().String()+": "+attributeText(e))
		}
	}
	return fmt.Sprintf("event %d", id)
}

// attributeText writes an event's identity fields the way the SDK's
// descriptions do, so describe can read them.
func attributeText(e *historypb.HistoryEvent) string {
	var parts []string
	if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
		parts = append(parts, "ActivityId:"+a.GetActivityId(), "ActivityType:(Name:"+a.GetActivityType().GetName()+")")
	}
	if a := e.GetTimerStartedEventAttributes(); a != nil {
		parts = append(parts, "TimerId:"+a.GetTimerId())
	}
	if a := e.GetMarkerRecordedEventAttributes(); a != nil {
		parts = append(parts, "MarkerName:"+a.GetMarkerName())
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// parseDescription reads "Type: (A:x, B:(Name:y), ...)" into the type and
// the top-level fields; a value "(Name:y)" becomes "y".
func parseDescription(desc string) (string, map[string]string) {
	typ, body, _ := strings.Cut(strings.TrimSpace(desc), ": ")
	fields := map[string]string{}
	body = strings.TrimSpace(body)
	body = strings.TrimSuffix(strings.TrimPrefix(body, "("), ")")
	for _, f := range splitTopLevel(body) {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			continue
		}
		if name, ok := strings.CutPrefix(v, "(Name:"); ok && strings.Count(name, ")") == 1 && strings.HasSuffix(name, ")") {
			v = strings.TrimSuffix(name, ")")
		}
		fields[k] = v
	}
	return typ, fields
}

// splitTopLevel splits at ", " outside parentheses and brackets.
func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
		case ',':
			if depth == 0 && i+1 < len(s) && s[i+1] == ' ' {
				out = append(out, s[start:i])
				start = i + 2
			}
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

var (
	commandTypeRE    = regexp.MustCompile(`command_type:\s*COMMAND_TYPE_([A-Z_]+)`)
	failureMessageRE = regexp.MustCompile(`failure:\s*\{\s*message:\s*"((?:[^"\\]|\\.)*)"`)
)

// resultMismatch reads the SDK's result-mismatch message (the whole
// RespondWorkflowTaskCompletedRequest and the last event) down to how the
// code closed the workflow and how the history did.
func resultMismatch(id int64, msg string, h *historypb.History) string {
	resp, _, _ := strings.Cut(after(msg, "resp: "), ", last: ")
	last := "the last event"
	if n := len(h.GetEvents()); n > 0 {
		last = h.GetEvents()[n-1].GetEventType().String()
	}
	code := "did not close the workflow"
	cmds := commandTypeRE.FindAllStringSubmatch(resp, -1)
	if i := slices.IndexFunc(cmds, func(m []string) bool { return closesWorkflow(m[1]) }); i >= 0 {
		code = "issued " + commandName(cmds[i][1])
		if m := failureMessageRE.FindStringSubmatch(resp); m != nil && strings.HasPrefix(cmds[i][1], "FAIL") {
			code += fmt.Sprintf(" (failure %q)", Clip(strings.ReplaceAll(m[1], `\"`, `"`), 80))
		}
	}
	return fmt.Sprintf("event %d: history has %s, the code %s", id, last, code)
}

func closesWorkflow(t string) bool {
	switch t {
	case "COMPLETE_WORKFLOW_EXECUTION", "FAIL_WORKFLOW_EXECUTION", "CANCEL_WORKFLOW_EXECUTION", "CONTINUE_AS_NEW_WORKFLOW_EXECUTION":
		return true
	}
	return false
}

// commandName turns COMPLETE_WORKFLOW_EXECUTION into
// CompleteWorkflowExecution, as the SDK's other messages name commands.
func commandName(t string) string {
	if v, ok := enumspb.CommandType_value["COMMAND_TYPE_"+t]; ok {
		return enumspb.CommandType(v).String()
	}
	return t
}

// unregistered says which type is missing, what is registered, and how
// to register it.
func unregistered(msg string, h *historypb.History) string {
	supported := "none"
	if list, ok := strings.CutSuffix(after(msg, "Supported types: ["), "]"); ok && list != "" {
		supported = strings.Join(strings.Fields(list), ", ")
	}
	return fmt.Sprintf("no workflow is registered as %s (registered: %s): add it to Options.Workflows, or to NamedWorkflows under that name",
		WorkflowType(h), Clip(supported, 120))
}
