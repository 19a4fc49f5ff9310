package replaycorpus

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
)

// converterHint explains a failed replay that a data converter or codec
// may have caused: a history written through a codec (encryption,
// compression) and replayed without it fails where the workflow decodes
// its input or an activity's result, and that looks like nondeterminism
// (the code takes its error path, so it issues other commands). The hint
// names the first payload the replay's converter cannot decode, or else
// converter words in the SDK's message; it is "" when neither is found.
func converterHint(re *ReplayError, h *historypb.History, dc converter.DataConverter) string {
	if re.Kind == UnregisteredWorkflowType || re.Kind == Deadlock {
		return ""
	}
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	const fix = `replay with the data converter and codecs that wrote the history (Options.Converters, or "data_converter" in the manifest)`
	if id, err := firstUndecodable(h, dc); err != nil {
		return clip(fmt.Sprintf("event %d has a payload this replay's data converter cannot decode (%v): %s", id, err, fix), maxMessage)
	}
	msg := strings.ToLower(re.SDKMessage)
	for _, w := range []string{"payload encoding", "unable to decode", "codec", "data converter"} {
		if strings.Contains(msg, w) {
			return "the SDK's message mentions " + w + ": " + fix
		}
	}
	return ""
}

// firstUndecodable returns the first payload in h that dc cannot decode
// for want of its encoding or codec. Protobuf payloads are skipped: they
// decode only into their own message type, which is not known here.
func firstUndecodable(h *historypb.History, dc converter.DataConverter) (int64, error) {
	for _, e := range h.GetEvents() {
		for _, p := range eventPayloads(e) {
			if strings.Contains(string(p.GetMetadata()[converter.MetadataEncoding]), "protobuf") {
				continue
			}
			var v any
			if err := dc.FromPayload(p, &v); err != nil && !errors.Is(err, converter.ErrTypeIsNotByteSlice) {
				return e.GetEventId(), err
			}
		}
	}
	return 0, nil
}

// eventPayloads lists the payloads of the events a workflow decodes:
// its input, activity and child results, signals and markers.
func eventPayloads(e *historypb.HistoryEvent) []*commonpb.Payload {
	var ps []*commonpb.Payloads
	switch {
	case e.GetWorkflowExecutionStartedEventAttributes() != nil:
		ps = append(ps, e.GetWorkflowExecutionStartedEventAttributes().GetInput())
	case e.GetActivityTaskCompletedEventAttributes() != nil:
		ps = append(ps, e.GetActivityTaskCompletedEventAttributes().GetResult())
	case e.GetChildWorkflowExecutionCompletedEventAttributes() != nil:
		ps = append(ps, e.GetChildWorkflowExecutionCompletedEventAttributes().GetResult())
	case e.GetWorkflowExecutionSignaledEventAttributes() != nil:
		ps = append(ps, e.GetWorkflowExecutionSignaledEventAttributes().GetInput())
	case e.GetMarkerRecordedEventAttributes() != nil:
		for _, k := range slices.Sorted(maps.Keys(e.GetMarkerRecordedEventAttributes().GetDetails())) {
			ps = append(ps, e.GetMarkerRecordedEventAttributes().GetDetails()[k])
		}
	}
	var out []*commonpb.Payload
	for _, p := range ps {
		out = append(out, p.GetPayloads()...)
	}
	return out
}
