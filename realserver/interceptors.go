package realserver

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// workerInterceptor is the runner's own worker interceptor, innermost on
// every worker incarnation: it scales workflow time and injects the
// plan's activity and child workflow faults after every user interceptor
// has seen the call.
type workerInterceptor struct {
	interceptor.WorkerInterceptorBase
	r      *run
	worker int
}

func (i *workerInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &activityInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, in: i.r.in, worker: i.worker}
}

func (i *workerInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &workflowInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, r: i.r}
}

type workflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	r *run
}

func (w *workflowInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&scalingOutbound{
		WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound},
		s:                               scaler{clk: w.r.clk, minTimeout: w.r.opts.MinTimeout},
	})
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
	w.r.seen(info.WorkflowExecution)
	if info.ParentWorkflowExecution != nil {
		if f, ok := w.r.in.childFault(info); ok {
			return nil, temporal.NewApplicationError(fmt.Sprintf("injected child workflow failure (fault f%d)", f.ID), "InjectedFault")
		}
	}
	return w.Next.ExecuteWorkflow(ctx, in)
}
