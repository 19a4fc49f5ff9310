package cli

import (
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/replaycorpus"
	"github.com/temporalsim/temporalsim/sim"
)

// replayFiles replays files and returns one result per file, in order.
// With Config.Replay the user's options are used for every file.
// Otherwise each history replays against the workflow a scenario starts
// under that type name, with that scenario's data converter.
func (a *app) replayFiles(t *testing.T, files []string) ([]replaycorpus.Result, error) {
	if a.cfg.Replay != nil {
		r, err := replaycorpus.NewReplayer(*a.cfg.Replay)
		if err != nil {
			return nil, err
		}
		return r.ReplayFiles(files), nil
	}
	known := a.catalogueWorkflows(t)
	// Group the files by workflow type; a file whose type no scenario
	// starts (or that does not load) goes to a replayer with every known
	// workflow, which reports it.
	groups := map[string][]int{}
	for i, f := range files {
		typ := ""
		if h, err := replaycorpus.LoadHistory(f, nil); err == nil {
			typ = replaycorpus.WorkflowType(h)
		}
		if _, ok := known[typ]; !ok {
			typ = ""
		}
		groups[typ] = append(groups[typ], i)
	}
	results := make([]replaycorpus.Result, len(files))
	types := make([]string, 0, len(groups))
	for typ := range groups {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		opts := replaycorpus.Options{NamedWorkflows: map[string]any{}}
		if w, ok := known[typ]; ok {
			opts.NamedWorkflows[typ], opts.DataConverter = w.fn, w.dc
		} else {
			for name, w := range known {
				opts.NamedWorkflows[name] = w.fn
			}
		}
		r, err := replaycorpus.NewReplayer(opts)
		if err != nil {
			return nil, err
		}
		var group []string
		for _, i := range groups[typ] {
			group = append(group, files[i])
		}
		for k, res := range r.ReplayFiles(group) {
			results[groups[typ][k]] = res
		}
	}
	return results, nil
}

// capturedWorkflow is the workflow a scenario starts, with its scenario's
// data converter.
type capturedWorkflow struct {
	fn       any
	dc       converter.DataConverter
	scenario string
}

// captureWorkflowType is the name of the stand-in workflow the capture
// runs instead of the scenario's own.
const captureWorkflowType = "temporalsim.simrun.capture"

// catalogueWorkflows finds, for each workflow type the scenarios start,
// the function that implements it. Scenarios do not list their workflows,
// so each Setup runs once in a bubble and the Case it returns is kept; the
// run itself executes a no-op stand-in. Only workflow functions can be
// kept: a Case that names its workflow by string (registered with
// RegisterWorkflowWithOptions) gives no function to register, and child
// workflows are not seen. Correct scenarios win over planted-bug variants
// that register another function under the same name.
func (a *app) catalogueWorkflows(t *testing.T) map[string]capturedWorkflow {
	known := map[string]capturedWorkflow{}
	scs := append(a.correct(), a.bugs()...)
	for _, sc := range scs {
		var got capturedWorkflow
		probe := *sc
		probe.Properties = nil
		probe.Setup = func(w *sim.World) sim.Case {
			c := sc.Setup(w)
			got = capturedWorkflow{fn: c.Workflow, dc: w.DataConverter(), scenario: sc.Name}
			w.RegisterWorkflowWithOptions(func(workflow.Context) error { return nil }, workflow.RegisterOptions{Name: captureWorkflowType})
			return sim.Case{Workflow: captureWorkflowType}
		}
		if _, err := sim.Run(t, &probe, 1, sim.Plan{}, nil); err != nil || got.fn == nil {
			continue
		}
		name, ok := workflowTypeName(got.fn)
		if _, dup := known[name]; ok && !dup {
			known[name] = got
		}
	}
	return known
}

// workflowTypeName is the type name the SDK registers a workflow function
// under: the function's name without its package path (and without the
// -fm suffix of a method value). A string is a name, not a function.
func workflowTypeName(fn any) (string, bool) {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func {
		return "", false
	}
	name := runtime.FuncForPC(v.Pointer()).Name()
	if i := strings.LastIndex(name, "."); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSuffix(name, "-fm"), true
}
