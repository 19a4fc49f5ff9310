package sim

import (
	"context"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// engineInterceptor is the engine's outermost worker interceptor. Its
// activity half plays the server for activities (activity.go); its
// workflow half records workflow-side events, keeps workflow time in step
// with activity time, and hands each scheduled activity's real options to
// the activity half while the SDK test environment gets options under
// which it never times out or retries on its own.
type engineInterceptor struct {
	interceptor.WorkerInterceptorBase
	e *engine
}

func (i *engineInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &activityInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, e: i.e}
}

func (i *engineInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &workflowInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, e: i.e}
}

// faultInterceptor is the engine's innermost worker interceptor.
type faultInterceptor struct {
	interceptor.WorkerInterceptorBase
}

func (*faultInterceptor) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &faultWorkflowInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

// childFaultKey carries the fault chosen for a child workflow.
type childFaultKey struct{}

// faultWorkflowInbound fails a child workflow the plan says fails.
type faultWorkflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
}

func (f *faultWorkflowInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	if fl, ok := ctx.Value(childFaultKey{}).(Fault); ok {
		return nil, temporal.NewApplicationError("injected child workflow failure (fault f"+itoa(fl.ID)+")", "InjectedFault")
	}
	return f.Next.ExecuteWorkflow(ctx, in)
}

func (*faultInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &faultInbound{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type workflowInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	e *engine
}

func (i *workflowInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&workflowOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, e: i.e})
}

func (i *workflowInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	info := workflow.GetInfo(ctx)
	i.e.hooks.sync()
	ev := Event{Kind: "wf.start", WF: info.WorkflowExecution.ID, Name: info.WorkflowType.Name}
	var childFault *Fault
	if info.ParentWorkflowExecution != nil {
		i.e.hooks.noteChildren()
		ev.Detail = "parent=" + info.ParentWorkflowExecution.ID
		if f, ok := i.e.childFault(info.WorkflowType.Name); ok {
			ev.Fault = f.ID
			childFault = &f
		}
	}
	i.e.trace.add(time.Now(), ev)
	ctx = workflow.WithValue(ctx, engineKey{}, i.e)
	if childFault != nil {
		// The innermost interceptor fails the child instead of running it,
		// after every user interceptor has seen the execution.
		ctx = workflow.WithValue(ctx, childFaultKey{}, *childFault)
	}
	res, err := i.Next.ExecuteWorkflow(ctx, in)
	i.e.hooks.sync()
	end := Event{Kind: "wf.end", WF: info.WorkflowExecution.ID, Name: info.WorkflowType.Name, Result: resultName(err)}
	if childFault != nil {
		end.Fault = childFault.ID
	}
	i.e.trace.add(time.Now(), end)
	return res, err
}

func (i *workflowInbound) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	ctx = workflow.WithValue(ctx, engineKey{}, i.e)
	i.e.trace.add(time.Now(), Event{Kind: "wf.signal", WF: workflow.GetInfo(ctx).WorkflowExecution.ID, Name: in.SignalName})
	if args := i.e.signalArgsFor(in.Arg); args != nil {
		in = &interceptor.HandleSignalInput{SignalName: in.SignalName, Arg: args}
	}
	return i.Next.HandleSignal(ctx, in)
}

func (i *workflowInbound) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	ctx = workflow.WithValue(ctx, engineKey{}, i.e)
	wf := workflow.GetInfo(ctx).WorkflowExecution.ID
	id := ""
	if u := workflow.GetCurrentUpdateInfo(ctx); u != nil {
		id = u.ID
	}
	i.e.trace.add(time.Now(), Event{Kind: "wf.update", WF: wf, Name: in.Name, ID: id})
	res, err := i.Next.ExecuteUpdate(ctx, in)
	i.e.trace.add(time.Now(), Event{Kind: "wf.update.done", WF: wf, Name: in.Name, ID: id, Result: resultName(err)})
	return res, err
}

