package replaycorpus

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
)

var update = flag.Bool("update", false, "rewrite the generated files under testdata/")

// The files under testdata/ (except the fuzz corpus's own finds) are
// generated here from the history builder, so they stay consistent with
// the test workflows; TestTestdataUpToDate fails when they drift, and
// `go test -run TestTestdataUpToDate -update` rewrites them.

const sdkVersion = "go.temporal.io/sdk v1.50.0"

// cliJSON writes h as `temporal workflow show -o json` does: protobuf JSON
// with EVENT_TYPE_* enums and int64 ids as strings, two-space indent.
func cliJSON(h *historypb.History) []byte {
	raw, err := temporalproto.CustomJSONMarshalOptions{}.Marshal(h)
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		panic(err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// legacyEnums maps JSON keys to the prefix their enum values lose in the
// older CamelCase dialect (EVENT_TYPE_TIMER_FIRED -> TimerFired).
var legacyEnums = map[string]string{
	"eventType": "EVENT_TYPE_",
	"kind":      "TASK_QUEUE_KIND_",
}

// legacyInts are int64 fields the older dialect writes as numbers.
var legacyInts = map[string]bool{
	"eventId": true, "taskId": true, "scheduledEventId": true, "startedEventId": true,
	"workflowTaskCompletedEventId": true, "historySizeBytes": true,
}

// legacyJSON rewrites CLI JSON into the dialect of tctl and of the SDK's
// own test histories: CamelCase enums and integer ids, keys in order.
func legacyJSON(cli []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(cli))
	dec.UseNumber()
	var out, pretty bytes.Buffer
	rewriteLegacy(dec, &out, "")
	if err := json.Indent(&pretty, out.Bytes(), "", "  "); err != nil {
		panic(err)
	}
	pretty.WriteByte('\n')
	return pretty.Bytes()
}

// rewriteLegacy copies one JSON value from dec to out; key is the name of
// the field holding it.
func rewriteLegacy(dec *json.Decoder, out *bytes.Buffer, key string) {
	tok, err := dec.Token()
	if err != nil {
		panic(err)
	}
	switch v := tok.(type) {
	case json.Delim:
		object := v == '{'
		out.WriteString(v.String())
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			k := key
			if object {
				kt, err := dec.Token()
				if err != nil {
					panic(err)
				}
				k = kt.(string)
				writeJSON(out, k)
				out.WriteByte(':')
			}
			rewriteLegacy(dec, out, k)
		}
		end, _ := dec.Token()
		out.WriteString(end.(json.Delim).String())
	case string:
		writeJSON(out, legacyValue(key, v))
	default:
		writeJSON(out, v)
	}
}

func writeJSON(out *bytes.Buffer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	out.Write(b)
}

var digits = regexp.MustCompile(`^-?[0-9]+$`)

func legacyValue(key, v string) any {
	if prefix, ok := legacyEnums[key]; ok && strings.HasPrefix(v, prefix) {
		return camel(strings.TrimPrefix(v, prefix))
	}
	if legacyInts[key] && digits.MatchString(v) {
		return json.Number(v)
	}
	return v
}

// camel turns ACTIVITY_TASK_SCHEDULED into ActivityTaskScheduled.
func camel(s string) string {
	var b strings.Builder
	for _, w := range strings.Split(s, "_") {
		if w != "" {
			b.WriteString(w[:1] + strings.ToLower(w[1:]))
		}
	}
	return b.String()
}

// orderV0History is what the first version of the order workflow (Reserve,
// then return) recorded.
func orderV0History() *historypb.History {
	b := newHistoryBuilder(orderWorkflowType, "order-1")
	b.workflowTask()                  // 2-4
	b.activity("Reserve", "reserved") // 5-7
	b.workflowTask()                  // 8-10
	b.complete("reserved")            // 11
	return b.history()
}

// orderV2History is what a later version (Notify after Charge) records.
func orderV2History() *historypb.History {
	b := orderHistory()
	b.events = b.events[:len(b.events)-1] // drop the completion
	b.activity("Notify", "notified")      // 22-24
	b.workflowTask()                      // 25-27
	b.complete("reserved+charged")        // 28
	return b.history()
}

// generatedFiles returns every generated testdata file by path.
func generatedFiles() map[string][]byte {
	order := cliJSON(orderEvents())
	files := map[string][]byte{
		"testdata/dialects/cli.json":              order,
		"testdata/dialects/legacy_camelcase.json": legacyJSON(order),
		"testdata/dialects/events_array.json":     eventsArray(order),
		"testdata/dialects/history_response.json": historyResponse(order),
		"testdata/dialects/unknown_fields.json":   withUnknownFields(order),
		"testdata/invalid/empty.json":             {},
		"testdata/invalid/malformed.json":         order[:len(order)/2],
		"testdata/invalid/two_events.json":        cliJSON(&historypb.History{Events: orderEvents().Events[:2]}),
		"testdata/invalid/not_started_first.json": cliJSON(&historypb.History{Events: orderEvents().Events[1:]}),
		"testdata/invalid/not_a_history.json":     []byte("{\"workflowId\": \"order-1\", \"status\": \"COMPLETED\"}\n"),
		"testdata/order/order.json":               order,
		"testdata/order/order_legacy.json":        legacyJSON(order),
		"testdata/order/order_v0.json":            cliJSON(orderV0History()),
		"testdata/order/order_v2_notify.json":     cliJSON(orderV2History()),
		"testdata/order/order_partial.json":       order,
		"testdata/order/" + ManifestFile:          orderManifest(),
	}
	addFuzzSeeds(files)
	addForeignCorpus(files)
	return files
}

