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
// everything the engine delivered entered the stack exactly once.
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

// entries counts, per delivery key, the calls that entered the stack's
// first interceptor.
func (a *icptAnalysis) entries(m fakes.Method, key func(fakes.ProbeEvent, *icptCall) string) map[string]int {
	first := a.spec.at(0, m)
	out := map[string]int{}
	for _, c := range a.calls {
		if c.method != m {
			continue
		}
		for _, e := range c.events {
			if e.Enter() && e.Layer == first {
				out[key(e, c)]++
			}
		}
	}
	return out
}

// deliveredOnce compares what the engine delivered with what entered the
// stack. Interceptors of the scenario's own sit outside the stack; one of
// them that stops a call shows up here too.
func (a *icptAnalysis) deliveredOnce() error {
	attempts := a.entries(fakes.ActivityExecute, func(e fakes.ProbeEvent, c *icptCall) string {
		return fmt.Sprintf("%s#%d", e.ID, c.attempt)
	})
	byWF := func(e fakes.ProbeEvent, _ *icptCall) string { return e.WF }
	starts, signals, updates := a.entries(fakes.WorkflowExecute, byWF), a.entries(fakes.WorkflowHandleSignal, byWF), a.entries(fakes.WorkflowExecuteUpdate, byWF)
	queries := 0
	for _, n := range a.entries(fakes.WorkflowHandleQuery, byWF) {
		queries += n
	}
	want := map[string]int{}
	var first = map[string]sim.Event{}
	note := func(k string, e sim.Event) {
		if want[k]++; want[k] == 1 {
			first[k] = e
		}
	}
	wantQueries := 0
	for _, e := range a.events {
		switch {
		case e.Kind == "act.start":
			note(fmt.Sprintf("act|%s#%d", e.ID, e.Attempt), e)
		case e.Kind == "la.end" && e.Fault == 0:
			note(fmt.Sprintf("act|%s#0", e.ID), e)
		case e.Kind == "wf.start" && e.Fault == 0:
			note("start|"+e.WF, e)
		case e.Kind == "wf.signal":
			note("signal|"+e.WF, e)
		case e.Kind == "wf.update":
			note("update|"+e.WF, e)
		case e.Kind == "query" && !strings.HasPrefix(e.Name, "__"):
			wantQueries++
		}
	}
	got := map[string]int{}
	for k, n := range attempts {
		got["act|"+k] = n
	}
	for k, n := range starts {
		got["start|"+k] = n
	}
	for k, n := range signals {
		got["signal|"+k] = n
	}
	for k, n := range updates {
		got["update|"+k] = n
	}
	for _, k := range sortedKeys(want) {
		if got[k] != want[k] {
			e := first[k]
			what, _, _ := strings.Cut(k, "|")
			return fmt.Errorf("the engine delivered %d %s (%s at %s) but %d entered the stack at its first interceptor, %s",
				want[k], deliveryName(what, e), describeDelivery(e), time.Duration(e.T)*time.Millisecond, got[k], a.spec.names[0])
		}
	}
	if queries != wantQueries && wantQueries > 0 {
		return fmt.Errorf("the engine answered %d queries but %d entered the stack at its first interceptor, %s", wantQueries, queries, a.spec.names[0])
	}
	return nil
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
