package timeline

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// timeline is a run laid out for the HTML page: one lane per workflow and
// per activity, attempts as bars and everything else as marks, positioned
// in percent of the run's virtual duration.
type timeline struct {
	Scenario   string
	Seed       sim.Seed
	Outcome    string
	Elapsed    string
	Config     string
	Plan       []string
	Violations []string
	Repro      string
	SHA256     string
	Ticks      []tick
	Lanes      []*lane
	Trace      []string
}

type tick struct{ Left, Label string }

// lane is one row. Kind is "workflow", "activity", "local-activity" or
// "run" (faults and worker events that belong to no workflow).
type lane struct {
	Kind, ID, Label string
	Bars            []bar
	Marks           []mark
}

type bar struct{ Left, Width, Class, Title string }

// mark is a point event. Fault is the id ("f3") of the fault it shows,
// when it shows one.
type mark struct{ Left, Class, Symbol, Title, Fault string }

// markStyles maps a mark class to its symbol and legend text, in legend
// order.
var markStyles = []struct{ class, symbol, legend string }{
	{"fault", "⚡", "fault injected (or an attempt it hit)"},
	{"cancel", "⊘", "cancellation"},
	{"signal", "✉", "signal"},
	{"update", "⇄", "update"},
	{"query", "?", "query"},
	{"timer", "◷", "timer started / fired"},
	{"schedule", "│", "activity or child scheduled"},
	{"lost", "✗", "result lost (worker shut down)"},
	{"stuck", "■", "run stopped: budget exhausted"},
	{"other", "•", "other event"},
}

func symbol(class string) string {
	for _, s := range markStyles {
		if s.class == class {
			return s.symbol
		}
	}
	return "•"
}

// layout builds the timeline of a run.
func layout(r *sim.Result, repro string) *timeline {
	tl := &timeline{Scenario: r.Scenario, Seed: r.Seed, Outcome: string(r.Outcome), Elapsed: r.Elapsed.String(),
		Repro: repro, SHA256: r.TraceSHA256()}
	if r.ErrType != "" {
		tl.Outcome += " (" + r.ErrType + ")"
	}
	if r.Config != nil {
		tl.Config = r.Config.String()
	}
	for _, f := range r.Plan.Faults {
		tl.Plan = append(tl.Plan, f.String())
	}
	for _, v := range r.Violations {
		tl.Violations = append(tl.Violations, v.String())
	}
	end := max(r.Elapsed.Milliseconds(), 1)
	for _, e := range r.Events {
		end = max(end, e.T)
		tl.Trace = append(tl.Trace, e.String())
	}
	b := &laneBuilder{end: end, root: r.RootWorkflowID(), byKey: map[string]*lane{}, open: map[string]sim.Event{}}
	for _, e := range r.Events {
		b.add(e)
	}
	b.closeOpen()
	tl.Lanes = b.lanes()
	tl.Ticks = ticks(end)
	return tl
}

// laneBuilder places events on lanes in trace order.
type laneBuilder struct {
	end   int64
	root  string // the scenario's workflow id
	order []*lane
	byKey map[string]*lane
	run   *lane
	open  map[string]sim.Event // attempts and workflows not yet ended, by key
	opens []string             // their keys in the order they opened
}

func (b *laneBuilder) pct(t int64) string {
	return strconv.FormatFloat(100*float64(t)/float64(b.end), 'f', 3, 64)
}

func (b *laneBuilder) lane(kind, id, label string) *lane {
	key := kind + "\x00" + id
	if l, ok := b.byKey[key]; ok {
		return l
	}
	l := &lane{Kind: kind, ID: id, Label: label}
	b.byKey[key] = l
	b.order = append(b.order, l)
	return l
}

func (b *laneBuilder) workflow(id string) *lane {
	if id == "" {
		id = b.root
	}
	return b.lane("workflow", id, "workflow "+id)
}

func (b *laneBuilder) runLane() *lane {
	if b.run == nil {
		b.run = &lane{Kind: "run", ID: "run", Label: "faults & worker"}
	}
	return b.run
}

