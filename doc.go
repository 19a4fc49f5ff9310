// Package temporalsim is deterministic simulation testing for Temporal
// workflows written with the Temporal Go SDK.
//
// The module is split by concern:
//
//   - sim: the engine. One seed with named random streams, one virtual
//     clock shared by workflow and activity code, the fault plan as data,
//     the JSON-lines trace, and Run, which executes one scenario under one
//     plan inside a testing/synctest bubble on the SDK test environment.
//   - fakes: deterministic stand-ins for the services activities call,
//     driven by the sim clock and seed, usable with the real clock too.
//   - scenarios: the catalogue of workflow patterns, each with its
//     properties, fault profile and planted-bug variants.
//   - harness: what a user calls from go test: rapid-driven fault plans,
//     the property library, shrinking and reproduction commands.
//   - replaycorpus: recorded histories, the batch replayer and the
//     recorder that makes histories against a real Temporal server.
//   - cmd/simrun: the command-line interface.
package temporalsim
