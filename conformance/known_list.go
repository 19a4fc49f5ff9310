package conformance

import "github.com/temporalsim/temporalsim/sim"

// engine1 restricts an entry to engine 1: the difference comes from the
// SDK's test environment, which engine 2 does not use.
var engine1 = []sim.Engine{sim.EngineTestEnv}

// engine2 marks entries about the real SDK worker on virtual time.
var engine2 = []sim.Engine{sim.EngineServer}

// KnownDifferences is the table of understood differences. A live entry
// (not Emulated) names, for each field it explains, what the engine's and
// the server's values look like; TestKnownAgainstLastTable fails when one
// explains no row of docs/conformance.md on an engine it applies to.
var KnownDifferences = []*Known{
	{
		ID: "shutdown-reports-failure", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{WorkerShutdown},
		Match: []Pattern{{Field: `activity .* attempt \d+ result`, Engine: `timeout:(HEARTBEAT|START_TO_CLOSE)`, Server: `ApplicationError`}},
		EngineDoes: "(before it emulated this) dropped the results of the attempts running on a stopped worker and let the " +
			"server notice through the attempt's heartbeat or start-to-close timeout, which is what a crashed worker looks " +
			"like. worker-shutdown is now worker.Stop: after the grace period the attempts' contexts are cancelled and each " +
			"reports its failure, retried after the backoff; the crash is its own kind, worker-crash",
		ServerDoes: "a stopped Go SDK worker (worker.Stop) cancels its running activities after WorkerStopTimeout and still " +
			"reports each one: the attempt fails with the activity's own error, a retryable ApplicationError \"context canceled\", " +
			"and the server retries it after the retry policy's backoff, without waiting for a timeout",
		Emulated: true,
	},
	{
		ID: "shutdown-retry-sooner", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{WorkerShutdown}, Scenarios: []string{"schedule"},
		Match: []Pattern{{Field: `result|activity schedule-.*|children|calls (ExecuteActivity:GenerateReport|ExecuteWorkflow:ReportWorkflow)|timers fired`,
			Engine: `.*`, Server: `.*`}},
		EngineDoes: "(before shutdown-reports-failure was emulated) retried the report whose attempt the shutdown cut off only " +
			"when its 45m start-to-close timeout fired, so the run went on through the next ticks and they were skipped",
		ServerDoes: "retries it 10s (its retry interval) after the shutdown, so it ends earlier and later ticks start runs " +
			"that the engine's skipped",
		Emulated: true,
	},
	{
		ID: "heartbeat-throttling", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{WorkerShutdown, HeartbeatLoss}, Timing: true,
		Match: []Pattern{{Field: `activity .* attempt \d+ heartbeat`, Engine: `\d+`, Server: `\d*`, Values: serverNotAhead}},
		EngineDoes: "records every heartbeat the moment the activity sends it, so a retry resumes from the last one the " +
			"activity recorded",
		ServerDoes: "the SDK throttles heartbeats to one per 0.8 heartbeat timeouts (the first at once, later ones at the end " +
			"of each window, the pending one when the worker stops); a retry resumes from the last one that reached the server, " +
			"which can be older (sim/doc.go lists heartbeat throttling as not emulated)",
		Closing: "emulating the SDK's heartbeat batching in the engine's attempt supervisor: send the first heartbeat, hold later ones until the end of each 0.8 heartbeat-timeout window (30s without a heartbeat timeout, at most 60s), and drop the held one when the attempt ends",
	},
	{
		ID: "heartbeat-throttle-scaled", Cause: CauseScaling, Engines: engine2, Kinds: []PlanKind{WorkerShutdown, HeartbeatLoss}, Timing: true,
		Match: []Pattern{{Field: `activity .* attempt \d+ heartbeat`, Engine: `\d+`, Server: `\d*`, Values: serverNotAhead}},
		EngineDoes: "runs the SDK's own heartbeat throttling (one heartbeat per 0.8 heartbeat timeouts, the pending one sent " +
			"when the worker stops) on virtual time, so the shutdown falls at an exact point of the throttle window",
		ServerDoes: "runs the same throttling on the wall clock of a sped-up run: the worker stop's and the server's latency, " +
			"multiplied by the speed-up, move the shutdown within the window, so the last heartbeat that reached the server, " +
			"which the retry resumes from, can be an earlier one",
		Closing: "nothing in the engine; a slower real run (a lower speed-up) narrows it",
	},
	{
		ID: "wait-for-cancellation", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{Cancellation},
		Match: []Pattern{{Field: `cancel overlaps`, Engine: `.+ scheduled while .+ ran`, Server: `^$`}},
		EngineDoes: "resolves a cancelled activity's future as soon as the workflow is cancelled, even with " +
			"WaitForCancellation, so the workflow's next activity (the cleanup) is scheduled while the cancelled one runs on " +
			"until its next heartbeat brings it the cancellation",
		ServerDoes: "with WaitForCancellation the workflow learns of the cancellation only when the activity has acknowledged " +
			"it (ActivityTaskCanceled), so the cleanup is scheduled after LongWork ended (sim/doc.go lists WaitForCancellation " +
			"as not emulated)",
		Closing: "resolving a cancelled activity's future, when WaitForCancellation is set, only when the engine's attempt has ended, which needs a way to settle a workflow future from the attempt supervisor",
	},
	{
		ID: "activities-after-close", Cause: CauseEngine, Engines: engine1,
		Match: []Pattern{{Field: `activity .* attempt \d+ result`, Engine: `(after-close:)?CanceledError`, Server: `after-close:.*`}},
		EngineDoes: "(before it emulated this) asked the server to cancel the activities still running when the workflow " +
			"closed; an activity learnt of it with its next heartbeat, and the engine recorded its attempt as cancelled " +
			"(CanceledError). It now answers that heartbeat with NotFound, as the server does, and realserver lets such " +
			"attempts end before it stops the workers, as the engine does (DrainLimit)",
		ServerDoes: "records nothing for them: no cancel request and no result, as the workflow's close ends their tasks. The " +
			"SDK learns of it when the server answers the next heartbeat with NotFound and cancels the activity's context " +
			"with that cause (not a CanceledError), so the activity's context error is reported as a plain failure " +
			"(ApplicationError \"context canceled\"), which the server rejects",
		Emulated: true,
	},
	{
		ID: "fault-outside-interceptors", Cause: CauseHarness, Engines: engine1, Kinds: []PlanKind{ActivityError, ChildFailure},
		Match: []Pattern{{Field: `calls (ExecuteActivity|ExecuteWorkflow):.+`, Engine: `\d+`, Server: `\d+`, Values: serverAhead}},
		EngineDoes: "now injects local-activity-error and child-workflow-failure faults in its innermost interceptor, as " +
			"realserver does (an earlier engine injected them outermost, where user interceptors never saw the failed " +
			"attempt or execution; the entry stays to explain that difference)",
		ServerDoes: "realserver injects them in the innermost interceptor, where both inject every other activity fault, so " +
			"user interceptors see every attempt and execution, which interceptor checks rely on",
		Emulated: true,
	},
	{
		ID: "local-retry-timer", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{ActivityError}, Scenarios: []string{"local-activity"},
		Match:      []Pattern{{Field: `timers fired`, Engine: `[1-9]\d*`, Server: `\d+`, Values: serverBehind}},
		EngineDoes: "the SDK test environment waits out a local activity's retry backoff on a workflow timer",
		ServerDoes: "a real worker retries a local activity inside the workflow task when the backoff is shorter than the " +
			"workflow task timeout; no timer is started",
		Closing: "running short local activity backoffs inside the engine's local activity interceptor instead of the test environment's timer",
	},
	{
		ID: "polls-after-latency", Cause: CauseScaling, Scenarios: []string{"polling-infrequent"}, Timing: true,
		Match: []Pattern{
			{Field: `activity CheckReady#1 attempts`, Engine: `\d+ attempts: (.+, )?ok`, Server: `\d+ attempts?: (.+, )?ok`,
				Values: fewerPolls("ApplicationError:NotReady")},
			{Field: `calls ExecuteActivity:CheckReady`, Engine: `\d+`, Server: `\d+`, Values: serverBehind},
		},
		EngineDoes: "starts each retry of the poll exactly one retry interval (1m) after the previous attempt ended",
		ServerDoes: "starts it after the interval plus the server's timer and dispatch latency (tens of milliseconds), which " +
			"the run's speed-up turns into seconds of virtual time per poll: the service is found ready after fewer polls, " +
			"the same attempts less some that failed NotReady",
		Closing: "nothing in the engine; a slower real run (a lower speed-up) narrows it",
	},
	{
		ID: "wait-for-cancellation-result", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{Cancellation}, Scenarios: []string{"cancellation"},
		Match: []Pattern{{Field: `activity LongWork#1 attempt 1 result`, Engine: `after-close:ApplicationError`, Server: `CanceledError`}},
		EngineDoes: "(a consequence of wait-for-cancellation) lets the workflow run its cleanup and close before LongWork's " +
			"next heartbeat, which is then answered with NotFound: the attempt ends as a plain failure after the close",
		ServerDoes: "the workflow waits for LongWork to acknowledge the cancellation, so its next heartbeat is answered with " +
			"the cancellation and the attempt ends cancelled (CanceledError) while the workflow is open",
		Closing: "the WaitForCancellation emulation that closes wait-for-cancellation",
	},
	{
		ID: "local-activity-cancel-in-task", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{Cancellation}, Scenarios: []string{"local-activity"},
		Match: []Pattern{
			{Field: `activity local \w+#\d+ attempt \d+ result`, Engine: `ApplicationError`, Server: `ok`},
			{Field: `activity local \w+#\d+`, Engine: `not run`, Server: `1 attempt: ok`},
			{Field: `calls ExecuteActivity:\w+`, Engine: `\d+`, Server: `\d+`, Values: serverAhead},
			{Field: `calls ExecuteWorkflow:LocalChainWorkflow`, Engine: `1`, Server: `2`},
		},
		EngineDoes: "cancels the running local activity's context at the instant of the cancellation request, as the SDK's " +
			"test environment does, so the step fails and the chain stops there",
		ServerDoes: "runs the chain's local activities inside one workflow task, which a cancellation request arriving " +
			"meanwhile does not interrupt: the running step and the next complete, the server rejects the task's completion " +
			"because a new event (the request) came in, and the worker runs the workflow again from its start with the " +
			"cancellation already delivered, so it ends cancelled before it schedules anything",
		Closing: "holding a cancellation request that lands during a workflow task's local activities until they end, and " +
			"then running the workflow from the start again, which needs an engine that replays workflow tasks",
	},
	{
		ID: "shutdown-local-activities", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{WorkerShutdown}, Scenarios: []string{"local-activity"},
		Match: []Pattern{
			{Field: `activity local \w+#\d+ attempt \d+ result`, Engine: `ok`, Server: `ApplicationError`},
			{Field: `activity local \w+#\d+`, Engine: `not run`, Server: `1 attempt: ok`},
			{Field: `calls ExecuteActivity:\w+`, Engine: `\d+`, Server: `\d+`, Values: serverAhead},
			{Field: `calls ExecuteWorkflow:LocalChainWorkflow`, Engine: `1`, Server: `2`},
		},
		EngineDoes: "reaches only scheduled activities with a worker shutdown; local activities run on, as the SDK's test " +
			"environment has no worker to stop, so each step of the chain runs once",
		ServerDoes: "stopping the worker cancels the local activity it is running (the step fails with \"context canceled\") " +
			"and loses the workflow task with it; the next worker runs the task again from the start, as no local activity " +
			"result was recorded, so the steps before the shutdown run a second time (calls #2)",
		Closing: "failing the workflow task a shutdown interrupts, and running it again on the next worker, which needs " +
			"an engine that replays workflow tasks",
	},
	{
		ID: "update-unfinished-at-cancel", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{Cancellation}, Scenarios: []string{"entity"},
		Match: []Pattern{
			{Field: `calls ExecuteUpdate:\w+=CanceledError`, Engine: `0`, Server: `1`},
			{Field: `properties broken`, Engine: `(.+, )?updates-finish-before-run-ends(, .+)?`, Server: `[a-z, -]*`,
				Values: withoutProperty("updates-finish-before-run-ends")},
		},
		EngineDoes: "ends the run when the workflow function returns the cancellation, before the update handler that the " +
			"same cancellation woke (its Hold activity's future failed) returns, so the update never finishes and " +
			"updates-finish-before-run-ends is broken",
		ServerDoes: "the worker's workflow task ran the update handler to its end with the cancellation, so the caller got " +
			"its CanceledError before the run closed",
		Closing: "running every coroutine the cancellation wakes before the engine takes the workflow's result; the SDK's " +
			"test environment stops at the root coroutine",
	},
	{
		ID: "child-close-unrecorded", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{Cancellation}, Scenarios: []string{"schedule"},
		Match: []Pattern{{Field: `activity schedule-.*/GenerateReport#\d+ attempt \d+ result`, Engine: `ok`, Server: `after-close:ok`}},
		EngineDoes: "records no close for a child still running when its parent is cancelled (the SDK's test environment " +
			"stops it without a result), so the child's running activity counts as ending while the child ran",
		ServerDoes: "cancelling the parent cancels the child, which closes at once; its running activity, which does not " +
			"heartbeat, ends after the child closed",
		Closing: "recording the cancellation and close of each child the engine stops with its parent",
	},
	{
		ID: "heartbeat-throttling-close", Cause: CauseEngine, Engines: engine1, Kinds: []PlanKind{Cancellation}, Timing: true,
		Match: []Pattern{{Field: `activity .* attempt \d+ result`, Engine: `after-close:ApplicationError`, Server: `after-close:ok`}},
		EngineDoes: "(a consequence of heartbeat-throttling) sends every heartbeat to the server, so the first one after " +
			"the workflow closed is answered with NotFound and the attempt ends with its context error",
		ServerDoes: "the SDK held that heartbeat back (one per 0.8 heartbeat timeouts), so the activity finished its work " +
			"before it learnt of the close",
		Closing: "the heartbeat batching that closes heartbeat-throttling",
	},
	{
		ID: "async-attempt-after-close", Cause: CauseHarness, Engines: engine1, Kinds: []PlanKind{Cancellation}, Scenarios: []string{"async-completion"},
		Match: []Pattern{{Field: `activity Authorize#\d+ attempt \d+ result`, Engine: `after-close:timeout:START_TO_CLOSE`, Server: `ApplicationError`}},
		EngineDoes: "records an attempt whose activity returned ErrResultPending as the server ends it; when the workflow " +
			"is cancelled and closes before the webhook comes, the webhook is answered NotFound and the engine keeps the " +
			"attempt until its start-to-close timeout, within the drain after the close",
		ServerDoes: "realserver records each attempt as the worker saw it end: the activity returned ErrResultPending, " +
			"which it records as an ApplicationError the instant the activity returned; the server drops the pending " +
			"attempt with the workflow's close and the late webhook is answered NotFound",
		Closing: "realserver noting the completions the server accepted through its client, as engine 2 does, and the " +
			"engine ending a pending attempt when its workflow closes",
	},
}
