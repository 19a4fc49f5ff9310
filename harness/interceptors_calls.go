package harness

import (
	"fmt"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/sim"
)

// icptAnalysis is a run's probe events grouped into calls.
type icptAnalysis struct {
	spec   *stackSpec
	events []sim.Event
	calls  []*icptCall
}

// icptCall is one call through the stack: every probe event with its call
// id, in trace order.
type icptCall struct {
	method  fakes.Method
	events  []fakes.ProbeEvent
	attempt int // the activity attempt the call belongs to, 0 when unknown
}

func analyzeInterceptors(events []sim.Event, spec *stackSpec) (*icptAnalysis, error) {
	probes, err := fakes.ParseProbeEvents(events)
	if err != nil {
		return nil, err
	}
	// An activity's events sit between its attempts' act.start events, so
	// the attempt an event belongs to is the last one started before it.
	attemptAt := map[int]int{}
	current := map[string]int{}
	next := 0
	for i, e := range events {
		if e.Kind == "act.start" {
			current[e.ID] = e.Attempt
		}
		if next < len(probes) && probes[next].Index == i {
			attemptAt[i] = current[e.ID]
			next++
		}
	}
	a := &icptAnalysis{spec: spec, events: events}
	byKey := map[string]*icptCall{}
	for _, p := range probes {
		if _, ok := spec.index[p.Layer]; !ok {
			continue // another recorder's layer
		}
		key := p.CallKey() + "|" + string(p.Method)
		c, ok := byKey[key]
		if !ok {
			c = &icptCall{method: p.Method, attempt: attemptAt[p.Index]}
			byKey[key] = c
			a.calls = append(a.calls, c)
		}
		c.events = append(c.events, p)
	}
	return a, nil
}

// checkOrder runs each call's events through the nesting every stack must
// show: enter a, a calls next, enter b, ..., b returns, next returns to a,
// a returns. A call an interceptor made itself through its next starts at
// that next. Calls cut short (an attempt the engine decided before it
// returned, a coroutine torn down when its workflow closed) may stop
// anywhere.
func (a *icptAnalysis) checkOrder() error {
	for _, c := range a.calls {
		if err := a.callOrder(c); err != nil {
			return err
		}
	}
	return nil
}

type openLayer struct {
	pos      int
	nextOpen bool
}

func (a *icptAnalysis) callOrder(c *icptCall) error {
	var stack []openLayer
	top := func() *openLayer {
		if len(stack) == 0 {
			return nil
		}
		return &stack[len(stack)-1]
	}
	onStack := func(p int) bool {
		for _, o := range stack {
			if o.pos == p {
				return true
			}
		}
		return false
	}
	for i, e := range c.events {
		p := a.spec.pos(e.Layer, e.Method)
		t := top()
		switch {
		case e.Enter():
			switch {
			case t == nil && i == 0 && p != 0:
				return fmt.Errorf("%s: the call entered it first, without passing %s (%s)", blame(e), a.spec.at(0, e.Method), where(e))
			case t == nil && i > 0:
				return fmt.Errorf("%s: the call entered it after every outer interceptor had returned (%s)", blame(e), where(e))
			case t != nil && !t.nextOpen:
				return fmt.Errorf("%s: entered before %s called next (%s)", blame(e), a.spec.at(t.pos, e.Method), where(e))
			case t != nil && p != t.pos+1:
				return fmt.Errorf("%s: entered out of order, %s should have come next after %s (%s)",
					blame(e), a.spec.at(t.pos+1, e.Method), a.spec.at(t.pos, e.Method), where(e))
			}
			stack = append(stack, openLayer{pos: p})
		case e.NextEnter() && i == 0 && e.Origin:
			// The layer's own code made this call through its next.
			stack = append(stack, openLayer{pos: p, nextOpen: true})
		case e.NextEnter():
			switch {
			case !onStack(p):
				return fmt.Errorf("%s: called next after it had returned: next ran on a goroutine or coroutine that outlived the call (%s)", blame(e), where(e))
			case t.pos != p:
				return fmt.Errorf("%s: called next while %s, inside it, was still running (%s)", blame(e), a.spec.at(t.pos, e.Method), where(e))
			case t.nextOpen:
				return fmt.Errorf("%s: called next again before the first call returned (%s)", blame(e), where(e))
			}
			t.nextOpen = true
		case e.NextLeave():
			switch {
			case !onStack(p):
				return fmt.Errorf("%s: next returned to it after it had returned itself: next ran on a goroutine or coroutine that outlived the call (%s)", blame(e), where(e))
			case t.pos != p:
				return fmt.Errorf("%s: next returned while %s, inside it, had not returned (%s)", blame(e), a.spec.at(t.pos, e.Method), where(e))
			case !t.nextOpen:
				return fmt.Errorf("%s: next returned without having been called (%s)", blame(e), where(e))
			}
			t.nextOpen = false
		case e.Leave():
			switch {
			case !onStack(p):
				return fmt.Errorf("%s: returned twice from one call (%s)", blame(e), where(e))
			case t.pos != p:
				return fmt.Errorf("%s: returned before %s, inside it, had returned (%s)", blame(e), a.spec.at(t.pos, e.Method), where(e))
			case t.nextOpen:
				return fmt.Errorf("%s: returned while its call of next was still running, on a goroutine or coroutine of its own (%s)", blame(e), where(e))
			}
			stack = stack[:len(stack)-1]
		}
	}
	return nil
}

