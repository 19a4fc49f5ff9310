package replaycorpus

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// A mutant is a change to a scenario's workflow code, replayed against
// the scenario's recorded histories. An incompatible change must fail
// every history it applies to with the expected kind; a change guarded by
// workflow.GetVersion must replay every history cleanly (old histories
// have no version marker, so GetVersion returns DefaultVersion and the
// code takes the old path).
type mutant struct {
	name string
	why  string
	// make builds the changed workflow from the function the scenario
	// registers under the history's workflow type; the result is
	// registered under that type instead.
	make func(orig any) any
	want Expectation
	// applies says which histories the change shows in (nil: all), for
	// changes on a path only some runs take.
	applies func(*historypb.History) bool
}

// genericMutants apply to every scenario, whatever its workflow's
// signature: an activity appended after the workflow's last step (to
// histories that completed or continued as new, where that path ran),
// and the same behind GetVersion.
var genericMutants = []mutant{
	{name: "generic/appended-activity", why: "an activity run after the workflow's last step, before it returns",
		make: wrapWorkflowEnd(func(ctx workflow.Context) { insertedActivity(ctx, "AppendedStep") }),
		want: ExpectFail(ExtraCommand), applies: ended(enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW)},
	{name: "generic/versioned-appended-activity", why: "the same, behind GetVersion",
		make: wrapWorkflowEnd(func(ctx workflow.Context) {
			versioned(ctx, "appended-step", func() { insertedActivity(ctx, "AppendedStep") })
		}), want: ExpectPass},
}

// insertedActivity runs an activity the recorded code did not have.
func insertedActivity(ctx workflow.Context, typ string) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	_ = workflow.ExecuteActivity(ctx, typ).Get(ctx, nil)
}

// wrapWorkflow builds, for a workflow function of any signature, one of
// the same signature that calls before and then the original.
func wrapWorkflow(before func(workflow.Context)) func(orig any) any {
	return func(orig any) any {
		fn := reflect.ValueOf(orig)
		return reflect.MakeFunc(fn.Type(), func(args []reflect.Value) []reflect.Value {
			before(args[0].Interface().(workflow.Context))
			return fn.Call(args)
		}).Interface()
	}
}

// wrapWorkflowEnd builds, for a workflow function of any signature, one of
// the same signature that calls the original and then, when it completed
// or continued as new, after.
func wrapWorkflowEnd(after func(workflow.Context)) func(orig any) any {
	return func(orig any) any {
		fn := reflect.ValueOf(orig)
		return reflect.MakeFunc(fn.Type(), func(args []reflect.Value) []reflect.Value {
			out := fn.Call(args)
			err, _ := out[len(out)-1].Interface().(error)
			if err == nil || workflow.IsContinueAsNewError(err) {
				after(args[0].Interface().(workflow.Context))
			}
			return out
		}).Interface()
	}
}

// versioned runs change only in executions that start after the change
// was deployed.
func versioned(ctx workflow.Context, id string, change func()) {
	if workflow.GetVersion(ctx, id, workflow.DefaultVersion, 1) == 1 {
		change()
	}
}

// ended reports whether a history ended with one of the given events.
func ended(types ...enumspb.EventType) func(*historypb.History) bool {
	return func(h *historypb.History) bool {
		ev := h.GetEvents()
		return slices.Contains(types, ev[len(ev)-1].GetEventType())
	}
}

// tally counts one mutant's replays.
type tally struct {
	applied, caught, wrongKind, passed int
	wrong                              []string
	// results is each replay's result ("pass" or "fail:KIND") by the
	// history's file name.
	results map[string]string
}

// TestCorpusMutants replays every scenario's recorded histories under
// testdata (recorded on a dev server) against its mutants.
func TestCorpusMutants(t *testing.T) {
	corpusMutants(t, "testdata")
}

