// Package temporalsim is deterministic simulation testing for Temporal
// workflows written with the Temporal Go SDK.
//
// The module is split by concern:
//
//   - sim: the engine. One seed with named random streams, one virtual
//     clock shared by workflow and activity code, the fault plan as data,
//     the JSON-lines trace, and Run, which executes one scenario under one
//     plan inside a testing/synctest bubble: on the SDK test environment
//     (engine 1, the default) or, with Options.Engine = EngineServer, on a
//     real SDK client and worker against sim/server (engine 2), whose
//     histories the replay oracle replays after each run, and which stops
//     a run at a workflow task that fails for nondeterminism when a worker
//     replays during it (after a crash, or a deploy of Scenario.Deploy).
//   - sim/server: engine 2's in-process Temporal server on the bubble's
//     virtual clock, deterministic, with real histories.
//   - fakes: deterministic stand-ins for the services activities call,
//     driven by the sim clock and seed, usable with the real clock too;
//     interceptor probes and reference interceptors.
//   - scenarios: the catalogue of workflow patterns, each with its
//     properties, fault profile and planted-bug variants.
//   - harness: what a user calls from go test: rapid-driven fault plans,
//     the property library, shrinking and reproduction commands, and
//     interceptor verification.
//   - replaycorpus: recorded histories, the batch replayer with typed
//     nondeterminism errors, and the recorder that makes histories against
//     a real Temporal server or on engine 2 (see docs/architecture.md,
//     "The replay corpus").
//   - realserver: runs a scenario on the Temporal CLI's dev server, with
//     scaled time and real worker restarts, for the recorder and for
//     conformance.
//   - conformance: runs the same scenario and plan on both engines and on
//     the dev server and compares what they observe, and engine 2's
//     histories with the server's (docs/conformance.md).
//   - cmd/simrun: the command-line interface (cmd/simrun/cli is the
//     library a user's own simrun is built from).
package temporalsim