func (b *laneBuilder) mark(l *lane, e sim.Event, class string) {
	m := mark{Left: b.pct(e.T), Class: class, Symbol: symbol(class), Title: strings.TrimSpace(e.String())}
	if e.Fault != 0 {
		m.Fault = "f" + strconv.Itoa(e.Fault)
	}
	l.Marks = append(l.Marks, m)
}

// faultMark marks the fault an event carries, on the event's lane.
func (b *laneBuilder) faultMark(l *lane, e sim.Event) {
	if e.Fault != 0 {
		b.mark(l, e, "fault")
	}
}

func (b *laneBuilder) bar(l *lane, from, to int64, class, title string) {
	l.Bars = append(l.Bars, bar{Left: b.pct(from), Width: b.pct(max(to-from, 0)), Class: class, Title: title})
}

func (b *laneBuilder) add(e sim.Event) {
	switch e.Kind {
	case "run.start", "run.config", "plan.fault", "act.heartbeat":
		// The header shows the run and its plan; heartbeats are too many
		// to draw and show as the attempt's bar.
	case "wf.start":
		l := b.workflow(e.WF)
		l.Label = "workflow " + e.Name + " (" + e.WF + ")"
		b.openSpan("wf\x00"+e.WF, e)
		b.faultMark(l, e)
	case "wf.end":
		l := b.workflow(e.WF)
		b.closeSpan("wf\x00"+e.WF, l, e, "workflow "+e.Name)
		b.faultMark(l, e)
	case "act.schedule":
		b.mark(b.activity(e), e, "schedule")
	case "act.start":
		l := b.activity(e)
		b.openSpan(attemptKey(e), e)
		b.faultMark(l, e)
	case "act.end":
		b.closeSpan(attemptKey(e), b.activity(e), e, fmt.Sprintf("%s attempt %d", e.Name, e.Attempt))
	case "act.backoff":
		d, _ := time.ParseDuration(e.Detail)
		b.bar(b.activity(e), e.T, e.T+d.Milliseconds(), "backoff", fmt.Sprintf("%s backoff %s after attempt %d", e.Name, e.Detail, e.Attempt))
	case "act.cancel-request", "act.canceled":
		b.mark(b.activity(e), e, "cancel")
	case "act.lost":
		b.mark(b.activity(e), e, "lost")
	case "la.end":
		l := b.lane("local-activity", e.ID, "local activity "+e.Name+" "+strings.TrimPrefix(e.ID, e.WF+"/")+" ("+e.WF+")")
		b.mark(l, e, resultClass(e.Result))
		b.faultMark(l, e)
	case "la.schedule", "child.schedule":
		b.mark(b.workflow(e.WF), e, "schedule")
	case "child.end":
		b.mark(b.workflow(e.WF), e, resultClass(e.Result))
	case "fault":
		b.faultEvent(e)
	case "worker.stop":
		b.openSpan(graceKey(e), e)
		b.mark(b.runLane(), e, "fault")
	case "worker.kill":
		if start, ok := b.open[graceKey(e)]; ok {
			delete(b.open, graceKey(e))
			b.bar(b.runLane(), start.T, e.T, "grace", fmt.Sprintf("worker shutdown (fault f%d): grace period %s → %s", e.Fault, sim.FormatOffset(start.T), sim.FormatOffset(e.T)))
		}
		b.mark(b.runLane(), e, "fault")
	case "worker.crash":
		b.mark(b.runLane(), e, "fault")
	case "run.stuck":
		b.mark(b.runLane(), e, "stuck")
	case "timer.start", "timer.fire", "timer.cancel":
		b.mark(b.workflow(e.WF), e, "timer")
	case "wf.signal":
		b.mark(b.workflow(e.WF), e, "signal")
	case "wf.update", "wf.update.done", "update.accepted", "update.rejected", "update.completed":
		b.mark(b.workflow(e.WF), e, "update")
	case "query":
		// A query fault has no separate "fault" event: mark it here.
		l := b.workflow(e.WF)
		b.mark(l, e, "query")
		b.faultMark(l, e)
	default:
		l := b.runLane()
		if e.WF != "" {
			l = b.workflow(e.WF)
		}
		b.mark(l, e, "other")
	}
}

