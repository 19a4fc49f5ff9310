package harness

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/temporalsim/temporalsim/fakes"
	"github.com/temporalsim/temporalsim/sim"
)

// The checks here hold the probes up against what the engine did: which
// attempts it ran, which signals, updates and queries it delivered, which
// heartbeats it received and which activity each schedule call made.

// checkOnce holds when no interceptor called next twice in one call and
// everything the engine delivered entered the stack exactly once: no
// fewer times (something outside the stack stopped it) and no more (an
// interceptor made a call of its own through next, delivering what the
// engine never did to the interceptors inside it).
func (a *icptAnalysis) checkOnce() error {
	for _, c := range a.calls {
		nexts := map[string]int{}
		for _, e := range c.events {
			if !e.NextEnter() {
				continue
			}
			if nexts[e.Layer]++; nexts[e.Layer] == 2 {
				return fmt.Errorf("%s: called next more than once for one call (%s)", blame(e), where(e))
			}
		}
	}
	return a.deliveredOnce()
}

// deliveries are the inbound methods whose calls the engine delivers, by
// the prefix of their delivery keys.
var deliveries = []struct {
	prefix string
	method fakes.Method
}{
	{"act", fakes.ActivityExecute}, {"start", fakes.WorkflowExecute}, {"signal", fakes.WorkflowHandleSignal},
	{"update", fakes.WorkflowExecuteUpdate}, {"query", fakes.WorkflowHandleQuery},
}

// entries counts, per layer and delivery key, the calls that entered the
// layer, and keeps, per key, the first event of a call an interceptor
// made itself through its next.
func (a *icptAnalysis) entries() (map[string]map[string]int, map[string]fakes.ProbeEvent) {
	got, origin := map[string]map[string]int{}, map[string]fakes.ProbeEvent{}
	for _, c := range a.calls {
		k := deliveryKey(c)
		if k == "" {
			continue
		}
		if first := c.events[0]; first.Origin {
			if _, ok := origin[k]; !ok {
				origin[k] = first
			}
		}
		for _, e := range c.events {
			if e.Enter() {
				if got[e.Layer] == nil {
					got[e.Layer] = map[string]int{}
				}
				got[e.Layer][k]++
			}
		}
	}
	return got, origin
}

// deliveryKey is what the engine's delivery of c is counted under, and ""
// for calls the engine does not deliver. Queries are counted together:
// their probe events do not carry the query's name.
func deliveryKey(c *icptCall) string {
	e := c.events[0]
	switch c.method {
	case fakes.ActivityExecute:
		return fmt.Sprintf("act|%s#%d", e.ID, c.attempt)
	case fakes.WorkflowExecute:
		return "start|" + e.WF
	case fakes.WorkflowHandleSignal:
		return "signal|" + e.WF
	case fakes.WorkflowExecuteUpdate:
		return "update|" + e.WF
	case fakes.WorkflowHandleQuery:
		return "query|"
	}
	return ""
}

// delivered counts, per delivery key, what the engine delivered, with the
// first engine event of each key; ok is false when the events hold no
// engine events at all (a replay's, outside a run), and nothing can be
// compared.
func (a *icptAnalysis) delivered() (want map[string]int, first map[string]sim.Event, ok bool) {
	want, first = map[string]int{}, map[string]sim.Event{}
	note := func(k string, e sim.Event) {
		if want[k]++; want[k] == 1 {
			first[k] = e
		}
	}
	for _, e := range a.events {
		switch {
		case e.Kind == "wf.start":
			// Faulted child starts and local activity attempts count too:
			// the engine injects those faults innermost, so they pass
			// the stack like any other.
			ok = true
			note("start|"+e.WF, e)
		case e.Kind == "act.start":
			note(fmt.Sprintf("act|%s#%d", e.ID, e.Attempt), e)
		case e.Kind == "la.end":
			note(fmt.Sprintf("act|%s#0", e.ID), e)
		case e.Kind == "wf.signal":
			note("signal|"+e.WF, e)
		case e.Kind == "wf.update":
			note("update|"+e.WF, e)
		case e.Kind == "query" && !strings.HasPrefix(e.Name, "__"):
			note("query|", e)
		}
	}
	return want, first, ok
}

