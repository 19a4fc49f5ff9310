package sim

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	commandpb "go.temporal.io/api/command/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/temporalsim/temporalsim/sim/server"
)

func TestCanonicalStacks(t *testing.T) {
	stack := func(g, p string) *failurepb.Failure {
		return &failurepb.Failure{Message: "boom", StackTrace: "goroutine " + g + " [running]:\nmain.work(" + p + ", {0x1a, 0x2})\n\t/src/main.go:12 +0x1d"}
	}
	const want = "goroutine ? [running]:\nmain.work(0x?, {0x?, 0x?})\n\tmain/main.go:12 +0x?"
	a, b := stack("17", "0xc000123456"), stack("9", "0xc0009abcde")
	a.Cause = stack("3", "0xc0000000ff")
	canonicalFailure(a)
	canonicalFailure(b)
	if a.StackTrace != want || b.StackTrace != want || a.Cause.StackTrace != want {
		t.Fatalf("stacks %q, %q, cause %q; want %q", a.StackTrace, b.StackTrace, a.Cause.StackTrace, want)
	}
	// A local activity's failure sits in its marker command.
	f := stack("5", "0xc000000001")
	c := &commandpb.Command{CommandType: enumspb.COMMAND_TYPE_RECORD_MARKER, Attributes: &commandpb.Command_RecordMarkerCommandAttributes{
		RecordMarkerCommandAttributes: &commandpb.RecordMarkerCommandAttributes{MarkerName: "LocalActivity", Failure: f}}}
	canonicalFailures(c)
	if f.StackTrace != want {
		t.Fatalf("marker failure's stack %q, want %q", f.StackTrace, want)
	}
}

// TestCanonicalStacksNameNoMachinePaths: the same stack taken on two
// machines, whose checkout, module cache and GOROOT lie in different
// directories, is the same text after canonicalFailure, and each file is
// named by its package's import path.
func TestCanonicalStacksNameNoMachinePaths(t *testing.T) {
	stack := func(checkout, modcache, goroot string) string {
		return "activity for temporalsim [panic]:\n" +
			"panic({0x1f0e2a0, 0xc0004d2a10})\n\t" + goroot + "/src/runtime/panic.go:860 +0x13a\n" +
			"github.com/acme/payments/internal/charge.(*Charger).Charge(0xc000a1, {0x2, 0x3})\n\t" + checkout + "/internal/charge/charge.go:42 +0x1d\n" +
			"go.temporal.io/sdk/internal.(*valueIterator).Each(...)\n\t" + modcache + "/go.temporal.io/sdk@v1.50.0/internal/values.go:250 +0x4a1\n" +
			"github.com/acme/payments.Run[...](0xc000b2)\n\t" + checkout + "/run.go:7 +0x2e"
	}
	a := &failurepb.Failure{StackTrace: stack("/home/me/src/payments", "/home/me/go/pkg/mod", "/usr/local/go")}
	b := &failurepb.Failure{StackTrace: stack("/builds/ci/payments", "/root/go/pkg/mod", "/opt/go")}
	canonicalFailure(a)
	canonicalFailure(b)
	if a.StackTrace != b.StackTrace {
		t.Fatalf("the same stack from two machines differs after canonicalFailure:\n%s\n---\n%s", a.StackTrace, b.StackTrace)
	}
	for _, want := range []string{"\tgithub.com/acme/payments/internal/charge/charge.go:42 +0x?", "\tgithub.com/acme/payments/run.go:7 +0x?",
		"\tpanic.go:860 +0x?", "\tgo.temporal.io/sdk/internal/values.go:250 +0x?"} {
		if !strings.Contains(a.StackTrace, want) {
			t.Errorf("canonical stack lacks %q:\n%s", want, a.StackTrace)
		}
	}
}

