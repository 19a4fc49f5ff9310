package conformance

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

// Known is a difference between the engine and the server that is
// understood: what each does, why, and whether the engine now emulates
// the server. A row's difference is explained when a live entry applies
// to the engine, the row's plan kind and scenario and one of its patterns
// matches the difference's field and both values. The entries are in
// known_list.go.
type Known struct {
	// ID names the entry in the table.
	ID string
	// Cause is where the difference comes from: CauseEngine (the engine
	// departs from the server), CauseScaling (the real run is sped up,
	// which multiplies the server's latencies) or CauseHarness (the
	// engine and realserver inject or observe differently).
	Cause string
	// Engines, Kinds and Scenarios restrict the rows it applies to
	// (empty: all). Most differences of engine 1 come from the SDK's test
	// environment, which engine 2 does not use: they name engine 1 alone,
	// so that they cannot hide the same difference on engine 2.
	Engines   []sim.Engine
	Kinds     []PlanKind
	Scenarios []string
	// Match lists the shapes of difference the entry explains, one for
	// each field it touches.
	Match []Pattern
	// EngineDoes and ServerDoes say what each does; Closing says what
	// would close the difference while it stays open.
	EngineDoes, ServerDoes string
	Closing                string
	// Timing says that whether the difference shows depends on the real
	// run's latencies, which grow with the machine's load: the table's
	// counts and matrix verdicts leave it out (a matrix cell names it
	// apart, after "timing:"), so that they hold from one run to the
	// next; the rows section shows it.
	Timing bool
	// Emulated says that the engine now emulates the server. Such an
	// entry stays in the table as history and explains nothing: one of
	// its patterns matching a row's difference means the emulation broke,
	// which fails TestConformance.
	Emulated bool
}

// Pattern is one shape of difference a Known entry explains. Field,
// Engine and Server are regular expressions that the difference's field
// and the engine's and the server's values must match in full (a missing
// value is ""); Values, when set, must hold for the two values too, for
// what a regular expression cannot say (which side is ahead).
type Pattern struct {
	Field, Engine, Server string
	Values                func(engine, server string) bool
}

// Causes of known differences.
const (
	CauseEngine  = "engine"
	CauseScaling = "time scaling"
	CauseHarness = "fault injection"
)

// applies reports whether k is about engine e and row's plan kind and
// scenario.
func (k *Known) applies(e sim.Engine, row Row) bool {
	return (len(k.Engines) == 0 || slices.Contains(k.Engines, e)) &&
		(len(k.Kinds) == 0 || slices.Contains(k.Kinds, row.Kind)) &&
		(len(k.Scenarios) == 0 || slices.Contains(k.Scenarios, row.Scenario.Name))
}

// patternMatches reports whether one of k's patterns matches d, a
// difference of engine e in row, when k applies to both, emulated or not.
func (k *Known) patternMatches(e sim.Engine, row Row, d Diff) bool {
	if !k.applies(e, row) {
		return false
	}
	for _, p := range k.Match {
		if full(p.Field, d.Field) && full(p.Engine, d.Engine) && full(p.Server, d.Server) &&
			(p.Values == nil || p.Values(d.Engine, d.Server)) {
			return true
		}
	}
	return false
}

// full reports whether s matches expr in full.
func full(expr, s string) bool {
	return regexp.MustCompile("^(?:" + expr + ")$").MatchString(s)
}

// explain returns the live known difference that explains d, a
// difference of engine e in row, or nil.
func explain(e sim.Engine, row Row, d Diff) *Known {
	for _, k := range KnownDifferences {
		if !k.Emulated && k.patternMatches(e, row, d) {
			return k
		}
	}
	return nil
}

// emulatedMatch returns the emulated entry one of whose patterns matches
// d, a difference of engine e in row, or nil: a difference the engine was
// changed to remove is back.
func emulatedMatch(e sim.Engine, row Row, d Diff) *Known {
	for _, k := range KnownDifferences {
		if k.Emulated && k.patternMatches(e, row, d) {
			return k
		}
	}
	return nil
}

// serverNotAhead holds when the server's heartbeat progress is not past
// the engine's (no details at all are behind any).
func serverNotAhead(engine, server string) bool {
	e, err1 := strconv.Atoi(engine)
	s, err2 := strconv.Atoi(server)
	return err1 == nil && (server == "" || (err2 == nil && s <= e))
}

