package conformance

import (
	"context"
	"fmt"
	"math"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

// runHistory is one workflow execution of a real run and its history.
type runHistory struct {
	WorkflowID, RunID, Type string
	Parent                  string // parent workflow id, "" for the top level
	Events                  []*historypb.HistoryEvent
}

// loadHistories reads the history of the run's first execution (already in
// res) and of every child execution it started, depth first.
func loadHistories(ctx context.Context, c client.Client, res *realserver.Result) ([]runHistory, error) {
	top := runHistory{WorkflowID: res.WorkflowID, RunID: res.RunID, Type: res.WorkflowType, Events: res.History.GetEvents()}
	out := []runHistory{top}
	for i := 0; i < len(out); i++ {
		for _, e := range out[i].Events {
			a := e.GetChildWorkflowExecutionStartedEventAttributes()
			if a == nil {
				continue
			}
			id, run := a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowExecution().GetRunId()
			h, err := realserver.FetchHistory(ctx, c, id, run)
			if err != nil {
				return nil, fmt.Errorf("child %s: %w", id, err)
			}
			out = append(out, runHistory{WorkflowID: id, RunID: run, Type: a.GetWorkflowType().GetName(), Parent: out[i].WorkflowID, Events: h.GetEvents()})
		}
	}
	return out, nil
}

// serverActivity is what one execution's history says about one activity:
// its options (in the run's real time), the attempt its last start event
// names with the failure of the attempt before, and how it closed.
type serverActivity struct {
	ID, Type        string
	Scheduled       time.Time
	Options         *historypb.ActivityTaskScheduledEventAttributes
	LastAttempt     int
	BeforeLast      string // result of attempt LastAttempt-1, from the start event's last failure
	Close           string // "ok", an error type, "timeout:KIND", "CanceledError"; "" while open
	Closed          time.Time
	CancelRequested time.Time
}

// activitiesOf indexes a history's activities by activity id.
func activitiesOf(h runHistory) map[string]*serverActivity {
	byEvent := map[int64]*serverActivity{}
	byID := map[string]*serverActivity{}
	for _, e := range h.Events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := e.GetActivityTaskScheduledEventAttributes()
			sa := &serverActivity{ID: a.GetActivityId(), Type: a.GetActivityType().GetName(), Scheduled: e.GetEventTime().AsTime(), Options: a}
			byEvent[e.GetEventId()], byID[sa.ID] = sa, sa
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			a := e.GetActivityTaskStartedEventAttributes()
			if sa := byEvent[a.GetScheduledEventId()]; sa != nil {
				sa.LastAttempt = int(a.GetAttempt())
				if f := a.GetLastFailure(); f != nil {
					sa.BeforeLast = failureResult(f)
				}
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if sa := byEvent[e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()]; sa != nil {
				sa.Close = "ok"
				sa.Closed = e.GetEventTime().AsTime()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED:
			a := e.GetActivityTaskFailedEventAttributes()
			if sa := byEvent[a.GetScheduledEventId()]; sa != nil {
				sa.Close = failureResult(a.GetFailure())
				sa.Closed = e.GetEventTime().AsTime()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
			a := e.GetActivityTaskTimedOutEventAttributes()
			if sa := byEvent[a.GetScheduledEventId()]; sa != nil {
				sa.Close = failureResult(a.GetFailure())
				sa.Closed = e.GetEventTime().AsTime()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
			if sa := byEvent[e.GetActivityTaskCanceledEventAttributes().GetScheduledEventId()]; sa != nil {
				sa.Close = "CanceledError"
				sa.Closed = e.GetEventTime().AsTime()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
			if sa := byEvent[e.GetActivityTaskCancelRequestedEventAttributes().GetScheduledEventId()]; sa != nil {
				sa.CancelRequested = e.GetEventTime().AsTime()
			}
		}
	}
	return byID
}

// failureResult names a failure as the engine names attempt results: a
// timeout as "timeout:KIND" (the server's timeout failure, whatever it
// wraps), anything else by its type chain.
func failureResult(f *failurepb.Failure) string {
	if t := f.GetTimeoutFailureInfo(); t != nil {
		return "timeout:" + timeoutKind(t.GetTimeoutType())
	}
	return sim.ErrorType(temporal.GetDefaultFailureConverter().FailureToError(f))
}

func timeoutKind(t enumspb.TimeoutType) string {
	s := enumspb.TimeoutType_name[int32(t)]
	if len(s) > len("TIMEOUT_TYPE_") {
		return s[len("TIMEOUT_TYPE_"):]
	}
	return s
}

// unscale turns a duration the runner scaled down for the server back
// into the virtual duration the server enforced, rounded to the
// millisecond (the runner's scaling divides in nanoseconds).
func unscale(d time.Duration, k float64) time.Duration {
	if d <= 0 {
		return d
	}
	return time.Duration(math.Round(float64(d)*k/float64(time.Millisecond))) * time.Millisecond
}

// closeResult is how a history's workflow execution ended, as the
// engine's trace names it ("ok", "continue-as-new" or an error type), and
// when; ok is false while the execution is open.
func closeResult(h runHistory) (res string, at time.Time, ok bool) {
	if len(h.Events) == 0 {
		return "", time.Time{}, false
	}
	last := h.Events[len(h.Events)-1]
	at = last.GetEventTime().AsTime()
	switch last.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		return "ok", at, true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		return "continue-as-new", at, true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		return failureResult(last.GetWorkflowExecutionFailedEventAttributes().GetFailure()), at, true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		return "CanceledError", at, true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
		return "timeout:START_TO_CLOSE", at, true
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		return "TerminatedError", at, true
	}
	return "", time.Time{}, false
}

// childResults lists, from a parent's history, how each child it started
// ended, as the engine's child.end events name it.
func childResults(h runHistory) map[string]string {
	out := map[string]string{}
	for _, e := range h.Events {
		var id, res string
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
			id, res = e.GetChildWorkflowExecutionCompletedEventAttributes().GetWorkflowExecution().GetWorkflowId(), "ok"
		case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
			a := e.GetChildWorkflowExecutionFailedEventAttributes()
			id, res = a.GetWorkflowExecution().GetWorkflowId(), failureResult(a.GetFailure())
		case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
			id, res = e.GetChildWorkflowExecutionCanceledEventAttributes().GetWorkflowExecution().GetWorkflowId(), "CanceledError"
		case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
			id, res = e.GetChildWorkflowExecutionTimedOutEventAttributes().GetWorkflowExecution().GetWorkflowId(), "timeout:START_TO_CLOSE"
		case enumspb.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED:
			id, res = e.GetChildWorkflowExecutionTerminatedEventAttributes().GetWorkflowExecution().GetWorkflowId(), "TerminatedError"
		default:
			continue
		}
		out[id] = res
	}
	return out
}