// Under parallel load the SDK runs an activity's first attempt on its
// eager-dispatch goroutine in one run and on its poll-dispatch goroutine in
// the next, seed for seed; the frames below the last one outside the SDK
// differ (these two stacks are from two runs of concurrent-timers seed 111
// at GOMAXPROCS=8) and are left out, so the histories agree.
func TestCanonicalStacksLeaveOutDispatch(t *testing.T) {
	const top = "activity for temporalsim [panic]:\n" +
		"github.com/temporalsim/temporalsim/sim.(*observerActivity).ExecuteActivity.func1()\n\t/src/sim/engine2_attempts.go:97 +0x7b\n" +
		"panic({0x1f0e2a0, 0xc0004d2a10})\n\t/usr/local/go/src/runtime/panic.go:860 +0x13a\n" +
		"github.com/temporalsim/temporalsim/sim.applyAttemptFaults({0x22, 0x1})\n\t/src/sim/activity.go:269 +0x33\n" +
		"github.com/temporalsim/temporalsim/sim.(*observerActivity).ExecuteActivity(0xc000a1, {0x2, 0x3}, 0xc000b2)\n\t/src/sim/engine2_attempts.go:100 +0x1c5\n" +
		"go.temporal.io/sdk/internal.(*activityExecutor).Execute(0xc000c3, {0x2, 0x3}, 0xc000d4)\n\t/mod/go.temporal.io/sdk@v1.50.0/internal/internal_worker.go:1277 +0x5d\n"
	eager := top + "go.temporal.io/sdk/internal.(*baseWorker).runEagerTaskDispatcher.(*baseWorker).processTaskAsync.func2()\n\t/mod/go.temporal.io/sdk@v1.50.0/internal/internal_worker_base.go:733 +0x4a1\n" +
		"sync.(*WaitGroup).Go.func1()\n\t/usr/local/go/src/sync/waitgroup.go:258 +0x4b\ncreated by sync.(*WaitGroup).Go in goroutine 812\n\t/usr/local/go/src/sync/waitgroup.go:238 +0x7c"
	polled := top + "go.temporal.io/sdk/internal.(*baseWorker).runTaskDispatcher.(*baseWorker).processTaskAsync.func2()\n\t/mod/go.temporal.io/sdk@v1.50.0/internal/internal_worker_base.go:733 +0x4a1\n" +
		"sync.(*WaitGroup).Go.func1()\n\t/usr/local/go/src/sync/waitgroup.go:258 +0x4b\ncreated by sync.(*WaitGroup).Go in goroutine 97\n\t/usr/local/go/src/sync/waitgroup.go:238 +0x7c\n0xc0001f"
	a, b := &failurepb.Failure{StackTrace: eager}, &failurepb.Failure{StackTrace: polled}
	canonicalFailure(a)
	canonicalFailure(b)
	if a.StackTrace != b.StackTrace {
		t.Fatalf("the eager and the polled attempt's stacks differ after canonicalFailure:\n%s\n---\n%s", a.StackTrace, b.StackTrace)
	}
	for _, want := range []string{"sim.applyAttemptFaults", "engine2_attempts.go:100", dispatchTrimmed} {
		if !strings.Contains(a.StackTrace, want) {
			t.Errorf("canonical stack lost %q:\n%s", want, a.StackTrace)
		}
	}
	if strings.Contains(a.StackTrace, "activityExecutor") {
		t.Errorf("canonical stack kept the SDK's dispatch frames:\n%s", a.StackTrace)
	}
}

// sdkStackRaw is the SDK's getStackTraceRaw(top, 7, 0): called from the
// deferred function that recovered a panic, it leaves out the goroutine
// line, its own frame, that function's and the panic's.
//
//go:noinline
func sdkStackRaw(top string) string {
	buf := make([]byte, 1<<20)
	lines := strings.Split(strings.TrimRightFunc(string(buf[:runtime.Stack(buf, false)]), unicode.IsSpace), "\n")
	return top + "\n" + strings.Join(lines[7:], "\n")
}

// panicLikeAnAttempt panics under a deferred recover that re-panics as the
// attempt observer does, under a handler that captures the stack as the
// SDK's does; it returns the SDK's text.
func panicLikeAnAttempt(s *e2stacks, info activity.Info, top string) (sdk string) {
	defer func() {
		if p := recover(); p != nil {
			sdk = sdkStackRaw(top)
		}
	}()
	observedAttempt2(s, info)
	return ""
}

func observedAttempt2(s *e2stacks, info activity.Info) {
	defer func() {
		if p := recover(); p != nil {
			panic(s.activityPanic(info, p))
		}
	}()
	userActivity(3)
}

func userActivity(n int) {
	if n == 0 {
		panic("boom")
	}
	userActivity(n - 1)
}