func (i *workflowInbound) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	return i.Next.ValidateUpdate(workflow.WithValue(ctx, engineKey{}, i.e), in)
}

func (i *workflowInbound) HandleQuery(ctx workflow.Context, in *interceptor.HandleQueryInput) (any, error) {
	return i.Next.HandleQuery(workflow.WithValue(ctx, engineKey{}, i.e), in)
}

type workflowOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	e *engine
}

func (o *workflowOutbound) Now(ctx workflow.Context) time.Time {
	o.e.hooks.sync()
	return o.Next.Now(ctx)
}

func (o *workflowOutbound) NewTimer(ctx workflow.Context, d time.Duration) workflow.Future {
	o.e.hooks.sync()
	return o.Next.NewTimer(ctx, d)
}

func (o *workflowOutbound) NewTimerWithOptions(ctx workflow.Context, d time.Duration, opts workflow.TimerOptions) workflow.Future {
	o.e.hooks.sync()
	return o.Next.NewTimerWithOptions(ctx, d, opts)
}

func (o *workflowOutbound) Sleep(ctx workflow.Context, d time.Duration) error {
	o.e.hooks.sync()
	return o.Next.Sleep(ctx, d)
}

func (o *workflowOutbound) AwaitWithTimeout(ctx workflow.Context, timeout time.Duration, condition func() bool) (bool, error) {
	o.e.hooks.sync()
	return o.Next.AwaitWithTimeout(ctx, timeout, condition)
}

func (o *workflowOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	opts := workflow.GetActivityOptions(ctx)
	if opts.StartToCloseTimeout <= 0 && opts.ScheduleToCloseTimeout <= 0 {
		// Let the SDK reject the options as it would on a server.
		return o.Next.ExecuteActivity(ctx, activityType, args...)
	}
	o.e.hooks.sync()
	run := o.e.newRun(workflow.GetInfo(ctx).WorkflowExecution.ID, activityType, opts)
	p, err := o.e.w.dc.ToPayload(run.key)
	if err == nil {
		interceptor.WorkflowHeader(ctx)[headerKey] = p
	}
	o.e.trace.add(time.Now(), Event{Kind: "act.schedule", WF: run.wf, Name: activityType, ID: run.key, Detail: "call=" + itoa(run.call)})

	sdk := opts
	sdk.StartToCloseTimeout = 2 * o.e.budget
	sdk.ScheduleToCloseTimeout = 0
	sdk.HeartbeatTimeout = 0
	sdk.RetryPolicy = &temporal.RetryPolicy{MaximumAttempts: 1}
	f := o.Next.ExecuteActivity(workflow.WithActivityOptions(ctx, sdk), activityType, args...)

	return f
}

func (o *workflowOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.e.hooks.sync()
	wf := workflow.GetInfo(ctx).WorkflowExecution.ID
	// Number the call here, in the event loop's order: the local activity
	// itself runs on a goroutine, and parallel calls would otherwise be
	// numbered in goroutine order. Its retries carry the same header.
	call := o.e.nextLocalCall(wf, activityType)
	if p, err := o.e.w.dc.ToPayload(call); err == nil {
		interceptor.WorkflowHeader(ctx)[localHeaderKey] = p
	}
	o.e.trace.add(time.Now(), Event{Kind: "la.schedule", WF: wf, Name: activityType, Detail: "call=" + itoa(call)})
	return o.Next.ExecuteLocalActivity(ctx, activityType, args...)
}

func (o *workflowOutbound) ExecuteChildWorkflow(ctx workflow.Context, childWorkflowType string, args ...any) workflow.ChildWorkflowFuture {
	o.e.hooks.sync()
	o.e.trace.add(time.Now(), Event{Kind: "child.schedule", WF: workflow.GetInfo(ctx).WorkflowExecution.ID, Name: childWorkflowType})
	return o.Next.ExecuteChildWorkflow(ctx, childWorkflowType, args...)
}
