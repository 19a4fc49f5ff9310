package cli

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"

	"github.com/benbjohnson/clock"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/replaycorpus"
	"github.com/temporalsim/temporalsim/sim"
)

// replayFiles replays files and returns one result per file, in order.
// With Config.Replay the user's options are used for every file.
// Otherwise a history recorded from a scenario (replaycorpus.Record names
// its workflow "<scenario>-<seed>", and that scenario registers its
// workflow type) replays with that scenario's recorded options
// (replaycorpus.ScenarioOptions: its registrations, its data converter
// with the seed's keys, its interceptors). Any other history is a user's:
// it replays against no workflow, and so reports
// unregistered-workflow-type, unless useCatalogue is set, when it replays
// against every workflow the scenarios register, with the data converter
// and interceptors of the scenario that registers its type. Replaying a
// user's CounterWorkflow against the catalogue's CounterWorkflow would
// report the difference as nondeterminism.
func (a *app) replayFiles(files []string, useCatalogue bool) ([]replaycorpus.Result, error) {
	if a.cfg.Replay != nil {
		r, err := replaycorpus.NewReplayer(*a.cfg.Replay)
		if err != nil {
			return nil, err
		}
		return r.ReplayFiles(files), nil
	}
	var cat *catalogue
	if useCatalogue {
		cat = a.catalogueWorkflows()
	}
	groups := map[string]*replayGroup{}
	var keys []string
	for i, f := range files {
		key, opts := a.replayOptions(cat, f)
		g, ok := groups[key]
		if !ok {
			g = &replayGroup{opts: opts}
			groups[key] = g
			keys = append(keys, key)
		}
		g.idx = append(g.idx, i)
	}
	results := make([]replaycorpus.Result, len(files))
	for _, key := range keys {
		g := groups[key]
		r, err := replaycorpus.NewReplayer(g.opts)
		if err != nil {
			return nil, err
		}
		var group []string
		for _, i := range g.idx {
			group = append(group, files[i])
		}
		for k, res := range r.ReplayFiles(group) {
			results[g.idx[k]] = res
		}
	}
	return results, nil
}

// replayGroup is the files that replay with the same options.
type replayGroup struct {
	opts replaycorpus.Options
	idx  []int
}

// replayOptions picks the options file replays with, and a key shared by
// the files that replay with the same ones.
// A nil cat means no -catalogue.
func (a *app) replayOptions(cat *catalogue, file string) (string, replaycorpus.Options) {
	h, err := replaycorpus.LoadHistory(file, nil)
	if err != nil {
		// The batch replayer reports the file; any options do.
		return "", replaycorpus.Options{}
	}
	if sc, seed, ok := a.recordedFrom(h); ok {
		if opts, regs, err := replaycorpus.ScenarioOptions(sc, h); err == nil && registers(regs, replaycorpus.WorkflowType(h)) {
			return fmt.Sprintf("recorded\x00%s\x00%d", sc.Name, seed), opts
		}
	}
	if cat == nil {
		return "", replaycorpus.Options{}
	}
	owner := cat.owner[replaycorpus.WorkflowType(h)]
	return "type\x00" + owner, cat.options(owner)
}

// registers reports whether regs registers a workflow as workflowType.
func registers(regs *realserver.Registrations, workflowType string) bool {
	for _, w := range regs.Workflows {
		if w.Name() == workflowType {
			return true
		}
	}
	return false
}

// recordedFrom finds the scenario a history was recorded from, by its
// workflow id "<scenario>-<seed>".
func (a *app) recordedFrom(h *historypb.History) (*sim.Scenario, sim.Seed, bool) {
	seed, ok := replaycorpus.RecordedSeed(h)
	if !ok {
		return nil, 0, false
	}
	id := h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowId()
	sc, ok := a.byName[id[:strings.LastIndexByte(id, '-')]]
	return sc, seed, ok
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

// options replays against every workflow, with the data converter and
// interceptors of the scenario owner ("" for the defaults).
func (c *catalogue) options(owner string) replaycorpus.Options {
	opts := replaycorpus.Options{NamedWorkflows: c.workflows}
	if w, ok := c.worlds[owner]; ok {
		opts.DataConverter, opts.Interceptors = w.DataConverter(), w.Interceptors()
	}
	return opts
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
