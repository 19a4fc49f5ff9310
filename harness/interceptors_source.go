package harness

import (
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// VerifyHeader is the header field that CheckInterceptors and
// VerifyInterceptors write, below the stack, on every activity, local
// activity and child workflow a workflow schedules. It gives
// interceptor-headers a field to follow through every layer, so a layer
// that drops or rewrites header fields is caught even when no interceptor
// of the stack writes headers itself.
const VerifyHeader = "harness-verify"

// headerSource writes VerifyHeader on outbound calls; withStack adds it
// innermost, so the call enters the stack with the field already set.
type headerSource struct {
	interceptor.WorkerInterceptorBase
}

func (*headerSource) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &headerSourceIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

type headerSourceIn struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (w *headerSourceIn) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&headerSourceOut{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}})
}

type headerSourceOut struct {
	interceptor.WorkflowOutboundInterceptorBase
}

// stamp sets VerifyHeader unless the call's header already has it.
func stamp(ctx workflow.Context) {
	h := interceptor.WorkflowHeader(ctx)
	if h == nil || h[VerifyHeader] != nil {
		return
	}
	if p, err := converter.GetDefaultDataConverter().ToPayload("sent-below-the-stack"); err == nil {
		h[VerifyHeader] = p
	}
}

func (o *headerSourceOut) ExecuteActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	stamp(ctx)
	return o.Next.ExecuteActivity(ctx, typ, args...)
}

func (o *headerSourceOut) ExecuteLocalActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	stamp(ctx)
	return o.Next.ExecuteLocalActivity(ctx, typ, args...)
}

func (o *headerSourceOut) ExecuteChildWorkflow(ctx workflow.Context, typ string, args ...any) workflow.ChildWorkflowFuture {
	stamp(ctx)
	return o.Next.ExecuteChildWorkflow(ctx, typ, args...)
}