// serverAhead and serverBehind compare two counts; a value that is not a
// count matches neither.
func serverAhead(engine, server string) bool {
	e, s, ok := counts(engine, server)
	return ok && s > e
}

func serverBehind(engine, server string) bool {
	e, s, ok := counts(engine, server)
	return ok && s < e
}

func counts(engine, server string) (e, s int, ok bool) {
	e, err1 := strconv.Atoi(engine)
	s, err2 := strconv.Atoi(server)
	return e, s, err1 == nil && err2 == nil
}

// fewerPolls holds when the server's attempts of an activity (a summary:
// "3 attempts: X, Y, ok") are the engine's with some of the failed polls
// left out: both end with the same success, and every attempt the server
// made is, in order, one the engine made.
func fewerPolls(failedPoll string) func(engine, server string) bool {
	return func(engine, server string) bool {
		e, s := attemptList(engine), attemptList(server)
		if len(e) == 0 || len(s) == 0 || len(s) >= len(e) || e[len(e)-1] != s[len(s)-1] {
			return false
		}
		i := 0
		for _, a := range e {
			switch {
			case i < len(s) && samePoll(a, s[i]):
				i++
			case a != failedPoll:
				return false // the engine has an attempt the server lacks that is no failed poll
			}
		}
		return i == len(s)
	}
}

// attemptList is the results of a summary, nil when it is none.
func attemptList(summary string) []string {
	_, list, ok := strings.Cut(summary, ": ")
	if !ok {
		return nil
	}
	return strings.Split(list, ", ")
}

// samePoll reports whether the engine's attempt result e is the server's
// s, where a timeout the server's side inferred matches any timeout.
func samePoll(e, s string) bool {
	if inferred, ok := strings.CutSuffix(s, " (inferred)"); ok {
		return strings.HasPrefix(e, "timeout:") && strings.HasPrefix(inferred, "timeout:")
	}
	return e == s
}

// withoutProperty holds when the server broke the properties the engine
// broke but prop ("a, b" lists, sorted, as brokenNames writes them).
func withoutProperty(prop string) func(engine, server string) bool {
	return func(engine, server string) bool {
		e := strings.Split(engine, ", ")
		i := slices.Index(e, prop)
		return i >= 0 && strings.Join(slices.Delete(e, i, i+1), ", ") == server
	}
}

// TimingLimit is a scenario property a real run cannot be held to: it
// asserts exact virtual times (or real ones), which a sped-up run's
// latencies shift.
type TimingLimit struct {
	Scenario, Property, Why string
}

// TimingLimits lists the properties not checked on real runs.
var TimingLimits = []TimingLimit{
	{"polling-infrequent", "polls-every-interval", "asserts each retry starts exactly 1m after the previous poll; the server adds its timer and dispatch latency, ×900 in virtual time"},
	{"polling-infrequent", "ready-seen-within-interval", "asserts completion within 1m1s of readiness; each poll's latency, ×900, adds up to more"},
	{"polling-frequent", "result-after-ready", "asserts completion within 6s of the last stage's readiness; a poll's dispatch latency is seconds of virtual time"},
	{"concurrent-timers", "timers-fire-on-schedule", "asserts each firing exactly one period after its timer started; the server's firing latency, ×5400, is minutes of virtual time"},
	{"concurrent-timers", "terminates", "the re-armed timers' accumulated latency (minutes of virtual time per firing at ×5400) pushes the end past the 1h bound"},
	{"custom-metrics", "metrics-match-attempts", "compares schedule-to-start latencies, which the interceptor reads from the server's real timestamps, with virtual ones; its execution counters are compared separately (metrics rows)"},
	{"parallel-activities", "no-attempt-after-close", "an attempt the server dispatched before the workflow failed can reach the worker's code after the close (poll and dispatch latency, tens of milliseconds, ×15 in virtual time); the server cannot take such a task back"},
	{"schedule", "every-tick-accounted", "computes spec times from the World clock's origin, which realserver sets to the real start time, while the run's workflow time starts at a midnight (see workflowNow)"},
}

// timingExact returns why property prop of scenario cannot be checked on
// a real run, or "".
func timingExact(scenario, prop string) string {
	for _, l := range TimingLimits {
		if l.Scenario == scenario && l.Property == prop {
			return l.Why
		}
	}
	return ""
}
