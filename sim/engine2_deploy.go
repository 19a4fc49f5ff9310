package sim

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/worker"
)

// The deploy fault on engine 2 (see docs/architecture.md, "Faults on
// engine 2"). Scenario.Deploy is the new version of the code: it is
// called once per run, right after Setup, into an overlay of Setup's
// registrations, and checked before the run starts. At a deploy fault's
// time the current worker is stopped as worker-shutdown stops it, with
// DeployGrace for its running attempts, and a worker with the new
// version's registrations takes over: workflows that were running continue
// on the new code by replaying their histories, so an incompatible change
// fails a workflow task for nondeterminism (engine2_nondet.go) and one
// behind workflow.GetVersion goes on.

// DeployGrace is how long the old worker's running activity attempts get
// to finish when a deploy fault stops it (its WorkerStopTimeout); then
// their contexts are cancelled, and their retries run on the new worker.
const DeployGrace = 10 * time.Second

// checkDeploy refuses a plan with a deploy fault for a scenario that has
// no new version to deploy.
func checkDeploy(sc *Scenario, plan Plan) error {
	if sc.Deploy != nil {
		return nil
	}
	for _, f := range plan.Faults {
		if f.Kind == Deploy {
			return fmt.Errorf("fault f%d: deploy needs the scenario's Deploy (the new version of its code), and this scenario has none", f.ID)
		}
	}
	return nil
}

// newVersion calls the scenario's Deploy into an overlay of Setup's
// registrations and keeps the new version's registrations in r.next. It
// reports, before the run, a Deploy that registers nothing, overrides no
// name Setup registered, changes the data converter or the interceptors,
// panics, or registers a workflow the SDK refuses.
func (r *engine2Run) newVersion() (err error) {
	if r.sc.Deploy == nil {
		return nil
	}
	over := &registrations{}
	r.w.reg, r.w.deploying = over, true
	defer func() {
		r.w.reg, r.w.deploying = r.regs, false
		if p := recover(); p != nil {
			err = fmt.Errorf("the scenario's Deploy panicked: %v", p)
		}
	}()
	r.sc.Deploy(r.w)
	switch {
	case r.w.deployChanged != "":
		return fmt.Errorf("the scenario's Deploy %s: a deploy replaces workflow and activity code only", r.w.deployChanged)
	case len(over.workflows)+len(over.activities) == 0:
		return errors.New("the scenario's Deploy registers nothing: the new version must register what changed, under the names Setup used")
	}
	if !r.regs.overriddenBy(over) {
		return fmt.Errorf("the scenario's Deploy overrides no workflow or activity Setup registered (it registers %s; Setup registers %s): register the new code under the old names",
			strings.Join(over.names(), ", "), strings.Join(r.regs.names(), ", "))
	}
	next := r.regs.overlaid(over)
	if err := checkWorkflows(next); err != nil {
		return fmt.Errorf("the scenario's Deploy: %w", err)
	}
	r.next = next
	return nil
}

// overlaid is g with over's registrations after its own, each allowed to
// replace one of g's under the same name.
func (g *registrations) overlaid(over *registrations) *registrations {
	out := &registrations{workflows: slices.Clone(g.workflows), activities: slices.Clone(g.activities)}
	for _, w := range over.workflows {
		w.o.DisableAlreadyRegisteredCheck = true
		out.workflows = append(out.workflows, w)
	}
	for _, a := range over.activities {
		a.o.DisableAlreadyRegisteredCheck = true
		out.activities = append(out.activities, a)
	}
	return out
}

// overriddenBy reports whether over registers a name g registers.
func (g *registrations) overriddenBy(over *registrations) bool {
	have := g.names()
	for _, n := range over.names() {
		if slices.Contains(have, n) {
			return true
		}
	}
	return false
}

// names lists the workflow and activity type names g registers, as the
// SDK names them: the option's name, else the function's; a struct's
// activities are its exported methods, prefixed with the option's name.
func (g *registrations) names() []string {
	var out []string
	for _, w := range g.workflows {
		out = append(out, regName(w.o.Name, w.fn))
	}
	for _, a := range g.activities {
		t := reflect.TypeOf(a.a)
		if t != nil && t.Kind() != reflect.Func {
			for i := 0; i < t.NumMethod(); i++ {
				out = append(out, a.o.Name+t.Method(i).Name)
			}
			continue
		}
		out = append(out, regName(a.o.Name, a.a))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// regName is a registration's type name: the option's name, else the
// function's short name, as the SDK derives it.
func regName(name string, fn any) string {
	if name != "" {
		return name
	}
	if s, ok := fn.(string); ok {
		return s
	}
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func {
		return fmt.Sprintf("%T", fn)
	}
	full := runtime.FuncForPC(v.Pointer()).Name()
	return strings.TrimSuffix(full[strings.LastIndex(full, ".")+1:], "-fm")
}

// checkWorkflows registers g's workflows on an SDK replayer, which refuses
// (panics on) what a worker would refuse.
func checkWorkflows(g *registrations) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the SDK refuses a workflow registration: %v", p)
		}
	}()
	g.applyWorkflows(replayRegistrar{worker.NewWorkflowReplayer()})
	return nil
}

// version is the registrations a new worker gets, and the replay oracle
// replays with at the end: the new version once a deploy fault fired.
func (r *engine2Run) version() *registrations {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.deployed {
		return r.next
	}
	return r.regs
}
