package fakes

import (
	"context"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// TenantHeader is the header field TenantPropagator and AuthInterceptor use
// when they are given none.
const TenantHeader = "tenant"

type tenantKey struct{}

// TenantFrom returns the tenant TenantPropagator put on an activity
// context, and whether there was one.
func TenantFrom(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(tenantKey{}).(string)
	return t, ok
}

// WorkflowTenant returns the tenant TenantPropagator put on a workflow
// context, and whether there was one.
func WorkflowTenant(ctx workflow.Context) (string, bool) {
	t, ok := ctx.Value(tenantKey{}).(string)
	return t, ok
}

// TenantPropagator is the header propagator users write. A workflow takes
// its tenant from its start header (a client, or a parent workflow, put it
// there) or else Default, and keeps it on its context, and on the contexts
// of its signal, query and update handlers; every activity, local
// activity, child workflow, signal and continue-as-new it sends carries
// the tenant in its header; an activity reads the header back onto its context
// (TenantFrom).
type TenantPropagator struct {
	interceptor.WorkerInterceptorBase
	// Key is the header field (default TenantHeader).
	Key string
	// Default is the tenant of a workflow started without one.
	Default string
}

func (p *TenantPropagator) key() string {
	if p.Key == "" {
		return TenantHeader
	}
	return p.Key
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (p *TenantPropagator) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &tenantActivityIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, p: p}
}

// InterceptWorkflow implements interceptor.WorkerInterceptor.
func (p *TenantPropagator) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &tenantWorkflowIn{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, p: p}
}

type tenantActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	p *TenantPropagator
}

func (a *tenantActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if t, ok := readTenant(interceptor.Header(ctx), a.p.key()); ok {
		ctx = context.WithValue(ctx, tenantKey{}, t)
	}
	return a.Next.ExecuteActivity(ctx, in)
}

// tenantWorkflowIn is per workflow execution; it keeps the execution's
// tenant for the handlers of signals, queries and updates, whose contexts
// do not descend from the one the workflow function got.
type tenantWorkflowIn struct {
	interceptor.WorkflowInboundInterceptorBase
	p      *TenantPropagator
	tenant string
	known  bool
}

func (w *tenantWorkflowIn) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return w.Next.Init(&tenantWorkflowOut{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, p: w.p})
}

// withTenant puts the call's tenant on ctx: the one in its header, or the
// execution's, or Default.
func (w *tenantWorkflowIn) withTenant(ctx workflow.Context) workflow.Context {
	t, ok := readTenant(interceptor.WorkflowHeader(ctx), w.p.key())
	switch {
	case ok:
	case w.known:
		t = w.tenant
	default:
		t = w.p.Default
	}
	return workflow.WithValue(ctx, tenantKey{}, t)
}

func (w *tenantWorkflowIn) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	ctx = w.withTenant(ctx)
	w.tenant, w.known = WorkflowTenant(ctx)
	return w.Next.ExecuteWorkflow(ctx, in)
}

func (w *tenantWorkflowIn) HandleSignal(ctx workflow.Context, in *interceptor.HandleSignalInput) error {
	return w.Next.HandleSignal(w.withTenant(ctx), in)
}

func (w *tenantWorkflowIn) HandleQuery(ctx workflow.Context, in *interceptor.HandleQueryInput) (any, error) {
	return w.Next.HandleQuery(w.withTenant(ctx), in)
}

func (w *tenantWorkflowIn) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	return w.Next.ValidateUpdate(w.withTenant(ctx), in)
}

func (w *tenantWorkflowIn) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	return w.Next.ExecuteUpdate(w.withTenant(ctx), in)
}

type tenantWorkflowOut struct {
	interceptor.WorkflowOutboundInterceptorBase
	p *TenantPropagator
}

// stamp writes the workflow's tenant into the header of the call about to
// be sent.
func (o *tenantWorkflowOut) stamp(ctx workflow.Context) {
	t, ok := WorkflowTenant(ctx)
	h := interceptor.WorkflowHeader(ctx)
	if !ok || h == nil {
		return
	}
	if p, err := converter.GetDefaultDataConverter().ToPayload(t); err == nil {
		h[o.p.key()] = p
	}
}

func (o *tenantWorkflowOut) ExecuteActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	o.stamp(ctx)
	return o.Next.ExecuteActivity(ctx, typ, args...)
}

func (o *tenantWorkflowOut) ExecuteLocalActivity(ctx workflow.Context, typ string, args ...any) workflow.Future {
	o.stamp(ctx)
	return o.Next.ExecuteLocalActivity(ctx, typ, args...)
}

func (o *tenantWorkflowOut) ExecuteChildWorkflow(ctx workflow.Context, typ string, args ...any) workflow.ChildWorkflowFuture {
	o.stamp(ctx)
	return o.Next.ExecuteChildWorkflow(ctx, typ, args...)
}

func (o *tenantWorkflowOut) SignalExternalWorkflow(ctx workflow.Context, id, runID, name string, arg any) workflow.Future {
	o.stamp(ctx)
	return o.Next.SignalExternalWorkflow(ctx, id, runID, name, arg)
}

func (o *tenantWorkflowOut) SignalChildWorkflow(ctx workflow.Context, id, name string, arg any) workflow.Future {
	o.stamp(ctx)
	return o.Next.SignalChildWorkflow(ctx, id, name, arg)
}

func (o *tenantWorkflowOut) NewContinueAsNewError(ctx workflow.Context, wfn any, args ...any) error {
	o.stamp(ctx)
	return o.Next.NewContinueAsNewError(ctx, wfn, args...)
}

func readTenant(h map[string]*commonpb.Payload, key string) (string, bool) {
	p, ok := h[key]
	if !ok {
		return "", false
	}
	var t string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &t); err != nil {
		return "", false
	}
	return t, true
}

// AuthInterceptor is the auth check users write: an activity call whose
// header carries no tenant is rejected with a non-retryable
// "Unauthenticated" error, without running the activity (a declared
// short-circuit of ActivityInbound.ExecuteActivity).
type AuthInterceptor struct {
	interceptor.WorkerInterceptorBase
	// Key is the header field that must be present (default TenantHeader).
	Key string
}

// InterceptActivity implements interceptor.WorkerInterceptor.
func (a *AuthInterceptor) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	key := a.Key
	if key == "" {
		key = TenantHeader
	}
	return &authActivityIn{ActivityInboundInterceptorBase: interceptor.ActivityInboundInterceptorBase{Next: next}, key: key}
}

type authActivityIn struct {
	interceptor.ActivityInboundInterceptorBase
	key string
}

func (a *authActivityIn) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	if _, ok := readTenant(interceptor.Header(ctx), a.key); !ok {
		return nil, temporal.NewNonRetryableApplicationError("activity call without a "+a.key+" header", "Unauthenticated", nil)
	}
	return a.Next.ExecuteActivity(ctx, in)
}
