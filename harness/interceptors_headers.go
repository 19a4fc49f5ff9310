package harness

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/temporalsim/temporalsim/fakes"
)

// checkHeaders holds when headers pass through the stack intact and what
// the workflow side sends is what the activity or child side receives.
func (a *icptAnalysis) checkHeaders() error {
	for _, c := range a.calls {
		if !c.method.CarriesHeader() {
			continue
		}
		if err := a.headersKept(c); err != nil {
			return err
		}
	}
	return a.headersArrive()
}

// headersKept checks one call: a field present when the call entered an
// interceptor is still there when it calls next, and (outbound) nothing
// changes the header after next has sent it.
func (a *icptAnalysis) headersKept(c *icptCall) error {
	entered := map[string]fakes.ProbeEvent{}
	returned := map[string]fakes.ProbeEvent{}
	for _, e := range c.events {
		switch {
		case e.Enter():
			entered[e.Layer] = e
		case e.NextEnter():
			in, ok := entered[e.Layer]
			if !ok || a.spec.transforms(e.Layer, e.Method) {
				continue
			}
			if k, why := lostField(in.Header, e.Header); k != "" {
				return fmt.Errorf("%s: header field %q was %s between the call entering it and it calling next (entered with [%s], passed on [%s]) (%s); if that is intended, declare it: harness.Declaration{Interceptor: %q, Transforms: []fakes.Method{fakes.%s}}",
					blame(e), k, why, in.Header, e.Header, where(e), e.Layer, methodConst(e.Method))
			}
		case e.NextLeave() && e.Kind != fakes.KindNextPanic:
			returned[e.Layer] = e
		case e.Leave() && e.Kind != fakes.KindPanic && e.Method.Outbound():
			back, ok := returned[e.Layer]
			if ok && back.HasHeader && e.HasHeader && back.Header != e.Header {
				return fmt.Errorf("%s: changed the header after calling next (next returned with [%s], it returned with [%s]); the call had already been sent, so the change never leaves the worker (%s)",
					blame(e), back.Header, e.Header, where(e))
			}
		}
	}
	return nil
}

// lostField returns a field of before that after lacks or has changed.
func lostField(before, after string) (string, string) {
	b, err1 := fakes.ParseHeader(before)
	f, err2 := fakes.ParseHeader(after)
	if err1 != nil || err2 != nil {
		if before != after {
			return "(unreadable)", "changed"
		}
		return "", ""
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		v, ok := f[k]
		switch {
		case !ok:
			return k, "dropped"
		case v != b[k]:
			return k, "changed"
		}
	}
	return "", ""
}

// sent is the header one schedule call left the stack with.
type sent struct {
	header string
	call   fakes.ProbeEvent
}

// headersArrive checks that activities, local activities and child
// workflows received the header their schedule call sent.
func (a *icptAnalysis) headersArrive() error {
	if len(a.spec.names) == 0 {
		return nil
	}
	toActivity := map[string]sent{} // activity key -> header sent
	toLocal := map[string][]sent{}  // workflow -> headers sent with local activities
	toChild := map[string][]sent{}  // parent workflow -> headers sent with children
	locals, parents := map[string]bool{}, map[string]string{}
	for _, e := range a.events {
		switch e.Kind {
		case "la.end":
			locals[e.ID] = true
		case "wf.start":
			if p, ok := strings.CutPrefix(e.Detail, "parent="); ok {
				parents[e.WF] = p
			}
		}
	}
	for _, c := range a.calls {
		out, ok := a.leftStack(c)
		if !ok {
			continue
		}
		switch c.method {
		case fakes.WorkflowExecuteActivity:
			if key := a.scheduledKey(c); key != "" {
				toActivity[key] = out
			}
		case fakes.WorkflowExecuteLocalActivity:
			toLocal[out.call.WF] = append(toLocal[out.call.WF], out)
		case fakes.WorkflowExecuteChildWorkflow:
			toChild[out.call.WF] = append(toChild[out.call.WF], out)
		}
	}
	for _, c := range a.calls {
		in, ok := a.enteredStack(c)
		if !ok {
			continue
		}
		var want []sent
		var what string
		switch {
		case c.method == fakes.ActivityExecute && locals[in.ID]:
			want, what = toLocal[in.WF], "local activity "+in.ID
		case c.method == fakes.ActivityExecute:
			if s, ok := toActivity[in.ID]; ok {
				want = []sent{s}
			}
			what = "activity " + in.ID
		case c.method == fakes.WorkflowExecute && parents[in.WF] != "":
			want, what = toChild[parents[in.WF]], "child workflow "+in.WF
		}
		if len(want) == 0 || slices.ContainsFunc(want, func(s sent) bool { return s.header == in.Header }) {
			continue
		}
		return fmt.Errorf("%s: %s arrived with header [%s] but was sent with [%s] (%s, %s) (%s)",
			blame(in), what, in.Header, want[0].header, blame(want[0].call), where(want[0].call), where(in))
	}
	return nil
}

// leftStack is the header a call had when the last interceptor on its path
// called next: what the SDK sent.
func (a *icptAnalysis) leftStack(c *icptCall) (sent, bool) {
	last := a.spec.at(len(a.spec.names)-1, c.method)
	for _, e := range c.events {
		if e.NextEnter() && e.Layer == last && e.HasHeader {
			return sent{header: e.Header, call: e}, true
		}
	}
	return sent{}, false
}

// enteredStack is the call's entry into the first interceptor on its path.
func (a *icptAnalysis) enteredStack(c *icptCall) (fakes.ProbeEvent, bool) {
	first := a.spec.at(0, c.method)
	for _, e := range c.events {
		if e.Enter() && e.Layer == first && e.HasHeader {
			return e, true
		}
	}
	return fakes.ProbeEvent{}, false
}

// scheduledKey finds the activity a schedule call made: the engine's
// act.schedule event that happened while the call was below the stack.
func (a *icptAnalysis) scheduledKey(c *icptCall) string {
	last := a.spec.at(len(a.spec.names)-1, c.method)
	from, to := -1, len(a.events)
	for _, e := range c.events {
		if e.Layer != last {
			continue
		}
		if e.NextEnter() && from < 0 {
			from = e.Index
		}
		if e.NextLeave() && from >= 0 {
			to = e.Index
			break
		}
	}
	if from < 0 {
		return ""
	}
	for _, e := range a.events[from+1 : to] {
		if e.Kind == "act.schedule" && e.WF == c.events[0].WF {
			return e.ID
		}
	}
	return ""
}
