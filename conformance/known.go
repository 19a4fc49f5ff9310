package conformance

import (
	"regexp"
	"slices"
	"strconv"
)

// Known is a difference between the engine and the server that is
// understood: what each does, why, and whether the engine now emulates
// the server. A row's difference is explained when an entry matches its
// plan kind, scenario, field and both values.
type Known struct {
	// ID names the entry in the table.
	ID string
	// Cause is where the difference comes from: CauseEngine (the engine
	// departs from the server), CauseScaling (the real run is sped up,
	// which multiplies the server's latencies) or CauseHarness (the
	// engine and realserver inject or observe differently).
	Cause string
	// Kinds and Scenarios restrict the rows it applies to (empty: all).
	Kinds     []PlanKind
	Scenarios []string
	// Field, Engine and Server are regular expressions the difference's
	// field and values must match in full (empty: anything); Values, when
	// set, must hold for the two values too.
	Field, Engine, Server string
	Values                func(engine, server string) bool
	// EngineDoes and ServerDoes say what each does; Emulated says whether
	// the engine now emulates the server.
	EngineDoes, ServerDoes string
	Emulated               bool
}

// Causes of known differences.
const (
	CauseEngine  = "engine"
	CauseScaling = "time scaling"
	CauseHarness = "fault injection"
)

// KnownDifferences is the table of understood differences.
var KnownDifferences = []*Known{
	{
		ID: "shutdown-reports-failure", Cause: CauseEngine, Kinds: []PlanKind{WorkerShutdown},
		Field: `activity .* attempt \d+ result`, Engine: `timeout:(HEARTBEAT|START_TO_CLOSE)`, Server: `ApplicationError`,
		EngineDoes: "drops the results of the attempts running on a stopped worker (the worker is gone) and lets the server " +
			"notice through the attempt's heartbeat or start-to-close timeout, then retries it",
		ServerDoes: "a stopped Go SDK worker (worker.Stop) cancels its running activities after WorkerStopTimeout and still " +
			"reports each one: the attempt fails with the activity's own error, a retryable ApplicationError \"context canceled\", " +
			"and the server retries it after the retry policy's backoff, without waiting for a timeout. The engine's way is what " +
			"a crashed worker process looks like, not a stopped one",
	},
	{
		ID: "shutdown-retry-sooner", Cause: CauseEngine, Kinds: []PlanKind{WorkerShutdown}, Scenarios: []string{"schedule"},
		Field: `result|activity schedule-.*|children|calls (ExecuteActivity:GenerateReport|ExecuteWorkflow:ReportWorkflow)|timers fired`,
		EngineDoes: "(a consequence of shutdown-reports-failure) retries the report whose attempt the shutdown cut off only " +
			"when its 45m start-to-close timeout fires, so the run goes on through the next ticks and they are skipped",
		ServerDoes: "retries it 10s (its retry interval) after the shutdown, so it ends earlier and later ticks start runs " +
			"that the engine's skipped",
	},
	{
		ID: "heartbeat-throttling", Cause: CauseEngine, Kinds: []PlanKind{WorkerShutdown, HeartbeatLoss},
		Field: `activity .* attempt \d+ heartbeat`, Engine: `\d+`, Server: `\d*`, Values: serverNotAhead,
		EngineDoes: "records every heartbeat the moment the activity sends it, so a retry resumes from the last one the " +
			"activity recorded",
		ServerDoes: "the SDK throttles heartbeats to one per 0.8 heartbeat timeouts (the first at once, later ones at the end " +
			"of each window, the pending one when the worker stops); a retry resumes from the last one that reached the server, " +
			"which can be older (sim/doc.go lists heartbeat throttling as not emulated)",
	},
	{
		ID: "wait-for-cancellation", Cause: CauseEngine, Kinds: []PlanKind{Cancellation},
		Field: `cancel overlaps`, Engine: `.+ scheduled while .+ ran`, Server: `^$`,
		EngineDoes: "resolves a cancelled activity's future as soon as the workflow is cancelled, even with " +
			"WaitForCancellation, so the workflow's next activity (the cleanup) is scheduled while the cancelled one runs on " +
			"until its next heartbeat brings it the cancellation",
		ServerDoes: "with WaitForCancellation the workflow learns of the cancellation only when the activity has acknowledged " +
			"it (ActivityTaskCanceled), so the cleanup is scheduled after LongWork ended (sim/doc.go lists WaitForCancellation " +
			"as not emulated)",
	},
	{
		ID: "activities-after-close", Cause: CauseEngine, Kinds: []PlanKind{NonRetryable},
		Field: `activity .* attempt \d+ result`, Engine: `CanceledError`, Server: `after-close:.*`,
		EngineDoes: "asks the server to cancel the activities still running when the workflow closes (DrainLimit); an " +
			"activity learns of it with its next heartbeat, and the engine records its attempt as cancelled (CanceledError)",
		ServerDoes: "records nothing for them: no cancel request and no result, as the workflow's close ends their tasks. The " +
			"SDK learns of it when the server answers the next heartbeat with NotFound and cancels the activity's context " +
			"with that cause (not a CanceledError), so the activity's context error is reported as a plain failure " +
			"(ApplicationError \"context canceled\"), which the server rejects. Activity code sees the same context " +
			"cancellation on both; the engine's records (and properties that read them) show a cancellation the server " +
			"never had",
	},
	{
		ID: "fault-outside-interceptors", Cause: CauseHarness, Kinds: []PlanKind{ActivityError, ChildFailure},
		Field: `calls (ExecuteActivity|ExecuteWorkflow):.+`, Values: serverAhead,
		EngineDoes: "now injects local-activity-error and child-workflow-failure faults in its innermost interceptor, as " +
			"realserver does (an earlier engine injected them outermost, where user interceptors never saw the failed " +
			"attempt or execution; the entry stays to explain that difference)",
		ServerDoes: "realserver injects them in the innermost interceptor, where both inject every other activity fault, so " +
			"user interceptors see every attempt and execution (what DESIGN.md asks of interceptor checks)",
	},
	{
		ID: "local-retry-timer", Cause: CauseEngine, Kinds: []PlanKind{ActivityError}, Scenarios: []string{"local-activity"},
		Field: `timers fired`, Values: serverBehind,
		EngineDoes: "the SDK test environment waits out a local activity's retry backoff on a workflow timer",
		ServerDoes: "a real worker retries a local activity inside the workflow task when the backoff is shorter than the " +
			"workflow task timeout; no timer is started",
	},
	{
		ID: "polls-after-latency", Cause: CauseScaling, Scenarios: []string{"polling-infrequent"},
		Field:      `activity CheckReady#1 attempts|calls ExecuteActivity:CheckReady`,
		EngineDoes: "starts each retry of the poll exactly one retry interval (1m) after the previous attempt ended",
		ServerDoes: "starts it after the interval plus the server's timer and dispatch latency (tens of milliseconds), which " +
			"the run's speed-up turns into seconds of virtual time per poll: the service is found ready after fewer polls",
	},
}

