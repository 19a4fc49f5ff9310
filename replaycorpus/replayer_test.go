package replaycorpus

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func orderOptions() Options {
	return Options{NamedWorkflows: map[string]any{orderWorkflowType: orderWorkflow}}
}

func mustReplayer(t testing.TB, opts Options) *Replayer {
	t.Helper()
	r, err := NewReplayer(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// brief is the part of a Result that must not depend on scheduling.
type brief struct {
	File, WorkflowType string
	Events             int
	Expected           Expectation
	Kind               Kind
	EventID            int64
	Pass               bool
}

func briefs(results []Result) []brief {
	out := make([]brief, len(results))
	for i, r := range results {
		out[i] = brief{File: r.File, WorkflowType: r.WorkflowType, Events: r.Events, Expected: r.Expected, Pass: r.Pass}
		if r.Err != nil {
			out[i].Kind, out[i].EventID = r.Err.Kind, r.Err.EventID
		}
	}
	return out
}

func TestReplayDirUsesManifest(t *testing.T) {
	results, err := mustReplayer(t, orderOptions()).ReplayDir("testdata/order")
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{
		{File: "testdata/order/order.json", WorkflowType: orderWorkflowType, Events: 22, Expected: ExpectPass, Pass: true},
		{File: "testdata/order/order_legacy.json", WorkflowType: orderWorkflowType, Events: 22, Expected: ExpectPass, Pass: true},
		{File: "testdata/order/order_partial.json", WorkflowType: orderWorkflowType, Events: 12, Expected: ExpectPass, Pass: true},
		{File: "testdata/order/order_v0.json", WorkflowType: orderWorkflowType, Events: 11, Expected: ExpectFail(ExtraCommand), Kind: ExtraCommand, EventID: 11, Pass: true},
		{File: "testdata/order/order_v2_notify.json", WorkflowType: orderWorkflowType, Events: 28, Expected: ExpectFail(CommandMismatch), Kind: CommandMismatch, EventID: 22, Pass: true},
	}
	if got := briefs(results); !reflect.DeepEqual(got, want) {
		t.Errorf("ReplayDir results:\n got %+v\nwant %+v", got, want)
	}
	if got, want := Summarize(results), (Summary{Files: 5, Passed: 3, Failed: 2, Unexpected: 0}); got != want || !got.OK() {
		t.Errorf("Summarize = %v, want %v", got, want)
	}
	for _, r := range results {
		if r.Err != nil && r.Err.File != r.File {
			t.Errorf("%s: ReplayError.File = %q", r.File, r.Err.File)
		}
	}
}

// TestMalformedFilesDoNotStopTheBatch mixes broken files with good ones:
// every input gets a result, in input order, and the broken ones name
// their file.
func TestMalformedFilesDoNotStopTheBatch(t *testing.T) {
	files := []string{
		"testdata/invalid/empty.json",
		"testdata/order/order.json",
		"testdata/invalid/malformed.json",
		"testdata/invalid/not_started_first.json",
		"testdata/dialects/cli.json",
		"testdata/invalid/two_events.json",
		"testdata/invalid/no_such_file.json",
		"testdata/invalid/not_a_history.json",
	}
	results := mustReplayer(t, orderOptions()).ReplayFiles(files)
	if len(results) != len(files) {
		t.Fatalf("got %d results for %d files", len(results), len(files))
	}
	wantReason := map[string]string{
		"testdata/invalid/empty.json":             "empty file",
		"testdata/invalid/malformed.json":         "malformed JSON",
		"testdata/invalid/not_started_first.json": "first event is WorkflowTaskScheduled, want WorkflowExecutionStarted",
		"testdata/invalid/two_events.json":        "only 2 event(s)",
		"testdata/invalid/no_such_file.json":      "cannot read file",
		"testdata/invalid/not_a_history.json":     "no events",
	}
	for i, r := range results {
		if r.File != files[i] {
			t.Errorf("result %d is for %s, want %s", i, r.File, files[i])
		}
		reason, broken := wantReason[r.File]
		if !broken {
			if !r.Pass || r.Err != nil {
				t.Errorf("%s: want a clean replay, got %v", r.File, r.Err)
			}
			continue
		}
		var le *LoadError
		if r.Pass || r.Err == nil || r.Err.Kind != Malformed || !errors.As(r.Err, &le) {
			t.Errorf("%s: want a failing result wrapping a *LoadError, got pass=%v err=%v", r.File, r.Pass, r.Err)
			continue
		}
		if !strings.Contains(r.Err.Error(), r.File) || !strings.Contains(r.Err.Message, reason) {
			t.Errorf("%s: error %q should name the file and say %q", r.File, r.Err.Error(), reason)
		}
	}
	if got, want := Summarize(results), (Summary{Files: 8, Passed: 2, Failed: 6, Unexpected: 6}); got != want {
		t.Errorf("Summarize = %v, want %v", got, want)
	}
}

// TestParallelismDoesNotChangeResults replays the same inputs with one
// goroutine and with many.
func TestParallelismDoesNotChangeResults(t *testing.T) {
	files, err := HistoryFiles("testdata")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, files...)
	var runs [][]brief
	for _, p := range []int{1, 3, 16} {
		opts := orderOptions()
		opts.Parallelism = p
		runs = append(runs, briefs(mustReplayer(t, opts).ReplayFiles(files)))
	}
	for i := 1; i < len(runs); i++ {
		if !reflect.DeepEqual(runs[0], runs[i]) {
			t.Fatalf("results differ between parallelism settings:\n%+v\n%+v", runs[0], runs[i])
		}
	}
}

func TestReplayGlobAndPaths(t *testing.T) {
	r := mustReplayer(t, orderOptions())
	results, err := r.ReplayGlob("testdata/*/order_v*.json")
	if err != nil {
		t.Fatal(err)
	}
	if got := files(results); !reflect.DeepEqual(got, []string{"testdata/order/order_v0.json", "testdata/order/order_v2_notify.json"}) {
		t.Errorf("ReplayGlob files = %v", got)
	}
	if _, err := r.ReplayGlob("testdata/nothing-*.json"); err == nil {
		t.Error("ReplayGlob with no match: want an error")
	}

	results, err = r.ReplayPaths("testdata/dialects/cli.json", "testdata/order", "testdata/order/order.json", "testdata/dialects/legacy_*.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"testdata/dialects/cli.json",
		"testdata/order/order.json", "testdata/order/order_legacy.json", "testdata/order/order_partial.json",
		"testdata/order/order_v0.json", "testdata/order/order_v2_notify.json",
		"testdata/dialects/legacy_camelcase.json",
	}
	if got := files(results); !reflect.DeepEqual(got, want) {
		t.Errorf("ReplayPaths files = %v, want %v", got, want)
	}
	if s := Summarize(results); !s.OK() {
		t.Errorf("ReplayPaths: %v", s)
	}
}

func files(results []Result) []string {
	var out []string
	for _, r := range results {
		out = append(out, r.File)
	}
	return out
}

// writeCorpus makes a corpus directory with the given files.
func writeCorpus(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestManifestProblemsAreResults(t *testing.T) {
	order := cliJSON(orderEvents())
	entry := Entry{File: "a.json", WorkflowType: "PaymentWorkflow", SDKVersion: sdkVersion, MadeBy: "handwritten"}
	missing := Entry{File: "gone.json", WorkflowType: orderWorkflowType, SDKVersion: sdkVersion, MadeBy: "handwritten"}
	m := &Manifest{Version: ManifestVersion, Histories: []Entry{entry, missing}}
	data, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dir := writeCorpus(t, map[string][]byte{"a.json": order, "b.json": order, ManifestFile: data})
	results, err := mustReplayer(t, orderOptions()).ReplayDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range results {
		msg := "pass"
		if r.Err != nil {
			msg = r.Err.Message
		}
		got[filepath.Base(r.File)] = msg
	}
	if !strings.Contains(got["a.json"], `lists workflow type "PaymentWorkflow", the history has "OrderWorkflow"`) {
		t.Errorf("a.json: %s", got["a.json"])
	}
	if got["b.json"] != "pass" {
		t.Errorf("b.json (not in the manifest, expected to pass): %s", got["b.json"])
	}
	if !strings.Contains(got["gone.json"], "cannot read file") {
		t.Errorf("gone.json (listed, missing): %s", got["gone.json"])
	}

	broken := writeCorpus(t, map[string][]byte{"a.json": order, ManifestFile: []byte(`{"version": 1, "histories": [{"fiel": "a.json"}]}`)})
	results, err = mustReplayer(t, orderOptions()).ReplayDir(broken)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 {
		t.Fatalf("a broken manifest: got %d results, want 2 (the history and the manifest)", len(results))
	}
	for _, r := range results {
		if r.Pass || r.Err == nil || !strings.Contains(r.Err.Message, `unknown field "fiel"`) {
			t.Errorf("%s: want the manifest error, got %v", r.File, r.Err)
		}
	}
}

func TestNewReplayerRejectsBadRegistration(t *testing.T) {
	_, err := NewReplayer(Options{Workflows: []any{"not a function"}})
	if err == nil || !strings.Contains(err.Error(), "registering workflows") {
		t.Fatalf("NewReplayer with a bad workflow: err = %v", err)
	}
}

// countingInterceptor counts workflow executions, to show that
// Options.Interceptors reach the SDK replayer.
type countingInterceptor struct {
	interceptor.WorkerInterceptorBase
	executions *atomic.Int64
}

func (c *countingInterceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &countingInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, executions: c.executions}
}

type countingInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	executions *atomic.Int64
}