// deliveredOnce compares what the engine delivered with what entered the
// stack: at its first interceptor exactly once each, and at every other
// no more often. Interceptors of the scenario's own sit outside the
// stack; one of them that stops a call shows up here too.
func (a *icptAnalysis) deliveredOnce() error {
	want, first, ok := a.delivered()
	if !ok {
		return nil
	}
	got, origin := a.entries()
	outer := a.spec.names[0]
	keys := sortedKeys(want)
	for k := range got[outer] {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if got[outer][k] < want[k] {
			e := first[k]
			what, _, _ := strings.Cut(k, "|")
			return fmt.Errorf("the engine delivered %d %s (%s at %s) but %d entered the stack at its first interceptor, %s",
				want[k], deliveryName(what, e), describeDelivery(e), time.Duration(e.T)*time.Millisecond, got[outer][k], outer)
		}
	}
	for _, layer := range a.spec.names {
		for _, k := range sortedKeys(got[layer]) {
			if n := got[layer][k]; n > want[k] {
				return a.extraEntry(layer, k, n, want[k], origin)
			}
		}
	}
	return nil
}

// extraEntry reports more entries into layer than the engine delivered,
// blaming the interceptor that made a call of its own through next when
// there is one.
func (a *icptAnalysis) extraEntry(layer, k string, n, want int, origin map[string]fakes.ProbeEvent) error {
	what, _, _ := strings.Cut(k, "|")
	name := deliveryName(what, sim.Event{})
	if o, ok := origin[k]; ok {
		return fmt.Errorf("%s: made a call of its own through next, so %d %s entered interceptor %s where the engine delivered %d (%s)",
			blame(o), n, name, layer, want, where(o))
	}
	m := fakes.ActivityExecute
	for _, d := range deliveries {
		if d.prefix == what {
			m = d.method
		}
	}
	return fmt.Errorf("interceptor %s, layer %s, method %s: %d %s entered it (%s) where the engine delivered %d",
		layer, m.Interface(), m.Name(), n, name, strings.TrimPrefix(k, what+"|"), want)
}

func deliveryName(what string, e sim.Event) string {
	switch what {
	case "act":
		if e.Kind == "la.end" {
			return "local activity attempt(s)"
		}
		return "activity attempt(s)"
	case "start":
		return "workflow execution(s)"
	case "signal":
		return "signal(s)"
	case "query":
		return "query(s)"
	}
	return "update(s)"
}

func describeDelivery(e sim.Event) string {
	s := e.WF
	if e.ID != "" {
		s = e.ID
	}
	if e.Attempt != 0 {
		s += fmt.Sprintf(" attempt %d", e.Attempt)
	}
	if e.Name != "" {
		s += " " + e.Name
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkHeartbeats holds when, in every attempt, each interceptor saw at
// least as many RecordHeartbeat calls as the server received heartbeats:
// a heartbeat that reached the server without passing an interceptor went
// around the outbound chain.
func (a *icptAnalysis) checkHeartbeats() error {
	server := map[string]int{}
	var keys []string
	for _, e := range a.events {
		if e.Kind == "act.heartbeat" {
			k := fmt.Sprintf("%s#%d", e.ID, e.Attempt)
			if server[k] == 0 {
				keys = append(keys, k)
			}
			server[k]++
		}
	}
	// seen counts, per attempt and layer, the heartbeats that passed it or
	// that an interceptor inside it sent itself (those never pass it).
	seen := map[string]map[string]int{}
	for _, c := range a.calls {
		if c.method != fakes.ActivityRecordHeartbeat || len(c.events) == 0 {
			continue
		}
		k := fmt.Sprintf("%s#%d", c.events[0].ID, c.attempt)
		if seen[k] == nil {
			seen[k] = map[string]int{}
		}
		if first := c.events[0]; first.Origin {
			from := a.spec.pos(first.Layer, first.Method)
			for _, layer := range a.spec.names {
				if a.spec.pos(layer, first.Method) <= from {
					seen[k][layer]++
				}
			}
			continue
		}
		for _, e := range c.events {
			if e.Enter() {
				seen[k][e.Layer]++
			}
		}
	}
	for _, k := range keys {
		for _, layer := range a.spec.names {
			if n := seen[k][layer]; n < server[k] {
				id, attempt, _ := strings.Cut(k, "#")
				return fmt.Errorf("interceptor %s, layer ActivityOutbound, method RecordHeartbeat: the server got %d heartbeat(s) from attempt %s of activity %s but only %d passed through this interceptor",
					layer, server[k], attempt, id, n)
			}
		}
	}
	return nil
}
