package fakes

import (
	"fmt"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

// ProbeEvent is one probe event read back from a trace.
type ProbeEvent struct {
	Index  int   // position in the events given to ParseProbeEvents
	T      int64 // virtual milliseconds
	Kind   string
	Layer  string
	Method Method
	WF     string
	ID     string // activity key under the simulator, empty on the workflow side
	Call   string
	Result string // "ok", an error type, or "panic"
	Effect string // on a layer's exit: one of the Effect constants
	// CtxLost, CancelLost and Origin are the flags of the same names.
	CtxLost, CancelLost, Origin bool
	// Header is the rendered header (see FormatHeader) when HasHeader.
	Header    string
	HasHeader bool
	Panic     string // the quoted panic value of a panic event
}

// Enter reports whether e is a call entering its layer.
func (e ProbeEvent) Enter() bool { return e.Kind == KindEnter }

// Leave reports whether e is the layer returning (or panicking).
func (e ProbeEvent) Leave() bool {
	return e.Kind == KindExit || e.Kind == KindError || e.Kind == KindPanic
}

// NextEnter reports whether e is the layer calling next.
func (e ProbeEvent) NextEnter() bool { return e.Kind == KindNextEnter }

// NextLeave reports whether e is next returning (or panicking) to the layer.
func (e ProbeEvent) NextLeave() bool {
	return e.Kind == KindNextExit || e.Kind == KindNextError || e.Kind == KindNextPanic
}

// CallKey identifies the call e belongs to within one run.
func (e ProbeEvent) CallKey() string { return e.WF + "|" + e.ID + "|" + e.Call }

// IsProbeKind reports whether kind is one of the probe event kinds.
func IsProbeKind(kind string) bool {
	switch kind {
	case KindEnter, KindExit, KindError, KindPanic, KindNextEnter, KindNextExit, KindNextError, KindNextPanic:
		return true
	}
	return false
}

// ParseProbeEvents picks the probe events out of a trace, in trace order.
// It fails on a probe event it cannot read.
func ParseProbeEvents(events []sim.Event) ([]ProbeEvent, error) {
	var out []ProbeEvent
	for i, e := range events {
		if !IsProbeKind(e.Kind) {
			continue
		}
		p, err := parseProbeEvent(e)
		if err != nil {
			return nil, fmt.Errorf("trace event %d (%s %s): %w", i, e.Kind, e.Name, err)
		}
		p.Index = i
		out = append(out, p)
	}
	return out, nil
}

func parseProbeEvent(e sim.Event) (ProbeEvent, error) {
	p := ProbeEvent{T: e.T, Kind: e.Kind, WF: e.WF, ID: e.ID, Result: e.Result}
	layer, method, ok := strings.Cut(e.Name, ":")
	if !ok || !Method(method).Known() {
		return p, fmt.Errorf("name %q is not <layer>:<method>", e.Name)
	}
	p.Layer, p.Method = layer, Method(method)
	rest := e.Detail
	for rest != "" {
		var tok string
		switch {
		case strings.HasPrefix(rest, "h="):
			p.Header, p.HasHeader, rest = rest[2:], true, ""
			continue
		case strings.HasPrefix(rest, "panic="):
			p.Panic, rest = rest[len("panic="):], ""
			continue
		}
		tok, rest, _ = strings.Cut(rest, " ")
		k, v, _ := strings.Cut(tok, "=")
		switch k {
		case "call":
			p.Call = v
		case "effect":
			p.Effect = v
		case FlagCtxLost:
			p.CtxLost = true
		case FlagCancelLost:
			p.CancelLost = true
		case FlagOrigin:
			p.Origin = true
		default:
			return p, fmt.Errorf("unknown detail token %q", tok)
		}
	}
	if p.Call == "" {
		return p, fmt.Errorf("detail %q has no call id", e.Detail)
	}
	return p, nil
}
