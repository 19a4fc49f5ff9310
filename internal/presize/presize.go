// Package presize grows the stack of each SDK task goroutine in one step,
// before the SDK walks the task's payloads. Engine 2's worker and the
// in-process server's benchmarks use it; see docs/architecture.md, "Speed".
//
// It depends on how go.temporal.io/sdk (written for v1.50.0) processes a
// task; TestTasksRunOnPresizedStacks fails, naming the SDK version, when
// that moves. Nothing else depends on it: without it a run is slower, not
// different.
//
// The SDK runs every workflow and activity task on a goroutine of its own,
// which starts with the runtime's 8 KB stack. The first thing the task does
// is visit the task's payloads with go.temporal.io/api/proxy's generated
// visitor: one function of about 120 KB of code with a 7.6 KB frame,
// called once per message level, several levels deep for a history
// event's payloads. The stack grows 8 -> 16 -> 32 -> 64 KB on the way down; each
// growth copies the stack and looks up the visitor's frame layout in its
// long tables, which is slow. That was 26% of the CPU of the server's
// BenchmarkSequential50Server. Growing the stack to 64 KB in one copy,
// while it is still shallow, costs about a microsecond.
//
// The hook is the worker's slot supplier: the SDK calls
// SlotSupplier.MarkSlotUsed on the task's goroutine just before it
// processes the task (baseWorker.processTaskAsync). The suppliers are the
// SDK's default fixed-size ones, so slots are counted as the SDK counts
// them without a tuner.
package presize

import (
	"go.temporal.io/sdk/worker"
)

// Tuner returns the SDK's default worker tuner with its workflow and
// activity slot suppliers growing each task's goroutine before the task
// runs. Pass it as worker.Options.Tuner.
func Tuner() (worker.WorkerTuner, error) {
	t, err := worker.NewFixedSizeTuner(worker.FixedSizeTunerOptions{})
	if err != nil {
		return nil, err
	}
	return tuner{t}, nil
}

type tuner struct{ worker.WorkerTuner }

func (t tuner) GetWorkflowTaskSlotSupplier() worker.SlotSupplier {
	return supplier{t.WorkerTuner.GetWorkflowTaskSlotSupplier()}
}

func (t tuner) GetActivityTaskSlotSupplier() worker.SlotSupplier {
	return supplier{t.WorkerTuner.GetActivityTaskSlotSupplier()}
}

// supplier grows the stack of the goroutine about to process a task.
type supplier struct{ worker.SlotSupplier }

func (s supplier) MarkSlotUsed(info worker.SlotMarkUsedInfo) {
	Stack()
	if testHook != nil {
		testHook()
	}
	s.SlotSupplier.MarkSlotUsed(info)
}

// testHook, set by tests only, runs on each goroutine a supplier has
// grown, right after it grew.
var testHook func()

// Frame is the frame Stack asks for. The runtime doubles a stack until the
// frame fits, so from a shallow 8 KB stack a frame of 40 KB takes it to
// 64 KB in one copy. That is room for the payload visitor on a workflow
// task: CPU profiles since show no stack growth under it.
// TestTasksRunOnPresizedStacks checks that the stack reaches 64 KB.
const Frame = 40 << 10

// Stack makes the runtime grow the calling goroutine's stack to fit a
// Frame-sized frame; a stack that fits it already stays as it is. Call it
// before running SDK code that visits a history's payloads on a fresh
// goroutine (the replayer).
func Stack() { touch(0) }

//go:noinline
func touch(i int) byte {
	var pad [Frame]byte
	pad[i] = 1
	return pad[Frame-1-i]
}