// serverNotAhead holds when the server's heartbeat progress is not past
// the engine's.
func serverNotAhead(engine, server string) bool {
	e, err1 := strconv.Atoi(engine)
	s, err2 := strconv.Atoi(server)
	return err1 == nil && (server == "" || (err2 == nil && s <= e))
}

func serverAhead(engine, server string) bool  { return atoi(server) > atoi(engine) }
func serverBehind(engine, server string) bool { return atoi(server) < atoi(engine) }

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func (k *Known) matches(row Row, d Diff) bool {
	if len(k.Kinds) > 0 && !slices.Contains(k.Kinds, row.Kind) {
		return false
	}
	if len(k.Scenarios) > 0 && !slices.Contains(k.Scenarios, row.Scenario.Name) {
		return false
	}
	if k.Values != nil && !k.Values(d.Engine, d.Server) {
		return false
	}
	return full(k.Field, d.Field) && full(k.Engine, d.Engine) && full(k.Server, d.Server)
}

// full reports whether s matches expr in full; an empty expr matches
// anything.
func full(expr, s string) bool {
	return expr == "" || regexp.MustCompile("^(?:"+expr+")$").MatchString(s)
}

// explain returns the known difference that explains d, or nil.
func explain(row Row, d Diff) *Known {
	for _, k := range KnownDifferences {
		if k.matches(row, d) {
			return k
		}
	}
	return nil
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
	{"concurrent-timers", "timers-fire-on-schedule", "asserts the k-th firing at exactly k×period; each timer is re-armed when it fires, so the server's firing latency, ×5400, accumulates"},
	{"concurrent-timers", "terminates", "the re-armed timers' accumulated latency (minutes of virtual time per firing at ×5400) pushes the end past the 1h bound"},
	{"custom-metrics", "metrics-match-attempts", "compares schedule-to-start latencies, which the interceptor reads from the server's real timestamps, with virtual ones; its execution counters are compared separately (metrics rows)"},
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
