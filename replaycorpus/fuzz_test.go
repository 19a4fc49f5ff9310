package replaycorpus

import (
	"errors"
	"os"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/temporalproto"
	"google.golang.org/protobuf/proto"
)

// FuzzParseHistory checks that ParseHistory never panics, that every error
// is a *LoadError, and that whatever it accepts is a valid history that
// survives being written the way the CLI writes it. The seed corpus is in
// testdata/fuzz/FuzzParseHistory (generated with the other testdata).
func FuzzParseHistory(f *testing.F) {
	for _, file := range []string{"testdata/dialects/cli.json", "testdata/dialects/legacy_camelcase.json"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, int64(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, lastEventID int64) {
		h, err := ParseHistory(data, &LoadOptions{LastEventID: lastEventID})
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v is a %T, want *LoadError", err, err)
			}
			return
		}
		events := h.GetEvents()
		if len(events) < 3 || events[0].GetEventType() != enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED || WorkflowType(h) == "" {
			t.Fatalf("accepted an invalid history: %v", h)
		}
		for i, e := range events {
			if e.GetEventId() != int64(i+1) {
				t.Fatalf("accepted event %d with id %d", i+1, e.GetEventId())
			}
		}
		if lastEventID > 0 && events[len(events)-1].GetEventId() != lastEventID {
			t.Fatalf("LastEventID %d, but the history ends at %d", lastEventID, events[len(events)-1].GetEventId())
		}
		out, err := temporalproto.CustomJSONMarshalOptions{}.Marshal(h)
		if err != nil {
			t.Fatalf("cannot write back an accepted history: %v", err)
		}
		again, err := ParseHistory(out, nil)
		if err != nil || !proto.Equal(h, again) {
			t.Fatalf("history does not survive a write and a load: %v", err)
		}
	})
}
