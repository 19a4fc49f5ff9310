// Package sim is the deterministic simulation engine: it runs one scenario
// under one fault plan and one seed, on virtual time, and returns the
// outcome, the trace and the property violations.
//
// # What a run is
//
// Run opens a testing/synctest bubble and runs the SDK's
// TestWorkflowEnvironment inside it. In the bubble every wall-clock wait
// (timers, tickers, context deadlines) is virtual and skips ahead as soon
// as every goroutine is blocked, so a run that spans a simulated year takes
// milliseconds. Activity code gets the same clock through World.Clock, a
// github.com/benbjohnson/clock Clock (production code passes clock.New()).
//
// # Determinism
//
// The same scenario, seed and plan give the byte-identical trace under any
// GOMAXPROCS, with or without -race, under go test or in a plain program
// such as the simrun CLI (TestHostMatchesGoTest):
//
//   - Everything random comes from Seed.Stream(name), one PCG stream per
//     consumer.
//   - Workflow time equals activity time after every step (clocksync.go):
//     the environment's mock clock is slaved to the bubble's clock.
//   - Activities that finish at the same virtual instant are released to
//     the workflow in key order, never goroutine order (gate.go), and every
//     decision the engine takes about an attempt is taken after the bubble
//     settles, from virtual time and state alone (attempt.go).
//   - Events from activity goroutines are buffered per activity and placed
//     when the engine releases it; the trace is finally sorted by virtual
//     time, stably.
//   - A run stopped by its virtual-time budget (or at the end of the
//     drain, see DrainLimit) ends every attempt still running as run-over,
//     decided from virtual time: a heartbeat, a result or a retry at the
//     same instant does not change how the run ends.
//
// # What the engine emulates
//
// The SDK test environment departs from a real server in ways that matter
// for fault testing. The engine plays the server for activities instead:
//
//   - Retries follow the server's defaults (unlimited attempts, maximum
//     interval 100x the initial one), not the test environment's (ten
//     attempts, maximum interval equal to the initial one).
//   - A heartbeat without details (activity.RecordHeartbeat(ctx)) resets
//     the heartbeat timeout like any other; as on a server, the next
//     attempt then finds no heartbeat details.
//   - Start-to-close, schedule-to-close and heartbeat timeouts end the
//     attempt at the deadline and are retried as a server retries them;
//     the test environment only marks a timeout when the activity returns,
//     and never retries one.
//   - A workflow's cancellation request reaches an activity with its next
//     heartbeat, as the server's heartbeat response carries it; the test
//     environment never cancels the activity's context. An activity that
//     does not heartbeat never learns of it.
//   - A worker shutdown (worker-shutdown) is worker.Stop: the worker stop
//     channel closes, running attempts get the grace period to finish,
//     then their contexts are cancelled (cause: the worker's shutdown, not
//     a CanceledError), and each attempt still reports how it ended; the
//     context's error is a retryable failure, retried after the backoff on
//     the next worker. A worker crash (worker-crash) is the process dying:
//     the running attempts' heartbeats and results never reach the
//     server, which notices through their heartbeat or start-to-close
//     timeouts and then retries on the next worker. realserver carries out
//     both on a real worker, and docs/conformance.md compares shutdowns.
//   - When the workflow closes, running activities get DrainLimit of
//     virtual time to end; none is retried. As on a server, their tasks
//     are gone: the next heartbeat is answered with NotFound, which the SDK
//     turns into a context cancellation whose cause is not a
//     CanceledError, so the activity's context error ends the attempt as
//     a plain failure (the server rejects it). An activity that does not
//     heartbeat runs to its end.
//
// When a run cannot be ended because goroutines of the SDK test
// environment or of the engine itself are left blocked, Run returns an
// error that says so, naming where they wait; it does not report the
// scenario's code. A run whose own code is left waiting (an activity that
// ignores its context) still panics with synctest's deadlock message.
//
// docs/conformance.md compares the engine with a real dev server, scenario
// by scenario, and explains every difference found.
//
// Not emulated by engine 1 (engine 2, Options.Engine = EngineServer, runs
// the real worker and does these as it does them): workflow replay after a
// worker restart, a deploy, a cache eviction or a failed or timed-out
// workflow task (the test environment never replays, so engine 1 refuses
// the deploy, cache-eviction, workflow-task-failure and
// workflow-task-timeout kinds with ErrEngineLacksKind, and never draws
// them), WaitForCancellation on activities (the
// test environment reports the cancellation to the workflow at once),
// schedule-to-start timeouts, heartbeat throttling, the activity retry
// state on errors (RetryState is unspecified), and continue-as-new of the
// workflow under test (its run ends with Outcome ContinuedAsNew). A child
// workflow that continues as new does run its whole chain: the test
// environment starts each next run as the same child, the parent gets the
// last run's result, and the engine ends every run's goroutines with the
// run.
//
// # Files
//
// seed.go (streams), plan.go and plan_parse.go (faults as data),
// profile.go (what faults apply; swarm configurations), scenario.go and
// world.go (what users write against), run.go (Run), inject.go (timed
// faults), workflow.go, activity.go and attempt.go (the interceptors that
// play the server), gate.go, clocksync.go (the one file that reads the
// SDK's internals), trace.go, records.go, emit.go, divergence.go (what
// differed between two traces, and whose fault), deadlock.go (runs the
// engine could not end), baseline.go, land.go and aim.go (fault-free
// baselines, the plans they aim, and what a plan's earlier faults leave
// for the next to land on), exhaustive.go (small-scope plans),
// complete.go (async activity completion: World.CompleteActivity), with
// complete_testenv.go (engine 1 answers it as the server) and
// engine2_complete.go (engine 2 sends it to its server). engines.go and
// engine_refuses.go (choosing an engine; the kinds each engine carries out),
// engine2*.go (engine 2's driver, its faults, workers, timed calls and
// trace; engine2_nondet.go stops a run at a workflow task that fails for
// nondeterminism, engine2_deploy.go puts Scenario.Deploy in place at a
// deploy fault, engine2_replay.go carries out the replay kinds), faultmatch.go (which call, attempt and window a fault hits, for
// both engines), history.go (Result.Histories and their hash), oracle.go
// (the replay oracle).
// docs/architecture.md describes the engine as a whole.
package sim