func (c *countingInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	c.executions.Add(1)
	return c.Next.ExecuteWorkflow(ctx, in)
}

func TestOptionsReachTheSDK(t *testing.T) {
	var executions atomic.Int64
	opts := orderOptions()
	opts.Interceptors = []interceptor.WorkerInterceptor{&countingInterceptor{executions: &executions}}
	registered := 0
	opts.Register = func(r worker.WorkflowReplayer) { registered++ }
	opts.Parallelism = 1
	results := mustReplayer(t, opts).ReplayFiles([]string{"testdata/order/order.json", "testdata/order/order_legacy.json"})
	if s := Summarize(results); !s.OK() {
		t.Fatalf("%v", s)
	}
	if executions.Load() != 2 || registered != 1 {
		t.Errorf("interceptor saw %d executions (want 2), Register ran %d times (want 1: one replayer, reused)", executions.Load(), registered)
	}
}

// TestSDKLogIsKept checks the SDK's log goes to the Result, not stdout.
func TestSDKLogIsKept(t *testing.T) {
	res := newOrderReplayer(t, mutantRemoveTimer).ReplayHistory("x", orderEvents(), ExpectPass)
	if !strings.Contains(res.Log, "ERROR Workflow panic") || !strings.Contains(res.Log, "WorkflowType=OrderWorkflow") {
		t.Errorf("Result.Log = %q", res.Log)
	}
}
