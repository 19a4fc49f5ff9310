// Package realserver runs catalogue scenarios against a real Temporal
// server, on a real worker, and returns the workflow's history and what
// was observed. The replay corpus is recorded with it, and a conformance
// runner compares the engine with it.
//
// A Server is a dev server started from the temporal CLI (Start; the
// binary comes from ServerOptions.CLI, $TEMPORAL_CLI or PATH, see
// FindCLI) on a free loopback port, in memory, without UI, and tuned so
// that its timer and transfer queues react within milliseconds; or an
// existing server (ServerOptions.Address). The CLI stays a binary this
// package runs: the server's dependencies never enter this module.
//
// Run runs one scenario under one seed and plan:
//
//   - The scenario's Setup runs on a sim.World (sim.NewWorld) whose
//     registrations are kept (Registrations) and applied to every worker
//     incarnation; the client uses the World's data converter, the worker
//     its interceptors between the runner's own (interceptors.go).
//   - Time is scaled by a factor K (RunOptions.Scale, DefaultScale): the
//     innermost workflow outbound interceptor divides timers, activity and
//     child timeouts and retry intervals by K (scale.go), and the World's
//     clock is a ScaledClock, so activity code that waits minutes takes
//     milliseconds. Replay compares neither timer nor timeout durations,
//     so the histories replay against the unmodified code; workflow.Now is
//     left real because replay feeds it back.
//   - Activity faults (error, panic, latency, start-to-close timeout,
//     heartbeat loss, schedule-to-close expiry, local activity error) are
//     carried out by the innermost activity interceptor, keyed by activity
//     type, call number (read from the run's history) and attempt;
//     child-workflow failures by the child's workflow interceptor
//     (inject.go). Cancellation, signals, updates and queries go through
//     the client at their scaled times; a worker shutdown stops the worker
//     (its stop timeout is the fault's grace period) and starts a new one,
//     which has no cached state and replays the workflow (execute.go).
//   - When the run's workflow has closed, the attempts still running get
//     sim.DrainLimit of virtual time (at most 10 seconds of real time) to
//     end before the workers stop, as the engine gives them: they learn of
//     the close when the server answers their next heartbeat with
//     NotFound, or finish their work.
//   - The Result has the first execution's history (every event), its
//     outcome read from the close event, named as the engine names
//     outcomes and errors, every activity attempt a worker ran, what
//     became of each timed fault, and how many worker incarnations and
//     replays there were.
//
// Runs are timed against a real server and are not deterministic; what
// they produce is real. Files: server.go (the dev server), run.go and
// execute.go (a run), scale.go and clock.go (time scaling), inject.go
// (faults), interceptors.go, observe.go (attempts), history.go (outcome),
// register.go (registrations).
package realserver
