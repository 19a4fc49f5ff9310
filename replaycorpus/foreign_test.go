package replaycorpus

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// xorCodec is a payload codec in the manner of an encryption codec: it
// seals each payload under its own encoding name and opens only its own,
// passing others through, as real codecs do.
type xorCodec struct {
	key  byte
	name string
}

func (c xorCodec) encoding() string { return "binary/xor-" + c.name }

func (c xorCodec) Encode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(ps))
	for i, p := range ps {
		data, err := proto.MarshalOptions{Deterministic: true}.Marshal(p)
		if err != nil {
			return nil, err
		}
		for j := range data {
			data[j] ^= c.key
		}
		out[i] = &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(c.encoding())}, Data: data}
	}
	return out, nil
}

func (c xorCodec) Decode(ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(ps))
	for i, p := range ps {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != c.encoding() {
			out[i] = p
			continue
		}
		data := append([]byte(nil), p.GetData()...)
		for j := range data {
			data[j] ^= c.key
		}
		out[i] = &commonpb.Payload{}
		if err := proto.Unmarshal(data, out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

var (
	alphaCodec = xorCodec{key: 0x5a, name: "alpha"}
	betaCodec  = xorCodec{key: 0x3c, name: "beta"}
)

// sealed returns h with every payload the builder wrote passed through
// codec, as a worker with that codec would have recorded it.
func sealed(h *historypb.History, codec converter.PayloadCodec) *historypb.History {
	h = proto.Clone(h).(*historypb.History)
	for _, e := range h.GetEvents() {
		for _, ps := range []*commonpb.Payloads{
			e.GetWorkflowExecutionStartedEventAttributes().GetInput(),
			e.GetActivityTaskCompletedEventAttributes().GetResult(),
			e.GetWorkflowExecutionCompletedEventAttributes().GetResult(),
		} {
			if ps == nil {
				continue
			}
			enc, err := codec.Encode(ps.Payloads)
			if err != nil {
				panic(err)
			}
			ps.Payloads = enc
		}
	}
	return h
}

// foreignDir is a corpus as someone else might have written it: two
// directories sealed with two codecs, manifests giving only file and
// expectation.
//
//	a/  manifest: data_converter alpha; order.json passes, notify.json
//	    "fail" (any kind), legacy.json is sealed with beta and says so
//	b/  manifest without converter: Options.PathConverters picks beta
const foreignDir = "testdata/foreign"

// addForeignCorpus adds the files of foreignDir to the generated testdata.
func addForeignCorpus(files map[string][]byte) {
	files[foreignDir+"/a/order.json"] = cliJSON(sealed(orderEvents(), alphaCodec))
	files[foreignDir+"/a/notify.json"] = cliJSON(sealed(orderV2History(), alphaCodec))
	files[foreignDir+"/a/legacy.json"] = cliJSON(sealed(orderEvents(), betaCodec))
	files[foreignDir+"/a/"+ManifestFile] = []byte(`{"version": 1, "data_converter": "alpha", "histories": [
  {"file": "order.json", "expect": "pass"},
  {"file": "notify.json", "expect": "fail"},
  {"file": "legacy.json", "expect": "pass", "data_converter": "beta"}]}
`)
	files[foreignDir+"/b/order.json"] = cliJSON(sealed(orderEvents(), betaCodec))
	files[foreignDir+"/b/"+ManifestFile] = []byte(`{"version": 1, "histories": [{"file": "order.json", "expect": "pass"}]}
`)
}

func foreignOptions(root string) Options {
	opts := orderOptions()
	opts.Converters = map[string]Converter{
		"alpha": {Codecs: []converter.PayloadCodec{alphaCodec}},
		"beta":  {Codecs: []converter.PayloadCodec{betaCodec}},
	}
	opts.PathConverters = map[string]string{filepath.Join(root, "b"): "beta"}
	return opts
}

// TestForeignCorpusTwoConverters replays a directory whose histories were
// written through two codecs, picked by the manifest, a manifest entry and
// a path option, with an entry that expects any failure.
func TestForeignCorpusTwoConverters(t *testing.T) {
	root := foreignDir
	results, err := mustReplayer(t, foreignOptions(root)).ReplayDir(root)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a/legacy.json": "pass", "a/notify.json": "fail:command-mismatch", "a/order.json": "pass", "b/order.json": "pass"}
	if len(results) != len(want) {
		t.Fatalf("got %d results, want %d", len(results), len(want))
	}
	for _, r := range results {
		rel, _ := filepath.Rel(root, r.File)
		got := "pass"
		if r.Err != nil {
			got = "fail:" + string(r.Err.Kind)
		}
		if got != want[filepath.ToSlash(rel)] || !r.Pass {
			t.Errorf("%s: got %s (pass=%v), want %s: %v", rel, got, r.Pass, want[rel], r.Err)
		}
	}
	if s := Summarize(results); !s.OK() || s.Failed != 1 {
		t.Errorf("summary %v, want one expected failure", s)
	}
}

// TestWrongConverterGetsAHint replays the same corpus with no converters:
// every sealed history fails, and the failure says the data converter is
// the likely cause. The any-failure entry still counts as expected.
func TestWrongConverterGetsAHint(t *testing.T) {
	root := foreignDir
	results := mustReplayer(t, orderOptions()).ReplayFiles([]string{filepath.Join(root, "b", "order.json")})
	e := results[0].Err
	if e == nil || results[0].Pass {
		t.Fatalf("a sealed history replayed without its codec: %+v", results[0])
	}
	if !strings.Contains(e.Hint, `binary/xor-beta: payload encoding is not supported`) || !strings.Contains(e.Hint, "event 1 ") || !strings.Contains(e.Error(), "hint: ") {
		t.Errorf("want a hint naming the payload's encoding and event, got %q", e.Error())
	}
	// The clean corpus gives no hint: it cannot come from nowhere.
	res := mustReplayer(t, orderOptions()).ReplayHistory("x", orderEvents(), ExpectFail(CommandMismatch))
	if res.Err != nil {
		t.Fatalf("clean replay failed: %v", res.Err)
	}
	res = newOrderReplayer(t, mutantReorderActivities).ReplayHistory("x", orderEvents(), ExpectFail(CommandMismatch))
	if res.Err == nil || res.Err.Hint != "" {
		t.Errorf("real nondeterminism got a converter hint: %v", res.Err)
	}
}

// TestManifestNamesUnknownConverter: a converter the options lack is a
// malformed corpus, and the message lists the ones they have.
func TestManifestNamesUnknownConverter(t *testing.T) {
	root := foreignDir
	opts := foreignOptions(root)
	delete(opts.Converters, "alpha")
	results := mustReplayer(t, opts).ReplayFiles([]string{filepath.Join(root, "a", "order.json")})
	if e := results[0].Err; e == nil || e.Kind != Malformed || !strings.Contains(e.Message, `names data converter "alpha", which Options.Converters does not have (it has: beta)`) {
		t.Errorf("got %v", results[0].Err)
	}
	if _, err := NewReplayer(Options{PathConverters: map[string]string{"x": "nope"}}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("NewReplayer accepted a path converter that does not exist: %v", err)
	}
}

// TestResultCheck checks a replayed workflow's result against the
// manifest and against a func, and that a mismatch is short and names
// the event.
func TestResultCheck(t *testing.T) {
	dir := writeCorpus(t, map[string][]byte{
		"good.json": cliJSON(orderEvents()),
		"bad.json":  cliJSON(orderEvents()),
		ManifestFile: []byte(`{"version": 1, "histories": [
  {"file": "good.json", "expect": "pass", "result": "reserved+charged"},
  {"file": "bad.json", "expect": "fail:result-mismatch", "result": "reserved+refunded"}]}`),
	})
	results, err := mustReplayer(t, orderOptions()).ReplayDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s := Summarize(results); !s.OK() || s.Failed != 1 {
		t.Fatalf("%v: %v / %v", s, results[0].Err, results[1].Err)
	}
	e := results[0].Err // bad.json sorts first
	if e == nil || e.EventID != 22 || len(e.Message) >= 300 ||
		!strings.Contains(e.Message, `event 22 WorkflowExecutionCompleted: result differs from the manifest's: value: want "reserved+refunded", got "reserved+charged"`) {
		t.Errorf("result mismatch reported as %v", e)
	}

	opts := orderOptions()
	var seen []string
	opts.Parallelism = 1
	opts.CheckResult = func(file string, v Value) error {
		var s string
		if err := v.Get(&s); err != nil {
			return err
		}
		seen = append(seen, file+"="+s)
		return errors.New("want a receipt number")
	}
	res := mustReplayer(t, opts).ReplayHistory("order", orderEvents(), ExpectFail(ResultMismatch))
	if !res.Pass || fmt.Sprint(seen) != "[order=reserved+charged]" || !strings.Contains(res.Err.Message, "event 22 WorkflowExecutionCompleted: want a receipt number") {
		t.Errorf("CheckResult saw %v, result %+v", seen, res.Err)
	}
}

// TestSDKReplayerKeepsResults fails if an SDK upgrade removes the
// GetWorkflowResult method that result checks read the result with.
func TestSDKReplayerKeepsResults(t *testing.T) {
	r := mustReplayer(t, orderOptions())
	rep, err := r.acquire("")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rep.(resultKeeper); !ok {
		t.Fatalf("the SDK replayer %T has no GetWorkflowResult(string, any) error: go.temporal.io/sdk has changed since v1.50.0; update resultcheck.go", rep)
	}
}

// TestResultMismatchMessageIsShort: the SDK's own result-mismatch message
// dumps the whole completion request; ours says what the history and the
// code did at which event, and keeps the SDK's text aside.
func TestResultMismatchMessageIsShort(t *testing.T) {
	res := newOrderReplayer(t, mutantChangeResultHandling).ReplayHistory("x", orderEvents(), ExpectFail(ResultMismatch))
	e := res.Err
	if !res.Pass || e == nil {
		t.Fatalf("want a result mismatch, got %v", e)
	}
	want := `event 22: history has WorkflowExecutionCompleted, the code issued FailWorkflowExecution (failure "charge needs review: reserved+charged")`
	if e.Message != want || len(e.Message) >= 300 {
		t.Errorf("message (%d chars) %q, want %q", len(e.Message), e.Message, want)
	}
	if len(e.SDKMessage) < 300 || !strings.Contains(e.SDKMessage, "RespondWorkflowTaskCompletedRequest") {
		t.Errorf("SDK message not kept: %q", e.SDKMessage)
	}
}

// TestTiedMarkersNameTheRightEvent: two SideEffect markers of one
// workflow task differ only in their details; the code records one, so
// the second is missing, and the error must name it, not the first.
func TestTiedMarkersNameTheRightEvent(t *testing.T) {
	b := newHistoryBuilder(orderWorkflowType, "order-1")
	b.workflowTask()
	b.sideEffectMarker(1, 10) // 5
	b.sideEffectMarker(2, 20) // 6
	b.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).Attributes = &historypb.HistoryEvent_WorkflowExecutionSignaledEventAttributes{
		WorkflowExecutionSignaledEventAttributes: &historypb.WorkflowExecutionSignaledEventAttributes{SignalName: "go", Input: payloads("now")},
	}
	b.workflowTask()
	b.complete("done")
	oneSideEffect := func(ctx workflow.Context, _ string) (string, error) {
		var n int
		if err := workflow.SideEffect(ctx, func(workflow.Context) any { return 10 }).Get(&n); err != nil {
			return "", err
		}
		workflow.GetSignalChannel(ctx, "go").Receive(ctx, nil)
		return "done", nil
	}
	res := newOrderReplayer(t, oneSideEffect).ReplayHistory("x", b.history(), ExpectFail(MissingCommand))
	if !res.Pass || res.Err.EventID != 6 || !strings.HasPrefix(res.Err.Message, "event 6 MarkerRecorded (MarkerName SideEffect)") {
		t.Fatalf("want missing-command at event 6, got %v\nSDK: %s", res.Err, res.Err.SDKMessage)
	}
}

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name      string
		want, got any
		diff      string
	}{
		{"equal", map[string]any{"a": 1.0}, map[string]any{"a": 1.0}, ""},
		{"scalar", "x", "y", `value: want "x", got "y"`},
		{"nested", map[string]any{"order": map[string]any{"total": 3.0}}, map[string]any{"order": map[string]any{"total": 4.0}}, `order.total: want 3, got 4`},
		{"missing key", map[string]any{"a": 1.0, "b": 2.0}, map[string]any{"a": 1.0}, `b: want 2, got nothing`},
		{"slice", []any{"a", "b"}, []any{"a", "c"}, `[1]: want "b", got "c"`},
		{"many", []any{1.0, 2.0, 3.0, 4.0, 5.0}, []any{0.0, 0.0, 0.0, 0.0, 0.0}, `[0]: want 1, got 0; [1]: want 2, got 0; [2]: want 3, got 0; and 2 more`},
		{"long value", strings.Repeat("a", 100), "b", `value: want "` + strings.Repeat("a", 36) + `..., got "b"`},
	} {
		if got := Diff(tc.want, tc.got); got != tc.diff {
			t.Errorf("%s: Diff = %q, want %q", tc.name, got, tc.diff)
		}
	}
}
