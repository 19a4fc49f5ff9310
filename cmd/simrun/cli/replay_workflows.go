package cli

import (
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"

	"github.com/benbjohnson/clock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/replaycorpus"
	"github.com/temporalsim/temporalsim/sim"
)

// replayFiles replays files and returns one result per file, in order.
// With Config.Replay the user's options are used for every file.
// Otherwise each history replays against every workflow the scenarios
// register, with the data converter and interceptors of the scenario that
// registers its workflow type.
func (a *app) replayFiles(files []string) ([]replaycorpus.Result, error) {
	if a.cfg.Replay != nil {
		r, err := replaycorpus.NewReplayer(*a.cfg.Replay)
		if err != nil {
			return nil, err
		}
		return r.ReplayFiles(files), nil
	}
	cat := a.catalogueWorkflows()
	// Group the files by the scenario that registers their workflow type;
	// a file whose type no scenario registers (or that does not load) goes
	// to the group "", which reports it.
	groups := map[string][]int{}
	for i, f := range files {
		owner := ""
		if h, err := replaycorpus.LoadHistory(f, nil); err == nil {
			owner = cat.owner[replaycorpus.WorkflowType(h)]
		}
		groups[owner] = append(groups[owner], i)
	}
	owners := make([]string, 0, len(groups))
	for o := range groups {
		owners = append(owners, o)
	}
	sort.Strings(owners)
	results := make([]replaycorpus.Result, len(files))
	for _, o := range owners {
		opts := replaycorpus.Options{NamedWorkflows: cat.workflows}
		if w, ok := cat.worlds[o]; ok {
			opts.DataConverter, opts.Interceptors = w.DataConverter(), w.Interceptors()
		}
		r, err := replaycorpus.NewReplayer(opts)
		if err != nil {
			return nil, err
		}
		var group []string
		for _, i := range groups[o] {
			group = append(group, files[i])
		}
		for k, res := range r.ReplayFiles(group) {
			results[groups[o][k]] = res
		}
	}
	return results, nil
}

// catalogue is what the scenarios register, found by running each Setup
// against a World whose registrations are recorded.
type catalogue struct {
	workflows map[string]any        // workflow type -> function
	owner     map[string]string     // workflow type -> scenario that registered it
	worlds    map[string]*sim.World // scenario -> the World its Setup ran on
}

// catalogueWorkflows runs every scenario's Setup on a World outside the
// engine (seed 1, no faults, a mock clock) and records the workflows it
// registers, children and ones registered by name included. Correct
// scenarios come first, so a planted-bug variant that registers another
// function under the same type name does not replace the correct one.
func (a *app) catalogueWorkflows() *catalogue {
	cat := &catalogue{workflows: map[string]any{}, owner: map[string]string{}, worlds: map[string]*sim.World{}}
	for _, sc := range append(a.correct(), a.bugs()...) {
		rec := &workflowRecorder{found: map[string]any{}}
		w := sim.NewWorld(1, sim.Plan{}, clock.NewMock(), rec)
		if !setupQuietly(sc, w) {
			continue
		}
		cat.worlds[sc.Name] = w
		for _, name := range rec.order {
			if _, dup := cat.workflows[name]; !dup {
				cat.workflows[name], cat.owner[name] = rec.found[name], sc.Name
			}
		}
	}
	return cat
}

// setupQuietly runs sc.Setup on w, reporting false if it panicked: a
// Setup that needs the engine cannot give its workflows this way.
func setupQuietly(sc *sim.Scenario, w *sim.World) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			ok = false
		}
	}()
	if sc.Setup == nil {
		return false
	}
	sc.Setup(w)
	return true
}

// workflowRecorder is a sim.Registrar that keeps the workflows registered
// on it and ignores activities.
type workflowRecorder struct {
	found map[string]any
	order []string
}

func (r *workflowRecorder) RegisterWorkflowWithOptions(fn any, o workflow.RegisterOptions) {
	name := o.Name
	if name == "" {
		name = workflowTypeName(fn)
	}
	if _, dup := r.found[name]; !dup && name != "" {
		r.found[name] = fn
		r.order = append(r.order, name)
	}
}

func (r *workflowRecorder) RegisterActivityWithOptions(any, activity.RegisterOptions) {}

// workflowTypeName is the type name the SDK registers a workflow function
// under: the function's name without its package path (and without the
// -fm suffix of a method value).
func workflowTypeName(fn any) string {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func {
		return fmt.Sprint(fn)
	}
	name := runtime.FuncForPC(v.Pointer()).Name()
	if i := strings.LastIndex(name, "."); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSuffix(name, "-fm")
}
