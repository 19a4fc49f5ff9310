package conformance

import (
	"fmt"
	"slices"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"

	"github.com/temporalsim/temporalsim/sim"
)

// HistoryShape is one workflow run's history reduced to what two servers
// must agree on in a fault-free run: the workflow type and the event types
// in order. Ids, times, identities and task queue names are left out, as
// they differ between any two servers.
type HistoryShape struct {
	Type   string
	Events []string
}

// shapeExceptions lists the scenarios whose fault-free history shapes on
// engine 2 differ from the dev server's, with the reason. A listed
// scenario whose shapes agree fails the test, so the list stays true.
var shapeExceptions = map[string]string{
	"concurrent-timers": "time scaling: two timers come due together at 1h (the digest's first firing and the report's fourth, " +
		"microseconds apart on engine 2, whose steps add 1ms to each re-armed timer); engine 2 records the second in the " +
		"workflow task that the first one's notification scheduled, as a server at real speed would. The dev server runs " +
		"×90 faster, which turns each firing's latency into virtual seconds that the re-armed report timer accumulates, " +
		"so the two no longer coincide and each gets a workflow task of its own",
}

// arrivals are the event types a server appends to a history between
// workflow tasks, as things happen outside the workflow (an activity ends,
// a timer fires, a signal or a child's result comes in), as opposed to
// the events a workflow task's completion writes (its commands).
var arrivals = map[string]bool{
	"ActivityTaskStarted": true, "ActivityTaskCompleted": true, "ActivityTaskFailed": true,
	"ActivityTaskTimedOut": true, "ActivityTaskCanceled": true, "TimerFired": true,
	"WorkflowExecutionSignaled": true, "WorkflowExecutionCancelRequested": true,
	"ChildWorkflowExecutionStarted": true, "ChildWorkflowExecutionCompleted": true,
	"ChildWorkflowExecutionFailed": true, "ChildWorkflowExecutionCanceled": true,
	"ChildWorkflowExecutionTimedOut": true, "ChildWorkflowExecutionTerminated": true,
	"StartChildWorkflowExecutionFailed": true, "ExternalWorkflowExecutionSignaled": true,
	"SignalExternalWorkflowExecutionFailed": true, "ExternalWorkflowExecutionCancelRequested": true,
	"RequestCancelExternalWorkflowExecutionFailed": true,
}

// alignSplits undoes, where two shapes of one history differ, the
// workflow task splits that only latency decides, and returns both with
// those merged. When two things happen close together (two activities
// that end at one instant), a server that records the second before the
// workflow task the first scheduled has started puts both in that task:
// [WorkflowTaskScheduled, arrivals..., WorkflowTaskStarted,
// WorkflowTaskCompleted, commands]. One that records the second after the
// task started (a loaded machine, a slower poll) gives the workflow,
// still waiting for the second, a task it completes with no command, and
// the second's arrival schedules another: [WorkflowTaskScheduled,
// WorkflowTaskStarted, WorkflowTaskCompleted, arrivals...,
// WorkflowTaskScheduled, ...]. Where one side has the first form and the
// other the second, the empty task is merged into the next; nowhere else,
// so a task that carried a command, a missing or extra arrival or task,
// or a moved command still differs.
func alignSplits(a, b []string) ([]string, []string) {
	a, b = slices.Clone(a), slices.Clone(b)
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case mergeSplitAt(&a, i, b[j]) || mergeSplitAt(&b, j, a[i]):
		default:
			return a, b
		}
	}
	return a, b
}

// mergeSplitAt merges the empty workflow task that starts at events[i]
// (WorkflowTaskStarted, WorkflowTaskCompleted, then arrivals, then the
// next task's WorkflowTaskScheduled) into the next task, when the other
// side has an arrival, other, at this point: the arrivals then fall into
// the task scheduled at events[i-1]. It reports whether it merged.
func mergeSplitAt(events *[]string, i int, other string) bool {
	e := *events
	if i == 0 || i+2 >= len(e) || !arrivals[other] || e[i-1] != "WorkflowTaskScheduled" ||
		e[i] != "WorkflowTaskStarted" || e[i+1] != "WorkflowTaskCompleted" || !arrivals[e[i+2]] {
		return false
	}
	k := i + 2
	for k < len(e) && arrivals[e[k]] {
		k++
	}
	if k == len(e) || e[k] != "WorkflowTaskScheduled" {
		return false
	}
	e = slices.Delete(e, k, k+1)
	*events = slices.Delete(e, i, i+2)
	return true
}

// comparable is engine and server shapes with the workflow task splits
// that latency decides merged where they differ (alignSplits): what two
// runs' shapes are compared by.
func comparable(engine, server []HistoryShape) ([]HistoryShape, []HistoryShape) {
	e, s := slices.Clone(engine), slices.Clone(server)
	for i := range min(len(e), len(s)) {
		e[i].Events, s[i].Events = alignSplits(e[i].Events, s[i].Events)
	}
	return e, s
}

// shapeOf reduces one history to its shape.
func shapeOf(events []*historypb.HistoryEvent) HistoryShape {
	var sh HistoryShape
	for _, e := range events {
		if a := e.GetWorkflowExecutionStartedEventAttributes(); a != nil && sh.Type == "" {
			sh.Type = a.GetWorkflowType().GetName()
		}
		sh.Events = append(sh.Events, eventTypeName(e.GetEventType()))
	}
	return sh
}