// faultEvent places a fault that fired at a virtual time: those aimed at
// the workflow on its lane, the rest on the run lane.
func (b *laneBuilder) faultEvent(e sim.Event) {
	switch sim.Kind(e.Name) {
	case sim.WorkflowCancel, sim.Signal, sim.Update, sim.Query:
		b.mark(b.workflow(e.WF), e, "fault")
	default:
		b.mark(b.runLane(), e, "fault")
	}
}

func (b *laneBuilder) activity(e sim.Event) *lane {
	// Keys are "<workflow id>/a0001"; the lane says which workflow.
	return b.lane("activity", e.ID, e.Name+" "+strings.TrimPrefix(e.ID, e.WF+"/")+" ("+e.WF+")")
}

func graceKey(e sim.Event) string { return "worker\x00" + strconv.Itoa(e.Fault) }

func attemptKey(e sim.Event) string {
	return "act\x00" + e.ID + "\x00" + strconv.Itoa(e.Attempt)
}

func (b *laneBuilder) openSpan(key string, e sim.Event) {
	if _, ok := b.open[key]; !ok {
		b.opens = append(b.opens, key)
	}
	b.open[key] = e
}

func (b *laneBuilder) closeSpan(key string, l *lane, e sim.Event, what string) {
	start, ok := b.open[key]
	if !ok {
		start = e // an end without a start: draw it as an instant
	}
	delete(b.open, key)
	class := "span " + resultClass(e.Result)
	if start.Fault != 0 || e.Fault != 0 {
		class += " hit"
	}
	title := fmt.Sprintf("%s: %s → %s, %s", what, sim.FormatOffset(start.T), sim.FormatOffset(e.T), orOK(e.Result))
	b.bar(l, start.T, e.T, class, title)
}

// closeOpen draws spans that never ended (a stuck run) to the end.
func (b *laneBuilder) closeOpen() {
	for _, key := range b.opens {
		start, ok := b.open[key]
		if !ok {
			continue
		}
		var l *lane
		switch start.Kind {
		case "wf.start":
			l = b.workflow(start.WF)
		case "worker.stop":
			continue // the run ended inside the grace period
		default:
			l = b.activity(start)
		}
		b.bar(l, start.T, b.end, "span open", fmt.Sprintf("%s %s attempt %d from %s: never ended", start.Kind, start.Name, start.Attempt, sim.FormatOffset(start.T)))
	}
}

// lanes returns the run lane first, then workflows, then activities, each
// group in order of first appearance.
func (b *laneBuilder) lanes() []*lane {
	var out []*lane
	if b.run != nil {
		out = append(out, b.run)
	}
	for _, kind := range []string{"workflow", "activity", "local-activity"} {
		for _, l := range b.order {
			if l.Kind == kind {
				out = append(out, l)
			}
		}
	}
	return out
}

// resultClass turns an event result into a CSS class.
func resultClass(result string) string {
	switch {
	case result == "" || result == "ok":
		return "r-ok"
	case strings.HasPrefix(result, "timeout"):
		return "r-timeout"
	case strings.Contains(strings.ToLower(result), "cancel"):
		return "r-canceled"
	default:
		return "r-error"
	}
}

func orOK(result string) string {
	if result == "" {
		return "ok"
	}
	return result
}

// ticks returns axis labels at a round step, about eight of them.
func ticks(end int64) []tick {
	steps := []int64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000,
		120000, 300000, 600000, 900000, 1800000, 3600000, 7200000, 21600000, 43200000, 86400000}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if end/s <= 8 {
			step = s
			break
		}
	}
	for end/step > 8 {
		step *= 2
	}
	var out []tick
	for t := int64(0); t <= end; t += step {
		out = append(out, tick{Left: strconv.FormatFloat(100*float64(t)/float64(end), 'f', 3, 64), Label: sim.FormatOffset(t)})
	}
	return out
}