// corpusMutants replays the histories of every scenario under
// dir/<scenario> against its mutants (the generic ones and the scenario's
// own in mutantsByScenario) and checks each outcome. It logs the
// detection rate of the incompatible changes and the false alarms of the
// compatible ones, and returns each replay's result ("pass" or
// "fail:KIND") by "scenario/mutant/file".
func corpusMutants(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	total := map[bool]*tally{true: {}, false: {}} // by "incompatible"
	byKind := map[Kind]*tally{}
	for _, sc := range scenarios.Correct() {
		own := mutantsByScenario[sc.Name]
		if !slices.ContainsFunc(own, func(m mutant) bool { return m.want.Fail }) || !slices.ContainsFunc(own, func(m mutant) bool { return !m.want.Fail }) {
			t.Errorf("scenario %s needs mutants of its own in mutantsByScenario: an incompatible change and one behind GetVersion", sc.Name)
		}
		files := corpusFilesIn(t, dir, sc)
		for _, m := range append(slices.Clone(genericMutants), own...) {
			tl := replayMutant(t, sc, files, m)
			for file, res := range tl.results {
				out[sc.Name+"/"+m.name+"/"+file] = res
			}
			agg := total[m.want.Fail]
			agg.applied += tl.applied
			agg.caught += tl.caught
			agg.wrongKind += tl.wrongKind
			agg.passed += tl.passed
			if m.want.Fail {
				if byKind[m.want.Kind] == nil {
					byKind[m.want.Kind] = &tally{}
				}
				byKind[m.want.Kind].applied += tl.applied
				byKind[m.want.Kind].caught += tl.caught
			}
			if tl.applied == 0 && !strings.HasPrefix(m.name, "generic/") {
				t.Errorf("%s %s: applies to none of the recorded histories", sc.Name, m.name)
			}
			for _, w := range tl.wrong {
				t.Errorf("%s %s (%s): %s", sc.Name, m.name, m.why, w)
			}
		}
	}
	inc, comp := total[true], total[false]
	t.Logf("%s: incompatible changes: %d of %d replays caught with the expected kind (%.1f%%), %d with another kind, %d missed", dir,
		inc.caught, inc.applied, 100*float64(inc.caught)/float64(max(inc.applied, 1)), inc.wrongKind, inc.passed)
	t.Logf("%s: GetVersion-guarded changes: %d of %d replays clean, %d false alarms", dir, comp.passed, comp.applied, comp.applied-comp.passed)
	var kinds []string
	for k, tl := range byKind {
		kinds = append(kinds, fmt.Sprintf("%s %d/%d", k, tl.caught, tl.applied))
	}
	sort.Strings(kinds)
	t.Logf("%s: by expected kind: %s", dir, strings.Join(kinds, ", "))
	return out
}

// replayMutant replays the histories m applies to against m.
func replayMutant(t *testing.T, sc *sim.Scenario, files []string, m mutant) tally {
	t.Helper()
	tl := tally{results: map[string]string{}}
	var use []string
	for _, f := range files {
		h, err := LoadHistory(f, nil)
		if err != nil {
			t.Fatal(err)
		}
		if m.applies == nil || m.applies(h) {
			use = append(use, f)
		}
	}
	if len(use) == 0 {
		return tl
	}
	for _, res := range replayScenario(t, sc, use, &change{Make: m.make}, &m.want) {
		tl.applied++
		tl.results[filepath.Base(res.File)] = resultWord(res)
		switch {
		case res.Pass && m.want.Fail:
			tl.caught++
		case res.Pass:
			tl.passed++
		case res.Err == nil:
			tl.passed++
			tl.wrong = append(tl.wrong, fmt.Sprintf("%s replays cleanly; want %s", res.File, m.want))
		default:
			tl.wrongKind++
			tl.wrong = append(tl.wrong, fmt.Sprintf("%s: got %s at event %d, want %s: %s", res.File, res.Err.Kind, res.Err.EventID, m.want, res.Err.Message))
		}
	}
	return tl
}

// resultWord is how a replay ended: "pass", or "fail:KIND".
func resultWord(res Result) string {
	if res.Err == nil {
		return "pass"
	}
	return "fail:" + string(res.Err.Kind)
}
