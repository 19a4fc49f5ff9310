package realserver

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// FetchHistory reads every event of one workflow execution, as
// `temporal workflow show` does.
func FetchHistory(ctx context.Context, c client.Client, workflowID, runID string) (*historypb.History, error) {
	return fetchHistory(ctx, c, workflowID, runID)
}

func fetchHistory(ctx context.Context, c client.Client, workflowID, runID string) (*historypb.History, error) {
	h := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("reading the history of %s/%s: %w", workflowID, runID, err)
		}
		h.Events = append(h.Events, e)
	}
	if len(h.Events) == 0 {
		return nil, fmt.Errorf("the history of %s/%s has no events", workflowID, runID)
	}
	return h, nil
}

// outcome reads how the first execution ended from its last event, as
// the engine names outcomes and errors.
func (r *run) outcome(res *Result, stuck bool) error {
	events := res.History.GetEvents()
	first, last := events[0], events[len(events)-1]
	res.WorkflowType = first.GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName()
	res.Elapsed = time.Duration(float64(last.GetEventTime().AsTime().Sub(first.GetEventTime().AsTime())) * r.clk.Scale())
	dc := r.world.DataConverter()
	fc := temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc})
	var failure *failurepb.Failure
	switch last.GetEventType() {
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
		res.Outcome = sim.Completed
		var v any
		if ps := last.GetWorkflowExecutionCompletedEventAttributes().GetResult().GetPayloads(); len(ps) > 0 {
			if err := dc.FromPayload(ps[0], &v); err != nil {
				return fmt.Errorf("decoding the result of %s: %w", res.WorkflowID, err)
			}
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("the result of %s as JSON: %w", res.WorkflowID, err)
		}
		res.Output = string(b)
		return nil
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
		a := last.GetWorkflowExecutionContinuedAsNewEventAttributes()
		res.Outcome = sim.ContinuedAsNew
		res.Err = &workflow.ContinueAsNewError{WorkflowType: &workflow.Type{Name: a.GetWorkflowType().GetName()},
			Input: a.GetInput(), Header: a.GetHeader(), TaskQueueName: a.GetTaskQueue().GetName()}
		return nil
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
		failure = last.GetWorkflowExecutionFailedEventAttributes().GetFailure()
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
		failure = &failurepb.Failure{Message: "canceled", FailureInfo: &failurepb.Failure_CanceledFailureInfo{
			CanceledFailureInfo: &failurepb.CanceledFailureInfo{Details: last.GetWorkflowExecutionCanceledEventAttributes().GetDetails()}}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
		failure = &failurepb.Failure{Message: "workflow timed out", FailureInfo: &failurepb.Failure_TimeoutFailureInfo{
			TimeoutFailureInfo: &failurepb.TimeoutFailureInfo{TimeoutType: enumspb.TIMEOUT_TYPE_START_TO_CLOSE}}}
	case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
		failure = &failurepb.Failure{Message: last.GetWorkflowExecutionTerminatedEventAttributes().GetReason(),
			FailureInfo: &failurepb.Failure_TerminatedFailureInfo{TerminatedFailureInfo: &failurepb.TerminatedFailureInfo{}}}
	default:
		res.Outcome = sim.Stuck
		res.Err = fmt.Errorf("%s is still open after the run's budget of %s", res.WorkflowID, r.opts.Timeout)
		return nil
	}
	res.Err = fc.FailureToError(failure)
	res.ErrType = sim.ErrorType(res.Err)
	top, _, _ := strings.Cut(res.ErrType, ">")
	switch {
	case stuck:
		res.Outcome = sim.Stuck
	case top == "CanceledError":
		res.Outcome = sim.Canceled
	case strings.HasPrefix(top, "TimeoutError"):
		res.Outcome = sim.TimedOut
	default:
		res.Outcome = sim.Failed
	}
	return nil
}
