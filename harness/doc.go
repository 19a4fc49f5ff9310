// Package harness is what a user calls from go test: property-based fault
// checks of a scenario on pgregory.net/rapid, shrinking, one-line
// reproduction, and the property library.
//
// A check in a user's _test.go file:
//
//	func TestCheckout(t *testing.T) {
//		harness.Check(t, &sim.Scenario{
//			Name:    "checkout",
//			Profile: sim.Profile{Kinds: []sim.Kind{sim.ActivityError, sim.WorkerShutdown}, Activities: []string{"Charge"}},
//			Setup: func(w *sim.World) sim.Case {
//				w.RegisterWorkflow(CheckoutWorkflow)
//				w.RegisterActivity(&Activities{Clock: w.Clock()})
//				return sim.Case{Workflow: CheckoutWorkflow, Args: []any{"order-1"}}
//			},
//			Properties: append(harness.Safety(), harness.Outcomes(sim.Completed, sim.Failed)),
//		})
//	}
//
// Check replays the plans earlier failures saved under
// testdata/temporalsim/<Test>/, then runs the small-scope phase (a
// fault-free baseline run, then every single-fault plan the profile
// allows against it, then pairs; see Exhaustive), then lets rapid
// generate fault plans (a seed, a swarm configuration of fault kinds,
// then the faults, aimed by the seed's baseline run) for the rest of the
// budget. Its closing line says how many planned faults fired and how
// much of the small-scope list ran.
// When a property fails (or the run panics, see RunPanicked), it shrinks
// the plan (rapid, then Shrink, then a bounded search for the same
// failure with fewer faults), saves it, and fails the test with the
// property, the plan, a trace excerpt and the commands that reproduce it:
//
//	go test ./pkg -run '^TestCheckout$' -rapid.seed=1234
//	go test ./pkg -run '^TestCheckout$' -sim.seed=3 -sim.plan=testdata/temporalsim/TestCheckout/NAME-3.plan
//	go run ./cmd/simrun run NAME -seed 3 -plan pkg/testdata/temporalsim/TestCheckout/NAME-3.plan
//
// (the simrun line for catalogue scenarios only). The second line reruns
// the reported run trace for trace; add -sim.trace or -sim.html to it to
// keep the trace or draw the timeline.
//
// Flags and environment (they win over options, so CI can scale every
// check at once):
//
//	-sim.checks N             SIM_CHECKS             plans per Check (default 100, 20 with -short)
//	-sim.seed S               SIM_SEED               run only seed S's swarm plan, as simrun run -seed S
//	-sim.checkdeterminism     SIM_CHECK_DETERMINISM  run every plan twice and diff the traces
//	-sim.engine E             SIM_ENGINE             run the plans on engine E: testenv (default) or server
//
// Plans are drawn from a fault-free run on engine 1 whatever the engine,
// so a seed names the same plan on both, except that on engine 2 it may
// add faults of the kinds only engine 2 carries out (the replay kinds:
// cache-eviction, workflow-task-failure, workflow-task-timeout); engine 1
// never draws them. Engine 2 (server) refuses a plan
// with a fault kind it does not carry out yet: Check then fails with an
// error that names the kind, never with a property violation.
//
// The test binary is also a simrun of its own for the scenarios in the
// test files (flags only):
//
//	-sim.plan FILE     run this plan file (a saved plan; simrun's plan text with -sim.seed)
//	-sim.swarm N       run the swarm plans of N seeds from -sim.seed (default 1), stop at the first failure
//	-sim.shrink        shrink a failure of -sim.seed, -sim.plan or -sim.swarm (a search always shrinks)
//	-sim.trace FILE    write the trace (JSON lines) of the named run or of the failure
//	-sim.html FILE     write the HTML timeline of the named run or of the failure
//	-sim.v             log the readable trace of every plan run (shrinking's candidates aside; with -v)
//
// A failure of -sim.seed, -sim.plan or -sim.swarm is reported as it ran,
// so its go test line reruns it trace for trace.
//
// rapid's own flags apply too: -rapid.seed and -rapid.failfile reproduce
// a search, -rapid.v shows every draw. -rapid.checks does not apply: use
// -sim.checks.
//
// Find is Check without failing the test: it returns the Failure. Shrink
// is the deterministic shrinker the simrun CLI shares.
//
// The package map:
//
//	check.go    Check and Find: replay saved plans, search, conclude
//	rapid.go    the rapid search and the TB that keeps rapid's failure for the report
//	rapidflags.go  all the harness knows of rapid's internals: flags, -short, messages
//	gen.go      Swarm, Plans and PlansFrom, rapid generators of configurations and plans
//	exhaustive.go  the small-scope phase, baselines, fired-fault counts
//	shrink.go   Shrink, deterministic delta debugging of a failing plan
//	fewer.go    the search for the same failure with fewer faults
//	report.go   Failure, its report, trace excerpts, reproduction commands
//	persist.go  plan files: saving, replaying, reading
//	options.go  Option values, -sim.* flags and SIM_* variables
//	repro.go    module root, package path and simrun invocation for commands
//	props.go    the property library: Safety, Outcomes, Terminates, ...
//	props_order.go    Ran, NeverRan, Before (Started, Succeeded, EveryAttempt), CompensationsInReverse
//	props_effects.go  AtMostOncePerKey, EndedWithin, RejectedUpdateLeavesState
//	heartbeat.go      TrackHeartbeats and RetryResumedFromHeartbeat
//	runflags.go direct.go  -sim.plan, -sim.swarm, -sim.shrink and the runs they name
//	output.go   -sim.trace, -sim.html, -sim.v
//	commands.go diff.go  the -sim.plan repro line; go-cmp diffs of diverging traces
//	interceptors*.go  interceptor properties, VerifyInterceptors and CheckInterceptors
package harness