// The stack engine 2 captures is the SDK's text, frame for frame, and it
// takes the place of a text a concurrent panic garbled in the SDK's
// shared buffer, for an activity attempt and for a local activity's
// marker.
func TestOwnStackReplacesAGarbledOne(t *testing.T) {
	s := newE2Stacks()
	const top = "activity for q [panic]:"
	sdk := panicLikeAnAttempt(s, activity.Info{TaskToken: []byte("tok")}, top)
	if !strings.Contains(sdk, "sim.userActivity") || !strings.Contains(sdk, "observedAttempt2.func1()") {
		t.Fatalf("the SDK-like text misses the attempt's frames:\n%s", sdk)
	}
	garbled := sdk[:len(sdk)/2] + "\n\t/usr/local/go/src/re"
	pf := func(st string) *failurepb.Failure {
		return &failurepb.Failure{Message: "boom", StackTrace: st, FailureInfo: &failurepb.Failure_ApplicationFailureInfo{
			ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: "PanicError"}}}
	}
	pass := func(req, reply any) {
		err := s.intercept(context.Background(), "m", req, reply, nil, func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error {
			if r, ok := reply.(*workflowservice.PollWorkflowTaskQueueResponse); ok {
				r.TaskToken, r.WorkflowExecution = []byte("wft"), &commonpb.WorkflowExecution{RunId: "run"}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	f := pf(garbled)
	pass(&workflowservice.RespondActivityTaskFailedRequest{TaskToken: []byte("tok"), Failure: f}, &workflowservice.RespondActivityTaskFailedResponse{})
	if want := canonicalText(sdk); f.StackTrace != want {
		t.Fatalf("activity stack after the interceptor:\n%s\nwant the SDK's intact text:\n%s", f.StackTrace, want)
	}

	const ltop = "local activity for localStep [panic]:"
	lsdk := panicLikeAnAttempt(s, activity.Info{IsLocalActivity: true, WorkflowExecution: workflow.Execution{RunID: "run"},
		ActivityType: activity.Type{Name: "localStep"}}, ltop)
	pass(&workflowservice.PollWorkflowTaskQueueRequest{}, &workflowservice.PollWorkflowTaskQueueResponse{})
	lf := pf(lsdk[:len(lsdk)/3])
	pass(&workflowservice.RespondWorkflowTaskCompletedRequest{TaskToken: []byte("wft"), Commands: []*commandpb.Command{{
		CommandType: enumspb.COMMAND_TYPE_RECORD_MARKER, Attributes: &commandpb.Command_RecordMarkerCommandAttributes{
			RecordMarkerCommandAttributes: &commandpb.RecordMarkerCommandAttributes{MarkerName: "LocalActivity", Failure: lf}}}}},
		&workflowservice.RespondWorkflowTaskCompletedResponse{})
	if want := canonicalText(lsdk); lf.StackTrace != want {
		t.Fatalf("local activity stack after the interceptor:\n%s\nwant the SDK's intact text:\n%s", lf.StackTrace, want)
	}
	if len(s.acts) != 0 || len(s.locals) != 0 || len(s.runs) != 0 {
		t.Fatalf("held stacks left after their reports: %d, %d, %d", len(s.acts), len(s.locals), len(s.runs))
	}
}

// panicOnce panics on its first two attempts.
func panicOnce(ctx context.Context) (string, error) {
	if activity.GetInfo(ctx).Attempt <= 2 {
		userActivity(2)
	}
	return "ok", nil
}

// localPanicScenario runs two local activities, one after the other, that
// panic on their first two attempts, and have two: their markers carry
// the second panic.
func localPanicScenario() *Scenario {
	wf := func(ctx workflow.Context) (string, error) {
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: time.Minute, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 2}})
		var s, u string
		ea := workflow.ExecuteLocalActivity(lctx, "panicOnce").Get(ctx, &s)
		eb := workflow.ExecuteLocalActivity(lctx, "panicOnce").Get(ctx, &u)
		return s + u, errors.Join(ea, eb)
	}
	return &Scenario{Name: "local-panic", Profile: Profile{Window: time.Minute},
		Setup: func(w *World) Case {
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "localPanic"})
			w.RegisterActivityWithOptions(panicOnce, activity.RegisterOptions{Name: "panicOnce"})
			return Case{Workflow: "localPanic"}
		}}
}

// workflowPanicScenario's workflow code panics where panicIn says: in its
// root coroutine or in one it starts.
func workflowPanicScenario(panicIn string) *Scenario {
	wf := func(ctx workflow.Context) (string, error) {
		if panicIn == "root" {
			userActivity(1)
		}
		done := false
		workflow.Go(ctx, func(ctx workflow.Context) {
			userActivity(1)
			done = true
		})
		return "", workflow.Await(ctx, func() bool { return done })
	}
	return &Scenario{Name: "workflow-panic", Profile: Profile{Window: time.Minute},
		Setup: func(w *World) Case {
			w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "workflowPanic"})
			return Case{Workflow: "workflowPanic"}
		}}
}

