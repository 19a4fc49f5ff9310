package sim

import (
	"strings"
	"testing"

	commandpb "go.temporal.io/api/command/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
)

func TestCanonicalStacks(t *testing.T) {
	stack := func(g, p string) *failurepb.Failure {
		return &failurepb.Failure{Message: "boom", StackTrace: "goroutine " + g + " [running]:\nmain.work(" + p + ", {0x1a, 0x2})\n\t/src/main.go:12 +0x1d"}
	}
	const want = "goroutine ? [running]:\nmain.work(0x?, {0x?, 0x?})\n\t/src/main.go:12 +0x?"
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
