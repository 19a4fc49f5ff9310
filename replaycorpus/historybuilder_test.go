package replaycorpus

import (
	"strconv"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// historyBuilder writes the events a Temporal server records for a Go SDK
// worker, so tests can replay real workflow code against histories made
// without a server. It follows the server's numbering: the commands of a
// workflow task become events right after its WorkflowTaskCompleted, and the
// Go SDK names activities and timers after the id of the event they are
// expected to produce.
type historyBuilder struct {
	events       []*historypb.HistoryEvent
	now          time.Time
	taskQueue    string
	lastComplete int64 // id of the last WorkflowTaskCompleted
}

// builderEpoch is a fixed start time, so built histories are byte-stable.
var builderEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const builderIdentity = "4242@replaycorpus-test@"

func newHistoryBuilder(workflowType string, input ...any) *historyBuilder {
	b := &historyBuilder{now: builderEpoch, taskQueue: "replaycorpus-test"}
	b.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED).Attributes = &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
		WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			WorkflowType:             &commonpb.WorkflowType{Name: workflowType},
			TaskQueue:                b.queue(),
			Input:                    payloads(input...),
			WorkflowExecutionTimeout: durationpb.New(0),
			WorkflowRunTimeout:       durationpb.New(0),
			WorkflowTaskTimeout:      durationpb.New(10 * time.Second),
			OriginalExecutionRunId:   "0b9a3c1e-5f4d-4a7b-9c2e-000000000001",
			FirstExecutionRunId:      "0b9a3c1e-5f4d-4a7b-9c2e-000000000001",
			Identity:                 builderIdentity,
			Attempt:                  1,
		},
	}
	return b
}

func payloads(values ...any) *commonpb.Payloads {
	if len(values) == 0 {
		return nil
	}
	p, err := converter.GetDefaultDataConverter().ToPayloads(values...)
	if err != nil {
		panic(err)
	}
	return p
}

func (b *historyBuilder) queue() *taskqueuepb.TaskQueue {
	return &taskqueuepb.TaskQueue{Name: b.taskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}
}

// next is the id the next event will get.
func (b *historyBuilder) next() int64 { return int64(len(b.events) + 1) }

// add appends one event with the next id; the caller sets its attributes.
func (b *historyBuilder) add(t enumspb.EventType) *historypb.HistoryEvent {
	b.now = b.now.Add(10 * time.Millisecond)
	e := &historypb.HistoryEvent{
		EventId:   b.next(),
		EventTime: timestamppb.New(b.now),
		EventType: t,
		TaskId:    1048576 + b.next(),
	}
	b.events = append(b.events, e)
	return e
}

// workflowTask records one completed workflow task and returns the id of its
// WorkflowTaskCompleted event.
func (b *historyBuilder) workflowTask() int64 {
	sched := b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED).Attributes = &historypb.HistoryEvent_WorkflowTaskScheduledEventAttributes{
		WorkflowTaskScheduledEventAttributes: &historypb.WorkflowTaskScheduledEventAttributes{
			TaskQueue: b.queue(), StartToCloseTimeout: durationpb.New(10 * time.Second), Attempt: 1,
		},
	}
	started := b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED).Attributes = &historypb.HistoryEvent_WorkflowTaskStartedEventAttributes{
		WorkflowTaskStartedEventAttributes: &historypb.WorkflowTaskStartedEventAttributes{
			ScheduledEventId: sched, Identity: builderIdentity, RequestId: "request-" + strconv.FormatInt(sched, 10),
			HistorySizeBytes: 512 * started,
		},
	}
	b.lastComplete = b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).Attributes = &historypb.HistoryEvent_WorkflowTaskCompletedEventAttributes{
		WorkflowTaskCompletedEventAttributes: &historypb.WorkflowTaskCompletedEventAttributes{
			ScheduledEventId: sched, StartedEventId: started, Identity: builderIdentity,
		},
	}
	return b.lastComplete
}

