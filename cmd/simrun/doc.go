// Command simrun runs temporalsim's scenario catalogue from the command
// line: it lists scenarios, runs and renders one seed, swarms many seeds
// in parallel, shrinks a failing plan, replays recorded histories and
// measures the engine.
//
//	simrun -h                           # the commands
//	simrun swarm                        # every scenario, 50 seeds each: the first command to try
//	simrun list [-bugs]
//	simrun run SCENARIO -seed N [-plan FILE] [-engine E] [-trace FILE] [-html FILE] [-history DIR] [-json]
//	simrun swarm [-scenario NAME|all] [-bugs] [-seeds N | -duration D] [-start S]
//	             [-shard I/N] [-parallel P] [-check-determinism] [-engine E] [-out DIR [-html]] [-v] [-json]
//	simrun shrink SCENARIO -seed N [-plan FILE] [-engine E] [-out FILE] [-json]
//	simrun replay PATH... [-json]
//	simrun record SCENARIO...|all [-engine server | -server PATH | -address HOST:PORT] -out DIR
//	simrun bench [-json]
//
// Every command takes -h. The exit status is 0 when everything held, 1
// when a property failed (or a replay was not what its manifest expects,
// or a determinism check found two traces that differ), and 2 for bad
// usage or bad input, with a one-line reason on standard error.
//
// # Same seed, same trace
//
// simrun runs each simulation through sim.Run on a *testing.T made
// outside go test (internal/host), the same code go test runs, so
// `simrun run S -seed N` prints the trace (and
// trace_sha256) that a test running sim.Run on S's swarm plan for seed N
// gets. A seed names its plan: without -plan, run, swarm and shrink use
// the plan the scenario's profile draws for the seed, aimed by the seed's
// fault-free baseline run (sim.DrawSwarmPlanOn), and run prints the swarm
// configuration it was drawn from.
//
// # Engines
//
// -engine chooses what runs the workflows: testenv (engine 1, the SDK's
// test environment, the default) or server (engine 2, a real SDK client
// and worker against an in-process Temporal server). Plans are drawn from
// engine 1's fault-free run on both, so a seed names the same plan on
// each, except that on engine 2 it may add faults of the kinds only
// engine 2 carries out (cache-eviction, workflow-task-failure,
// workflow-task-timeout), after engine 1's. Engine 2 keeps real histories: run -history DIR writes one file
// per workflow run (children and continue-as-new runs included), named
// NN-WORKFLOWID-RUNID.json in the order the runs started, in the format
// `temporal workflow show -o json` writes; run -json adds history_events
// and history_sha256 (over deterministic binary protobuf, not JSON text).
// Engine 2 refuses a plan with a fault kind it does not carry out yet: run,
// shrink and swarm then exit 2 with one line naming the kind, never a
// property failure.
//
// # Nightly CI
//
// Shard a long swarm across jobs with -shard I/N: seed s belongs to shard
// ((s-start) mod N)+1, so the jobs together run exactly the seeds of one
// unsharded run. -duration time-boxes a job instead of counting seeds.
// -night N (the CI run number) starts at night N's own range of 2^20
// seeds, so each night runs seeds no other night ran. -exhaustive runs
// each scenario's small-scope plans (every single fault, then pairs)
// against the baseline of -seed, with -start, -seeds and -shard counting
// plans instead of seeds.
// -out DIR keeps one plan file per failing seed, named
// <scenario>-<seed>.plan, whose comment header gives the command that
// reproduces it; upload DIR as the job's artifact. Progress goes to
// standard error: a bar on a terminal, a plain line every tenth of the way
// in a log. The first Ctrl-C stops feeding seeds; the running ones finish
// and the report covers what ran.
//
// # Your own scenarios
//
// The catalogue is only what this binary was built with. To run, swarm,
// shrink and replay your own scenarios, build your own simrun: a main
// package that hands them to cli.Main. Nothing needs registering anywhere
// else, and the traces match those of your go test, because both call
// sim.Run.
//
//	// cmd/mysim/main.go
//	package main
//
//	import (
//		"github.com/temporalsim/temporalsim/cmd/simrun/cli"
//		"github.com/temporalsim/temporalsim/replaycorpus"
//		"github.com/temporalsim/temporalsim/sim"
//
//		"example.com/shop/orders"
//	)
//
//	func main() {
//		cli.Main(cli.Config{
//			Command:   "go run ./cmd/mysim", // how repro lines name it
//			Scenarios: []*sim.Scenario{orders.Scenario(), orders.BuggyScenario()},
//			// Optional: what replay registers (the default registers what
//			// the scenarios' Setup functions register).
//			Replay: &replaycorpus.Options{Workflows: []any{orders.OrderWorkflow}},
//		})
//	}
//
// Then `go run ./cmd/mysim swarm -seeds 500`, and any failure it prints is
// reproduced by the line it gives, for example
// `go run ./cmd/mysim run orders/bug-double-charge -seed 41`.
// testdata/ownmain is a complete example; the tests build and run it.
//
// # Replay
//
// replay takes history files, directories (every *.json under them, with
// each directory's manifest.json saying what to expect) and glob patterns.
// Without Config.Replay, a history recorded by simrun record (workflow id
// "<scenario>-<seed>", of a type that scenario registers) replays with its
// scenario's recorded options (replaycorpus.ScenarioOptions:
// registrations, the data converter with the seed's keys, interceptors).
// Any other history is taken to be the user's and replays against no
// workflow, so it reports unregistered-workflow-type and how to register
// it: a user's workflow that shares a name with a catalogue workflow is
// not replayed against the catalogue's code. With -catalogue such
// histories replay against every workflow the scenarios' Setup functions
// register, children and named registrations included, with the data
// converter and interceptors of the scenario that registers the type.
//
// # Record
//
// record runs each scenario's standard recordings (no faults, one fault of
// each kind its profile lists, its messages, two swarm plans;
// replaycorpus.CorpusRecordings) against a real Temporal server and writes
// DIR/SCENARIO/LABEL.json with a manifest.json; simrun replay DIR replays
// them; all records every scenario without a planted bug. The dev server
// comes from the temporal CLI (-server, TEMPORAL_CLI or PATH;
// scripts/install-temporal-cli.sh installs the pinned version), or use
// -address for a running server. With -engine server the runs go on
// engine 2 instead (replaycorpus.RecordSimulated), with no server: the
// same layout, manifests whose server_version and made_by name engine 2,
// the seed and the plan, and the same bytes on every record. -engine
// testenv is refused: engine 1 keeps no histories.
package main