// eventTypeName is an event type as the Temporal UI and CLI name it
// (WorkflowTaskStarted): go.temporal.io/api's enums print that way.
func eventTypeName(t enumspb.EventType) string { return t.String() }

// serverShapes are the shapes of a real run's histories: its first
// workflow run and the children it started (loadHistories' order).
func serverShapes(hs []runHistory) []HistoryShape {
	out := make([]HistoryShape, len(hs))
	for i, h := range hs {
		out[i] = shapeOf(h.Events)
	}
	return out
}

// engineShapes are the shapes of an engine-2 run's histories in the order
// a real run's are read (loadHistories): the first run, then, breadth
// first, the children each history started. Later runs of a chain that
// continued as new are left out, as a real run reads only the first. nil
// when the run kept no history (engine 1).
func engineShapes(hs []sim.History) []HistoryShape {
	if len(hs) == 0 {
		return nil
	}
	runs := map[string][]*historypb.HistoryEvent{}
	for _, h := range hs {
		runs[h.WorkflowID+"/"+h.RunID] = h.History.GetEvents()
	}
	queue := [][]*historypb.HistoryEvent{hs[0].History.GetEvents()}
	var out []HistoryShape
	for len(queue) > 0 {
		events := queue[0]
		queue = queue[1:]
		out = append(out, shapeOf(events))
		for _, e := range events {
			if a := e.GetChildWorkflowExecutionStartedEventAttributes(); a != nil {
				x := a.GetWorkflowExecution()
				queue = append(queue, runs[x.GetWorkflowId()+"/"+x.GetRunId()])
			}
		}
	}
	return out
}

// shapeLines lists shapes one event a line ("1 TimersWorkflow: TimerStarted"),
// the form a shape difference is shown in.
func shapeLines(shapes []HistoryShape) []string {
	var out []string
	for i, sh := range shapes {
		for _, e := range sh.Events {
			out = append(out, fmt.Sprintf("%d %s: %s", i+1, sh.Type, e))
		}
	}
	return out
}

// firstShapeDifference says where two runs' shapes first differ, "" when
// they are the same once the workflow task splits that latency decides are
// merged (comparable); the event numbers are those of the merged shapes.
func firstShapeDifference(engine, server []HistoryShape) string {
	engine, server = comparable(engine, server)
	a, b := shapeLines(engine), shapeLines(server)
	for i := 0; i < max(len(a), len(b)); i++ {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return fmt.Sprintf("event %d of %d (engine 2) and %d (server): engine 2 %s, server %s",
				i+1, len(a), len(b), lineAt(a, i), lineAt(b, i))
		}
	}
	return ""
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return "`" + lines[i] + "`"
	}
	return "(none)"
}

// eventCount counts the events of shapes.
func eventCount(shapes []HistoryShape) int {
	n := 0
	for _, sh := range shapes {
		n += len(sh.Events)
	}
	return n
}

// shapesCompared reports whether r's history shapes are compared: a
// fault-free row that engine 2 ran.
func shapesCompared(r *RowResult) bool {
	return r.Kind == NoFaults && r.On == sim.EngineServer && r.NotRun == "" && r.Engine != nil
}

// shapeUnlisted reports whether r's history shapes differ though
// shapeExceptions does not list the scenario.
func shapeUnlisted(r *RowResult) bool {
	_, listed := shapeExceptions[r.Scenario.Name]
	return shapesCompared(r) && !listed && firstShapeDifference(r.EngineShapes, r.ServerShapes) != ""
}

// writeShapes writes, for each scenario, whether engine 2's fault-free
// histories have the dev server's event types in order.
func writeShapes(b *strings.Builder, results []*RowResult) {
	fmt.Fprintf(b, "## History shapes\n\n")
	fmt.Fprintf(b, "For each scenario's fault-free row, engine 2's histories (the first workflow run and the children it started) "+
		"against the dev server's: the event types in order, with ids, times, identities and task queue names left out. "+
		"Where one side has two close arrivals in one workflow task and the other an empty task between them, which latency decides, "+
		"the split is merged before comparing (alignSplits). "+
		"A difference fails the test unless it is listed with its reason (shapeExceptions in conformance/shapes.go).\n\n")
	fmt.Fprintf(b, "| scenario | histories | events | event types in order |\n| --- | --- | --- | --- |\n")
	for _, r := range results {
		if r.Kind != NoFaults || r.On != sim.EngineServer || r.NotApplicable != "" {
			continue
		}
		if !shapesCompared(r) {
			fmt.Fprintf(b, "| %s |  |  | not compared: engine 2 did not run it |\n", r.Scenario.Name)
			continue
		}
		cell := "same as the server's"
		if first := firstShapeDifference(r.EngineShapes, r.ServerShapes); first != "" {
			cell = "**differ**, first at " + first
			if why, ok := shapeExceptions[r.Scenario.Name]; ok {
				cell = "differ as listed: " + why
			}
		}
		fmt.Fprintf(b, "| %s | %d | %d | %s |\n", r.Scenario.Name, len(r.EngineShapes), eventCount(r.EngineShapes), cell)
	}
	fmt.Fprintf(b, "\n")
}