// activity records a scheduled, started and completed activity and returns
// the scheduled event's id.
func (b *historyBuilder) activity(activityType string, result any) int64 {
	sched := b.next()
	b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).Attributes = &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{
		ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{
			ActivityId:                   strconv.FormatInt(sched, 10),
			ActivityType:                 &commonpb.ActivityType{Name: activityType},
			TaskQueue:                    b.queue(),
			ScheduleToCloseTimeout:       durationpb.New(0),
			ScheduleToStartTimeout:       durationpb.New(0),
			StartToCloseTimeout:          durationpb.New(time.Minute),
			HeartbeatTimeout:             durationpb.New(0),
			WorkflowTaskCompletedEventId: b.lastComplete,
		},
	}
	started := b.next()
	b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED).Attributes = &historypb.HistoryEvent_ActivityTaskStartedEventAttributes{
		ActivityTaskStartedEventAttributes: &historypb.ActivityTaskStartedEventAttributes{
			ScheduledEventId: sched, Identity: builderIdentity, Attempt: 1,
		},
	}
	b.add(enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED).Attributes = &historypb.HistoryEvent_ActivityTaskCompletedEventAttributes{
		ActivityTaskCompletedEventAttributes: &historypb.ActivityTaskCompletedEventAttributes{
			Result: payloads(result), ScheduledEventId: sched, StartedEventId: started, Identity: builderIdentity,
		},
	}
	return sched
}

// timer records a started and fired timer and returns the started event's id.
func (b *historyBuilder) timer(d time.Duration) int64 {
	started := b.next()
	timerID := strconv.FormatInt(started, 10)
	b.add(enumspb.EVENT_TYPE_TIMER_STARTED).Attributes = &historypb.HistoryEvent_TimerStartedEventAttributes{
		TimerStartedEventAttributes: &historypb.TimerStartedEventAttributes{
			TimerId: timerID, StartToFireTimeout: durationpb.New(d), WorkflowTaskCompletedEventId: b.lastComplete,
		},
	}
	b.now = b.now.Add(d)
	b.add(enumspb.EVENT_TYPE_TIMER_FIRED).Attributes = &historypb.HistoryEvent_TimerFiredEventAttributes{
		TimerFiredEventAttributes: &historypb.TimerFiredEventAttributes{TimerId: timerID, StartedEventId: started},
	}
	return started
}

// complete records the workflow's successful completion.
func (b *historyBuilder) complete(result any) int64 {
	id := b.next()
	b.add(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED).Attributes = &historypb.HistoryEvent_WorkflowExecutionCompletedEventAttributes{
		WorkflowExecutionCompletedEventAttributes: &historypb.WorkflowExecutionCompletedEventAttributes{
			Result: payloads(result), WorkflowTaskCompletedEventId: b.lastComplete,
		},
	}
	return id
}

func (b *historyBuilder) history() *historypb.History {
	return &historypb.History{Events: b.events}
}

// versionMarker records the marker workflow.GetVersion writes the first time
// it runs, without the search-attribute upsert newer SDKs may add after it.
func (b *historyBuilder) versionMarker(changeID string, version int) int64 {
	id := b.next()
	b.add(enumspb.EVENT_TYPE_MARKER_RECORDED).Attributes = &historypb.HistoryEvent_MarkerRecordedEventAttributes{
		MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
			MarkerName: "Version",
			Details: map[string]*commonpb.Payloads{
				"change-id":                        payloads(changeID),
				"version":                          payloads(version),
				"version-search-attribute-updated": payloads(false),
			},
			WorkflowTaskCompletedEventId: b.lastComplete,
		},
	}
	return id
}

// sideEffectMarker records the marker workflow.SideEffect writes: its
// counter id and the value it returned.
func (b *historyBuilder) sideEffectMarker(sideEffectID int64, value any) int64 {
	id := b.next()
	b.add(enumspb.EVENT_TYPE_MARKER_RECORDED).Attributes = &historypb.HistoryEvent_MarkerRecordedEventAttributes{
		MarkerRecordedEventAttributes: &historypb.MarkerRecordedEventAttributes{
			MarkerName: "SideEffect",
			Details: map[string]*commonpb.Payloads{
				"side-effect-id": payloads(sideEffectID),
				"data":           payloads(value),
			},
			WorkflowTaskCompletedEventId: b.lastComplete,
		},
	}
	return id
}
