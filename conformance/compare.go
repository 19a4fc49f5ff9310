package conformance

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Diff is one thing the engine and the server disagree on.
type Diff struct {
	// Field names what differs: "outcome", "result", "activity
	// Process#2 attempts", "activity Process#2 attempt 1 result",
	// "activity Process#2 attempt 2 heartbeat", "children", "calls
	// HandleSignal:deposit", "metrics ...", "cancel overlaps", "timers
	// fired".
	Field string
	// Engine and Server are the two values.
	Engine, Server string
}

func (d Diff) String() string {
	return fmt.Sprintf("%s: engine %s, server %s", d.Field, orNone(d.Engine), orNone(d.Server))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// Compare lists what differs between an engine run's observation and a
// real run's; top is the top-level workflow's id. Timestamps, ids and
// durations are not compared. A timeout the server's side could only
// infer (the history names the last two attempts' results) matches any
// timeout of the engine's.
func Compare(engine, server *Observation, top string) []Diff {
	var out []Diff
	add := func(field, e, s string) {
		if e != s {
			out = append(out, Diff{Field: field, Engine: e, Server: s})
		}
	}
	add("outcome", strings.TrimSpace(string(engine.Outcome)+" "+engine.ErrType), strings.TrimSpace(string(server.Outcome)+" "+server.ErrType))
	add("result", engine.Result, server.Result)
	out = append(out, compareActivities(engine.Activities, server.Activities, top)...)
	add("children", mapString(engine.Children), mapString(server.Children))
	for _, k := range union(engine.Calls, server.Calls) {
		add("calls "+k, count(engine.Calls, k), count(server.Calls, k))
	}
	for _, k := range union(engine.Metrics, server.Metrics) {
		add("metrics "+k, count(engine.Metrics, k), count(server.Metrics, k))
	}
	add("cancel overlaps", strings.Join(engine.CancelOverlaps, "; "), strings.Join(server.CancelOverlaps, "; "))
	add("timers fired", strconv.Itoa(engine.TimersFired), strconv.Itoa(server.TimersFired))
	return out
}

func compareActivities(engine, server []ActivityObs, top string) []Diff {
	byName := func(acts []ActivityObs) map[string]ActivityObs {
		m := map[string]ActivityObs{}
		for _, a := range acts {
			m[a.Name(top)] = a
		}
		return m
	}
	em, sm := byName(engine), byName(server)
	var out []Diff
	for _, name := range union(em, sm) {
		e, inE := em[name]
		s, inS := sm[name]
		field := "activity " + name
		switch {
		case !inE || !inS:
			out = append(out, Diff{Field: field, Engine: summary(e, inE), Server: summary(s, inS)})
		case len(e.Attempts) != len(s.Attempts):
			out = append(out, Diff{Field: field + " attempts", Engine: summary(e, true), Server: summary(s, true)})
		default:
			for i := range e.Attempts {
				ea, sa := e.Attempts[i], s.Attempts[i]
				if !sameResult(ea, sa) {
					out = append(out, Diff{Field: fmt.Sprintf("%s attempt %d result", field, ea.N), Engine: ea.Result, Server: resultText(sa)})
				}
				if ea.Heartbeat != sa.Heartbeat {
					out = append(out, Diff{Field: fmt.Sprintf("%s attempt %d heartbeat", field, ea.N), Engine: ea.Heartbeat, Server: sa.Heartbeat})
				}
			}
		}
	}
	return out
}

func sameResult(e, s AttemptObs) bool {
	if e.Result == s.Result {
		return true
	}
	return s.Inferred && strings.HasPrefix(e.Result, "timeout:") && strings.HasPrefix(s.Result, "timeout:")
}

func resultText(a AttemptObs) string {
	if a.Inferred {
		return a.Result + " (inferred)"
	}
	return a.Result
}

// summary is an activity's attempts on one line: "2 attempts: X, ok".
func summary(a ActivityObs, present bool) string {
	if !present {
		return "not run"
	}
	res := make([]string, len(a.Attempts))
	for i, at := range a.Attempts {
		res[i] = resultText(at)
	}
	word := "attempts"
	if len(res) == 1 {
		word = "attempt"
	}
	return fmt.Sprintf("%d %s: %s", len(res), word, strings.Join(res, ", "))
}

func mapString(m map[string]string) string {
	var parts []string
	for _, k := range keys(m) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

func union[V any](a, b map[string]V) []string {
	ks := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

func count[V int | int64](m map[string]V, k string) string {
	v, ok := m[k]
	if !ok {
		return "0"
	}
	return strconv.FormatInt(int64(v), 10)
}
