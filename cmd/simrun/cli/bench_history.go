package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// parallelHistory is the history a server records for
// scenarios.ParallelWorkflow(n) when every Process activity succeeds at
// its first attempt: one workflow task schedules the n activities, each
// completion gets a workflow task, the last one completes the workflow.
// It is built, not recorded, so the replay benchmark needs no server.
func parallelHistory(n int) *historypb.History {
	b := &benchHistory{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	b.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).Attributes = &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
		WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			WorkflowType: &commonpb.WorkflowType{Name: "ParallelWorkflow"}, TaskQueue: benchQueue, Input: benchPayloads(n),
			WorkflowTaskTimeout: durationpb.New(10 * time.Second), Attempt: 1,
			OriginalExecutionRunId: "bench-run", FirstExecutionRunId: "bench-run",
		},
	}
	b.workflowTask()
	var scheduled []int64
	for i := range n {
		id := b.next()
		scheduled = append(scheduled, id)
		b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).Attributes = &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{
			ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
				ActivityId: strconv.FormatInt(id, 10), ActivityType: &commonpb.ActivityType{Name: "Process"},
				TaskQueue: benchQueue, Input: benchPayloads(i, time.Duration(i+1)*30*time.Second),
				StartToCloseTimeout: durationpb.New(5 * time.Minute), HeartbeatTimeout: durationpb.New(time.Minute),
				WorkflowTaskCompletedEventId: b.lastTask,
			},
		}
	}
	results := make([]string, n)
	for i, sched := range scheduled {
		started := b.next()
		b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED).Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{
			ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{ScheduledEventId: sched, Attempt: 1},
		}
		results[i] = fmt.Sprintf("item-%d", i)
		b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED).Attributes = &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{
			ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{
				Result: benchPayloads(results[i]), ScheduledEventId: sched, StartedEventId: started,
			},
		}
		b.workflowTask()
	}
	sort.Strings(results)
	b.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED).Attributes = &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{
		WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{
			Result: benchPayloads(results), WorkflowTaskCompletedEventId: b.lastTask,
		},
	}
	return &historypb.History{Events: b.events}
}

var benchQueue = &taskqueuepb.TaskQueue{Name: "temporalsim", Kind: enumspb.TASK_QUEUE_KIND_NORMAL}

type benchHistory struct {
	events   []*historypb.HistoryEvent
	now      time.Time
	lastTask int64
}

func (b *benchHistory) next() int64 { return int64(len(b.events) + 1) }

// add appends an event with the next id; the caller sets its attributes.
func (b *benchHistory) add(t enumspb.EventType) *historypb.HistoryEvent {
	b.now = b.now.Add(10 * time.Millisecond)
	e := &historypb.HistoryEvent{EventId: b.next(), EventTime: timestamppb.New(b.now), EventType: t, TaskId: 1 << 20}
	b.events = append(b.events, e)
	return e
}

// workflowTask records a scheduled, started and completed workflow task.
func (b *benchHistory) workflowTask() {
	sched := b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED).Attributes = &historypb.HistoryEvent_WorkflowTaskScheduledEventAttributes{
		WorkflowTaskScheduledEventAttributes: &historypb.WorkflowTaskScheduledEventAttributes{TaskQueue: benchQueue, StartToCloseTimeout: durationpb.New(10 * time.Second), Attempt: 1},
	}
	started := b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED).Attributes = &historypb.HistoryEvent_WorkflowTaskStartedEventAttributes{
		WorkflowTaskStartedEventAttributes: &historypb.WorkflowTaskStartedEventAttributes{ScheduledEventId: sched, RequestId: "bench-" + strconv.FormatInt(sched, 10)},
	}
	b.lastTask = b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).Attributes = &historypb.HistoryEvent_WorkflowTaskCompletedEventAttributes{
		WorkflowTaskCompletedEventAttributes: &historypb.WorkflowTaskCompletedEventAttributes{ScheduledEventId: sched, StartedEventId: started},
	}
}

func benchPayloads(values ...any) *commonpb.Payloads {
	p, err := converter.GetDefaultDataConverter().ToPayloads(values...)
	if err != nil {
		panic("simrun: bench history: " + err.Error())
	}
	return p
}

// writeBenchCorpus writes count histories of ParallelWorkflow (n from 4
// to 19) into dir and returns their paths and total events.
func writeBenchCorpus(dir string, count int) ([]string, int, error) {
	var files []string
	events := 0
	for i := range count {
		h := parallelHistory(4 + i%16)
		data, err := protojson.Marshal(h)
		if err != nil {
			return nil, 0, err
		}
		path := filepath.Join(dir, fmt.Sprintf("parallel_%04d.json", i))
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return nil, 0, err
		}
		files = append(files, path)
		events += len(h.Events)
	}
	return files, events, nil
}
