package realserver

import (
	"reflect"
	"runtime"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"
)

// Registrations is a sim.Registrar that keeps what a scenario's Setup
// registers, so that every worker incarnation of a run (and a replayer)
// gets the same workflows and activities.
type Registrations struct {
	Workflows  []WorkflowRegistration
	Activities []ActivityRegistration
}

// WorkflowRegistration is one RegisterWorkflowWithOptions call.
type WorkflowRegistration struct {
	Func    any
	Options workflow.RegisterOptions
}

// ActivityRegistration is one RegisterActivityWithOptions call.
type ActivityRegistration struct {
	Activity any
	Options  activity.RegisterOptions
}

// RegisterWorkflowWithOptions records a workflow registration.
func (r *Registrations) RegisterWorkflowWithOptions(w any, o workflow.RegisterOptions) {
	r.Workflows = append(r.Workflows, WorkflowRegistration{Func: w, Options: o})
}

// RegisterActivityWithOptions records an activity registration.
func (r *Registrations) RegisterActivityWithOptions(a any, o activity.RegisterOptions) {
	r.Activities = append(r.Activities, ActivityRegistration{Activity: a, Options: o})
}

// WorkflowRegistry is where workflows can be registered: a worker.Worker
// or a worker.WorkflowReplayer.
type WorkflowRegistry interface {
	RegisterWorkflowWithOptions(w any, options workflow.RegisterOptions)
}

// ActivityRegistry is where activities can be registered: a worker.Worker.
type ActivityRegistry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// ApplyWorkflows registers the recorded workflows on reg.
func (r *Registrations) ApplyWorkflows(reg WorkflowRegistry) {
	for _, w := range r.Workflows {
		reg.RegisterWorkflowWithOptions(w.Func, w.Options)
	}
}

// ApplyActivities registers the recorded activities on reg.
func (r *Registrations) ApplyActivities(reg ActivityRegistry) {
	for _, a := range r.Activities {
		reg.RegisterActivityWithOptions(a.Activity, a.Options)
	}
}

// Name is the workflow type the registration serves: its Options.Name,
// or the function's name as the SDK derives it.
func (w WorkflowRegistration) Name() string {
	if w.Options.Name != "" {
		return w.Options.Name
	}
	return FuncName(w.Func)
}

// FuncName is the name the SDK registers a workflow or activity function
// under when no name is given: the last element of its qualified name,
// without the "-fm" suffix of method values.
func FuncName(fn any) string {
	if s, ok := fn.(string); ok {
		return s
	}
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func {
		return ""
	}
	full := runtime.FuncForPC(v.Pointer()).Name()
	return strings.TrimSuffix(full[strings.LastIndex(full, ".")+1:], "-fm")
}
