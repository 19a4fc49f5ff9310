package realserver

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The runner adds two worker interceptors around the World's (and the
// caller's): outerInterceptor first in the list, innerInterceptor last.
// The SDK initialises the outermost inbound interceptor first, with its
// own outbound one, so the outbound interceptors outerInterceptor installs
// sit innermost, next to the SDK: scaled durations and dropped heartbeats
// are what the server would see, after every user interceptor saw the
// original. innerInterceptor is innermost on the inbound side: a fault
// hits an attempt after every user interceptor has seen it start.

// outerInterceptor installs the runner's outbound interceptors.
type outerInterceptor struct {
	interceptor.WorkerInterceptorBase
	r *run
}

func (i *outerInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &outerActivityInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

func (i *outerInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &outerWorkflowInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, r: i.r}
}

type outerActivityInbound struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *outerActivityInbound) Init(outbound interceptor.ActivityOutboundInterceptor) error {
	return a.Next.Init(&activityOutbound{ActivityOutboundInterceptorBase: interceptor.ActivityOutboundInterceptorBase{Next: outbound}})
}

type outerWorkflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	r *run
}

func (w *outerWorkflowInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&scalingOutbound{
		WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound},
		s:                               scaler{clk: w.r.clk, minTimeout: w.r.opts.MinTimeout, minBeat: w.r.opts.MinHeartbeatTimeout},
	})
}

// innerInterceptor injects the plan's activity and child workflow faults
// and counts replays; worker is the incarnation it is installed on.
type innerInterceptor struct {
	interceptor.WorkerInterceptorBase
	r      *run
	worker int
}

func (i *innerInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &activityInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, in: i.r.in, worker: i.worker}
}

func (i *innerInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &workflowInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, r: i.r}
}

type workflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	r *run
}

// ExecuteWorkflow counts executions rebuilt by replay and fails the child
// workflows a child-workflow-failure fault targets, as the engine does:
// the child returns an error at once. The decision depends only on the
// child's id, so a replay of the child decides the same.
func (w *workflowInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	if workflow.IsReplaying(ctx) {
		w.r.replays.Add(1)
	}
	info := workflow.GetInfo(ctx)
	w.r.startClock(info.WorkflowExecution)
	w.r.seen(info.WorkflowExecution)
	if info.ParentWorkflowExecution != nil {
		if f, ok := w.r.in.childFault(info); ok {
			return nil, temporal.NewApplicationError(fmt.Sprintf("injected child workflow failure (fault f%d)", f.ID), "InjectedFault")
		}
	}
	return w.Next.ExecuteWorkflow(ctx, in)
}