// checkNext holds when every interceptor that returned without calling
// next declared a short-circuit for the method.
func (a *icptAnalysis) checkNext() error {
	for _, c := range a.calls {
		for _, e := range c.events {
			if e.Leave() && e.Effect == fakes.EffectShortCircuit && !a.spec.shortCircuits(e.Layer, e.Method) {
				return fmt.Errorf("%s: returned %s without calling next (%s); if that is intended, declare it: harness.Declaration{Interceptor: %q, ShortCircuits: []fakes.Method{fakes.%s}}",
					blame(e), outcomeText(e), where(e), e.Layer, methodConst(e.Method))
			}
		}
	}
	return nil
}

// checkOutcome holds when what next returned came out of each interceptor
// unchanged, unless it declared a transformation for the method.
func (a *icptAnalysis) checkOutcome() error {
	for _, c := range a.calls {
		var fromNext = map[string]fakes.ProbeEvent{}
		for _, e := range c.events {
			if e.NextLeave() {
				fromNext[e.Layer] = e
			}
			if !e.Leave() || a.spec.transforms(e.Layer, e.Method) {
				continue
			}
			switch e.Effect {
			case fakes.EffectSwallowed, fakes.EffectReplaced, fakes.EffectAdded, fakes.EffectRecovered:
				n := fromNext[e.Layer]
				return fmt.Errorf("%s: next gave it %s and it returned %s: %s (%s); if that is intended, declare it: harness.Declaration{Interceptor: %q, Transforms: []fakes.Method{fakes.%s}}",
					blame(e), outcomeText(n), outcomeText(e), e.Effect, where(e), e.Layer, methodConst(e.Method))
			}
		}
	}
	return nil
}

// checkCancellation holds when every interceptor called next with a
// context derived from its own.
func (a *icptAnalysis) checkCancellation() error {
	for _, c := range a.calls {
		for _, e := range c.events {
			switch {
			case e.CtxLost:
				return fmt.Errorf("%s: called next with a context that does not derive from the one it received, so cancellation, deadlines and values set outside it are lost (%s)", blame(e), where(e))
			case e.CancelLost:
				return fmt.Errorf("%s: its own context was done but the one it passed to next was not: cancellation does not reach the interceptors inside it or the code they call (%s)", blame(e), where(e))
			}
		}
	}
	return nil
}

// outcomeText renders what a probe event says came back.
func outcomeText(e fakes.ProbeEvent) string {
	switch {
	case e.Kind == "":
		return "nothing"
	case e.Result == "panic":
		return "a panic " + e.Panic
	case e.Result == "ok" || e.Result == "":
		return "no error"
	}
	return "error " + e.Result
}

// methodConst is the fakes constant that names m, for messages that show
// the declaration to write.
func methodConst(m fakes.Method) string {
	name := m.Name()
	switch m.Interface() {
	case "ActivityInbound":
		return "ActivityExecute"
	case "ActivityOutbound":
		return "Activity" + name
	case "WorkflowInbound":
		switch name {
		case "ExecuteWorkflow":
			return "WorkflowExecute"
		}
		return "Workflow" + name
	}
	return "Workflow" + name
}