func eventsArray(cli []byte) []byte {
	var h struct {
		Events json.RawMessage `json:"events"`
	}
	if err := json.Unmarshal(cli, &h); err != nil {
		panic(err)
	}
	return append(bytes.TrimSpace(h.Events), '\n')
}

func historyResponse(cli []byte) []byte {
	return []byte("{\n  \"history\": " + strings.TrimSpace(string(cli)) + ",\n  \"nextPageToken\": null,\n  \"archived\": false\n}\n")
}

// withUnknownFields adds fields a newer server or tool might write, at the
// top level, in an event and in attributes.
func withUnknownFields(cli []byte) []byte {
	s := strings.Replace(string(cli), `"events": [`, `"futureTopLevel": {"x": [1, 2]}, "events": [`, 1)
	s = strings.Replace(s, `"eventId": "1",`, `"eventId": "1", "futureEventField": "hello",`, 1)
	s = strings.Replace(s, `"workflowType": {`, `"futureAttribute": 7, "workflowType": {`, 1)
	return []byte(s)
}

func orderManifest() []byte {
	m := &Manifest{Version: ManifestVersion}
	base := Entry{WorkflowType: orderWorkflowType, SDKVersion: sdkVersion,
		MadeBy: "generated: historyBuilder in replaycorpus/fixtures_test.go"}
	add := func(file string, exp Expectation, last int64, note string) {
		e := base
		e.File, e.Expect, e.LastEventID, e.Note = file, exp, last, note
		m.Set(e)
	}
	add("order.json", ExpectPass, 0, "orderWorkflow(\"order-1\"): Reserve, sleep 1m, Charge")
	legacy := base
	legacy.File, legacy.Expect = "order_legacy.json", ExpectPass
	legacy.MadeBy = "converted: order.json rewritten to CamelCase enums and integer ids"
	m.Set(legacy)
	add("order_v0.json", ExpectFail(ExtraCommand), 0, "first version, Reserve only: today's code starts the timer the history does not have")
	add("order_v2_notify.json", ExpectFail(CommandMismatch), 0, "a later version that added Notify: today's code completes where the history schedules it")
	add("order_partial.json", ExpectPass, 12, "order.json cut after the timer fired")
	data, err := m.Marshal()
	if err != nil {
		panic(err)
	}
	return data
}

func TestTestdataUpToDate(t *testing.T) {
	files := generatedFiles()
	for path, want := range files {
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what the test generators make (%v): run go test -run TestTestdataUpToDate -update", path, err)
		}
	}
}

// addFuzzSeeds writes the seed corpus of FuzzParseHistory: every dialect and
// invalid fixture, and small inputs at the edges of what ParseHistory
// accepts, each with a few LastEventID values.
func addFuzzSeeds(files map[string][]byte) {
	seeds := map[string][]byte{
		"empty_object":   []byte("{}"),
		"empty_array":    []byte("[]"),
		"null":           []byte("null"),
		"bom":            []byte("\xef\xbb\xbf{\"events\": []}"),
		"minimal":        []byte(eventsJSON(1, 2, 3)),
		"gap":            []byte(eventsJSON(1, 2, 4)),
		"response_empty": []byte(`{"history": {}}`),
		"events_null":    []byte(`{"events": [null]}`),
		"bad_enum":       []byte(`[{"eventId": "1", "eventType": "EVENT_TYPE_NOPE"}]`),
		"number_enum":    []byte(`[{"eventId": 1, "eventType": 1, "workflowExecutionStartedEventAttributes": {"workflowType": {"name": "W"}}}, {"eventId": 2, "eventType": 9999}, {"eventId": 3, "eventType": 5}]`),
	}
	for path, data := range files {
		if strings.HasPrefix(path, "testdata/dialects/") || strings.HasPrefix(path, "testdata/invalid/") {
			seeds[strings.TrimSuffix(filepath.Base(path), ".json")] = data
		}
	}
	for name, data := range seeds {
		for _, last := range []int64{0, 3, 12} {
			seed := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\nint64(%d)\n", strconv.Quote(string(data)), last)
			files[fmt.Sprintf("testdata/fuzz/FuzzParseHistory/%s_%d", name, last)] = []byte(seed)
		}
	}
}
