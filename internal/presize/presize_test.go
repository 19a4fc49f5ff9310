package presize

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/temporalsim/temporalsim/sim/server"
)

// here is the address of a variable in its caller's frame. A stack that
// the runtime copies to grow it moves its frames, so the same frame's
// address changes.
//
//go:noinline
func here() uintptr {
	var b byte
	return uintptr(unsafe.Pointer(&b))
}

// deepFrame calls f from under a 36 KB frame: more than a fresh 8 KB
// stack holds, less than a 64 KB one does.
//
//go:noinline
func deepFrame(i int, f func()) byte {
	var pad [36 << 10]byte
	pad[i] = 1
	f()
	return pad[len(pad)-1-i]
}

// stackMoves reports whether a deep call from a fresh goroutine, after
// prepare, moves that goroutine's stack.
func stackMoves(prepare func()) bool {
	var moved bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		prepare()
		before := here()
		deepFrame(0, func() {})
		moved = here() != before
	}()
	<-done
	return moved
}

// TestStackMakesRoom: after Stack, a goroutine's stack holds a 36 KB frame
// without growing; without it the same call grows (moves) the stack, which
// shows the probe sees a growth. A garbage collection between the two calls
// could shrink the grown stack again, so the grown case has three tries.
func TestStackMakesRoom(t *testing.T) {
	require.True(t, stackMoves(func() {}), "a 36 KB frame on a fresh goroutine did not move its stack: the probe sees no growth")
	for range 3 {
		if !stackMoves(Stack) {
			return
		}
	}
	t.Fatal("a 36 KB frame moved the stack Stack had grown, three times")
}

// TestTunerKeepsDefaultSlots: the tuner hands out the slots the SDK's
// default tuner does, and wraps the workflow and activity suppliers.
func TestTunerKeepsDefaultSlots(t *testing.T) {
	got, err := Tuner()
	require.NoError(t, err)
	want, err := worker.NewFixedSizeTuner(worker.FixedSizeTunerOptions{})
	require.NoError(t, err)
	require.Equal(t, want.GetWorkflowTaskSlotSupplier().MaxSlots(), got.GetWorkflowTaskSlotSupplier().MaxSlots())
	require.Equal(t, want.GetActivityTaskSlotSupplier().MaxSlots(), got.GetActivityTaskSlotSupplier().MaxSlots())
	require.Equal(t, want.GetLocalActivitySlotSupplier().MaxSlots(), got.GetLocalActivitySlotSupplier().MaxSlots())
	require.Equal(t, want.GetNexusSlotSupplier().MaxSlots(), got.GetNexusSlotSupplier().MaxSlots())
	require.IsType(t, supplier{}, got.GetWorkflowTaskSlotSupplier())
	require.IsType(t, supplier{}, got.GetActivityTaskSlotSupplier())
}

// goroutineID reads the calling goroutine's id from its stack trace.
func goroutineID() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf, _ = bytes.CutPrefix(buf, []byte("goroutine "))
	id, _, _ := bytes.Cut(buf, []byte(" "))
	n, _ := strconv.ParseInt(string(id), 10, 64)
	return n
}

// seen is what one activity found about its goroutine's stack.
type seen struct {
	grown bool // the supplier grew this goroutine
	fits  bool // its stack has not moved since, and has room for 36 KB more
}

// runFour runs a workflow of four parallel activities on a real SDK worker
// with Tuner against the in-process server, in a bubble, and returns what
// each activity saw.
func runFour(t *testing.T) []seen {
	var mu sync.Mutex
	grown := map[int64]uintptr{}
	testHook = func() {
		mu.Lock()
		grown[goroutineID()] = here()
		mu.Unlock()
	}
	defer func() { testHook = nil }()
	var acts []seen
	act := func(context.Context) error {
		at := here()
		deepFrame(0, func() {})
		roomy := here() == at
		mu.Lock()
		defer mu.Unlock()
		top, ok := grown[goroutineID()]
		// The activity's frames lie below the hook's, on the stack the
		// hook saw.
		acts = append(acts, seen{grown: ok, fits: ok && roomy && at < top && top-at < 64<<10})
		return nil
	}
	wf := func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
		var fs []workflow.Future
		for range 4 {
			fs = append(fs, workflow.ExecuteActivity(ctx, "act"))
		}
		for _, f := range fs {
			if err := f.Get(ctx, nil); err != nil {
				return err
			}
		}
		return nil
	}
	synctest.Test(t, func(t *testing.T) {
		srv := server.New(&server.Options{IDSeed: 1})
		defer srv.Stop()
		c, err := client.Dial(client.Options{HostPort: "passthrough:///temporalsim", WorkerHeartbeatInterval: -1,
			Logger: log.NewStructuredLogger(slog.New(slog.DiscardHandler)),
			ConnectionOptions: client.ConnectionOptions{DialOptions: []grpc.DialOption{
				grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithChainUnaryInterceptor(srv.Handle)}}})
		require.NoError(t, err)
		defer c.Close()
		tn, err := Tuner()
		require.NoError(t, err)
		//lint:ignore SA1019 a fixed build id keeps the binary's hash out of the worker's requests
		w := worker.New(c, "tq", worker.Options{BuildID: "presize", Tuner: tn, WorkerActivitiesPerSecond: math.Inf(1)})
		w.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "four"})
		w.RegisterActivityWithOptions(act, activity.RegisterOptions{Name: "act"})
		require.NoError(t, w.Start())
		defer w.Stop()
		run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: "four", TaskQueue: "tq"}, "four")
		require.NoError(t, err)
		require.NoError(t, run.Get(context.Background(), nil))
	})
	return acts
}

// TestTasksRunOnPresizedStacks: each activity runs on the goroutine the
// slot supplier grew; that goroutine's stack has not moved since (the
// SDK's payload visitor, which ran on it in between, fit) and still has
// room for a 36 KB frame (it was grown to 64 KB, which a workflow task's
// visit needs). It fails when the SDK stops calling MarkSlotUsed on a
// task's goroutine before processing the task, when the visitor outgrows
// the room, or when Frame is too small. A garbage collection may shrink a
// grown stack while its task waits, so three of the four activities must
// show it.
func TestTasksRunOnPresizedStacks(t *testing.T) {
	acts := runFour(t)
	require.Len(t, acts, 4)
	fits := 0
	for i, a := range acts {
		require.True(t, a.grown, "activity %d ran on a goroutine the slot supplier never grew: "+
			"go.temporal.io/sdk %s no longer calls MarkSlotUsed on a task's goroutine before processing it (internal/presize was written for v1.50.0)",
			i, temporal.SDKVersion)
		if a.fits {
			fits++
		}
	}
	require.GreaterOrEqual(t, fits, 3, "the stacks of %d of 4 activities moved after they were grown, or had no room for 36 KB: "+
		"the payload visitor of go.temporal.io/sdk %s needs more than the %d KB frame internal/presize asks for (written for v1.50.0)",
		4-fits, temporal.SDKVersion, Frame>>10)
}
