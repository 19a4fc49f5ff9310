package fakes

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strconv"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// Method names one probed interceptor method as "<interface>.<method>",
// the interface named without its "Interceptor" suffix.
type Method string

// The probed methods. Other methods of the interceptor interfaces pass
// through the probes unrecorded: the workflow outbound calls that schedule
// nothing (Go, Now, GetInfo, SideEffect, ...), Nexus operations, and the
// activity outbound GetClient, whose result type the SDK does not export.
const (
	ActivityExecute              Method = "ActivityInbound.ExecuteActivity"
	ActivityGetInfo              Method = "ActivityOutbound.GetInfo"
	ActivityGetLogger            Method = "ActivityOutbound.GetLogger"
	ActivityGetMetricsHandler    Method = "ActivityOutbound.GetMetricsHandler"
	ActivityRecordHeartbeat      Method = "ActivityOutbound.RecordHeartbeat"
	ActivityHasHeartbeatDetails  Method = "ActivityOutbound.HasHeartbeatDetails"
	ActivityGetHeartbeatDetails  Method = "ActivityOutbound.GetHeartbeatDetails"
	ActivityGetWorkerStopChannel Method = "ActivityOutbound.GetWorkerStopChannel"

	WorkflowExecute        Method = "WorkflowInbound.ExecuteWorkflow"
	WorkflowHandleSignal   Method = "WorkflowInbound.HandleSignal"
	WorkflowHandleQuery    Method = "WorkflowInbound.HandleQuery"
	WorkflowValidateUpdate Method = "WorkflowInbound.ValidateUpdate"
	WorkflowExecuteUpdate  Method = "WorkflowInbound.ExecuteUpdate"

	WorkflowExecuteActivity               Method = "WorkflowOutbound.ExecuteActivity"
	WorkflowExecuteLocalActivity          Method = "WorkflowOutbound.ExecuteLocalActivity"
	WorkflowExecuteChildWorkflow          Method = "WorkflowOutbound.ExecuteChildWorkflow"
	WorkflowNewTimer                      Method = "WorkflowOutbound.NewTimer"
	WorkflowNewTimerWithOptions           Method = "WorkflowOutbound.NewTimerWithOptions"
	WorkflowSleep                         Method = "WorkflowOutbound.Sleep"
	WorkflowSignalExternalWorkflow        Method = "WorkflowOutbound.SignalExternalWorkflow"
	WorkflowSignalChildWorkflow           Method = "WorkflowOutbound.SignalChildWorkflow"
	WorkflowRequestCancelExternalWorkflow Method = "WorkflowOutbound.RequestCancelExternalWorkflow"
	WorkflowNewContinueAsNewError         Method = "WorkflowOutbound.NewContinueAsNewError"
)

// Methods lists every probed method in a fixed order.
func Methods() []Method {
	return []Method{
		ActivityExecute, ActivityGetInfo, ActivityGetLogger, ActivityGetMetricsHandler, ActivityRecordHeartbeat,
		ActivityHasHeartbeatDetails, ActivityGetHeartbeatDetails, ActivityGetWorkerStopChannel,
		WorkflowExecute, WorkflowHandleSignal, WorkflowHandleQuery, WorkflowValidateUpdate, WorkflowExecuteUpdate,
		WorkflowExecuteActivity, WorkflowExecuteLocalActivity, WorkflowExecuteChildWorkflow, WorkflowNewTimer,
		WorkflowNewTimerWithOptions, WorkflowSleep, WorkflowSignalExternalWorkflow, WorkflowSignalChildWorkflow,
		WorkflowRequestCancelExternalWorkflow, WorkflowNewContinueAsNewError,
	}
}

// Interface is the interceptor interface m belongs to, for example
// "ActivityInbound".
func (m Method) Interface() string {
	i, _, _ := strings.Cut(string(m), ".")
	return i
}

// Name is the method's name, for example "ExecuteActivity".
func (m Method) Name() string {
	_, n, _ := strings.Cut(string(m), ".")
	return n
}

// Outbound reports whether calls of m go from user code towards the SDK,
// reaching the last interceptor of a stack first.
func (m Method) Outbound() bool { return strings.HasSuffix(m.Interface(), "Outbound") }

// Workflow reports whether m runs in workflow code.
func (m Method) Workflow() bool { return strings.HasPrefix(string(m), "Workflow") }

// CarriesHeader reports whether calls of m carry a Temporal header that
// interceptors read (inbound) or write (outbound).
func (m Method) CarriesHeader() bool {
	switch m {
	case ActivityExecute, WorkflowExecute, WorkflowHandleSignal, WorkflowHandleQuery, WorkflowValidateUpdate,
		WorkflowExecuteUpdate, WorkflowExecuteActivity, WorkflowExecuteLocalActivity, WorkflowExecuteChildWorkflow,
		WorkflowSignalExternalWorkflow, WorkflowSignalChildWorkflow, WorkflowNewContinueAsNewError:
		return true
	}
	return false
}

// Known reports whether m is one of the probed methods.
func (m Method) Known() bool { return slices.Contains(Methods(), m) }

// EngineHeaderPrefix starts the header fields the simulator itself uses
// to carry its bookkeeping from the workflow side to the activity side. It
// writes them below every user interceptor and removes them before any
// sees them; the probes leave them out.
const EngineHeaderPrefix = "temporalsim-"

// probeHeader renders h for a probe event, without the engine's fields.
func probeHeader(h map[string]*commonpb.Payload) string {
	user := make(map[string]*commonpb.Payload, len(h))
	for k, v := range h {
		if !strings.HasPrefix(k, EngineHeaderPrefix) {
			user[k] = v
		}
	}
	return FormatHeader(user)
}

// FormatHeader renders a header in the form probe events use: fields
// sorted by key, key=value joined by commas. A short JSON value is shown
// quoted; anything else (binary, encrypted, long) as #<hash of its bytes>.
func FormatHeader(h map[string]*commonpb.Payload) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(h)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(headerValue(h[k]))
	}
	return b.String()
}

func headerValue(p *commonpb.Payload) string {
	if p == nil {
		return "nil"
	}
	data := p.GetData()
	if string(p.GetMetadata()[converter.MetadataEncoding]) == converter.MetadataEncodingJSON && len(data) <= 40 {
		return strconv.Quote(string(data))
	}
	f := fnv.New32a()
	for _, k := range slices.Sorted(maps.Keys(p.GetMetadata())) {
		f.Write([]byte(k))
		f.Write(p.GetMetadata()[k])
	}
	f.Write(data)
	return fmt.Sprintf("#%08x", f.Sum32())
}

// ParseHeader reads a header rendered by FormatHeader back into its
// fields (key to rendered value).
func ParseHeader(s string) (map[string]string, error) {
	out := map[string]string{}
	for s != "" {
		k, rest, ok := strings.Cut(s, "=")
		if !ok {
			return nil, fmt.Errorf("header field %q has no '='", s)
		}
		var v string
		if strings.HasPrefix(rest, `"`) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				return nil, fmt.Errorf("header field %s: %w", k, err)
			}
			v, rest = q, rest[len(q):]
		} else {
			v, rest, _ = strings.Cut(rest, ",")
			rest = "," + rest
			if rest == "," {
				rest = ""
			}
		}
		out[k] = v
		if rest != "" {
			if rest[0] != ',' {
				return nil, fmt.Errorf("header field %s: unexpected %q after its value", k, rest)
			}
			rest = rest[1:]
		}
		s = rest
	}
	return out, nil
}