// Without a concurrent panic the SDK's text is intact: the histories with
// engine 2's own stacks are the same bytes as with the SDK's, for an
// activity's and for local activities' panics, and for workflow code's in
// its root coroutine and in one it started.
func TestEngine2OwnStacksAreTheSDKs(t *testing.T) {
	in := defaultProbe
	shas := func(r *Result) string {
		var b strings.Builder
		for _, rh := range r.histories {
			s, err := server.HistorySHA256(rh.Events)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(rh.RunID + "=" + s + "\n")
		}
		return b.String()
	}
	runs := map[string]func() *Result{
		"activity": func() *Result { return runProbe2(t, in, "f1 activity-panic target=Work attempt=1") },
		"local": func() *Result {
			r, err := Run(t, localPanicScenario(), 1, Plan{}, &Options{Engine: EngineServer})
			if err != nil {
				t.Fatal(err)
			}
			return r
		},
	}
	for _, in := range []string{"root", "coroutine"} {
		runs[in] = func() *Result {
			r, err := Run(t, workflowPanicScenario(in), 1, Plan{}, &Options{Engine: EngineServer})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	for _, name := range []string{"activity", "local", "root", "coroutine"} {
		before := stacksReplaced.Load()
		own := runs[name]()
		replaced := stacksReplaced.Load() - before
		ownStacks.Store(false)
		sdks := runs[name]()
		ownStacks.Store(true)
		if replaced == 0 {
			t.Fatalf("%s: no stack was replaced", name)
		}
		if a, b := shas(own), shas(sdks); a != b || a == "" {
			t.Fatalf("%s: histories with engine 2's own stacks:\n%s\nwith the SDK's:\n%s", name, a, b)
		}
		t.Logf("%s: %d stacks replaced, histories alike", name, replaced)
	}
}

// A workflow task's failure gets its run's captured coroutine stack when
// the messages agree, and keeps the SDK's text when they do not; either
// way the held stack goes with the task.
func TestOwnCoroutineStackReplacesTheTasks(t *testing.T) {
	const held = "main.work()\n\t/src/main.go:12 +0x1d"
	for _, c := range []struct{ msg, want string }{
		{"boom", "coroutine root [panic]:\n" + canonicalText(held)},
		{"other", "coroutine root [panic]:\n\t/usr/local/go/src/re"},
	} {
		s := newE2Stacks()
		s.note([]byte("wft"), "run")
		s.coros["run"] = heldStack{msg: "boom", stack: held}
		f := &failurepb.Failure{Message: c.msg, StackTrace: "coroutine root [panic]:\n\t/usr/local/go/src/re", FailureInfo: &failurepb.Failure_ApplicationFailureInfo{
			ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: "PanicError"}}}
		err := s.intercept(context.Background(), "m", &workflowservice.RespondWorkflowTaskFailedRequest{TaskToken: []byte("wft"), Failure: f},
			&workflowservice.RespondWorkflowTaskFailedResponse{}, nil,
			func(context.Context, string, any, any, *grpc.ClientConn, ...grpc.CallOption) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if f.StackTrace != c.want {
			t.Errorf("message %q: stack %q, want %q", c.msg, f.StackTrace, c.want)
		}
		if len(s.coros) != 0 || len(s.runs) != 0 {
			t.Errorf("message %q: held %d coroutine stacks and %d tasks after the report", c.msg, len(s.coros), len(s.runs))
		}
	}
}

// Panics at the same moment keep their own stacks: each capture has the
// depth its goroutine panicked at. (The SDK's shared buffer cannot be
// reached from here, so no test makes its text collide.)
func TestOwnStacksOfConcurrentPanics(t *testing.T) {
	s := newE2Stacks()
	const n = 64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			defer func() { _ = recover() }()
			func() {
				defer func() {
					if p := recover(); p != nil {
						panic(s.activityPanic(activity.Info{TaskToken: []byte(strconv.Itoa(i))}, p))
					}
				}()
				userActivity(i % 16)
			}()
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		st := s.acts[strconv.Itoa(i)]
		// userActivity(d) shows d+1 frames, each a function line and a file line.
		if got := strings.Count(st, "sim.userActivity("); got != i%16+1 {
			t.Errorf("panic %d: %d userActivity frames, want %d:\n%s", i, got, i%16+1, st)
		}
	}
}

// TestEngine2HistoriesNameNoMachinePaths: the stack of an activity's panic
// reaches the history with its files named by import path, and no file
// line names a directory of this machine, so the history's bytes (and
// history_sha256) are the same in every checkout.
func TestEngine2HistoriesNameNoMachinePaths(t *testing.T) {
	r := runProbe2(t, defaultProbe, "f1 activity-panic target=Work attempt=1")
	var text strings.Builder
	for _, h := range r.histories {
		for _, e := range h.Events {
			b, err := protojson.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			text.Write(b)
		}
	}
	// protojson writes a tab as the two characters \t.
	if !strings.Contains(text.String(), `\tgithub.com/temporalsim/temporalsim/sim/`) {
		t.Fatalf("no stack frame of package sim named by import path in the histories:\n%s", text.String())
	}
	if strings.Contains(text.String(), `\t/`) {
		t.Fatalf("a stack frame in the histories names an absolute path:\n%s", text.String())
	}
}
