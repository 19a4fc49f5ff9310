// Package conformance measures the engines' fidelity: it runs a catalogue
// scenario under a fault plan on each engine (sim.Run with engine 1, the
// SDK's test environment, and engine 2, the SDK's worker against the
// in-process server) and on a real Temporal server (realserver.Run, sped
// up), observes all of them the same way, and compares each engine's run
// with the real one. docs/conformance.md is its table, both engines side
// by side.
//
// # A row
//
// Rows builds, for one scenario, a plan of each PlanKind (no faults, an
// activity error, a heartbeat loss, a workflow cancellation, a worker
// shutdown, a start-to-close hang, a child failure, signals and updates)
// from the scenario's profile and its fault-free engine run: the targets
// are what the scenario actually schedules, and timed faults land in the
// widest gap between activity starts and ends, far enough from both that
// the server's latencies cannot move them across one. Every scenario runs
// the required kinds (RequiredKinds: no faults, an activity error, a
// heartbeat loss, a cancellation, a worker shutdown), on a copy of the
// scenario whose profile allows the fault where its own does not; such a
// row (OutsideProfile) compares which properties each side broke instead
// of requiring them to hold. A scenario whose fault-free run schedules no
// activity (an entity) gets those plans on top of its signals-updates
// plan. Another kind the profile does not allow is a row marked not
// applicable, with the reason.
//
// Runner.Run runs a row on each engine and the server with a recording
// interceptor added after the scenario's own (recorder.go): it sees each
// activity attempt as user code does, with the heartbeat details it was
// handed, and counts the workflow calls that were not replays. An engine's
// side of an Observation comes from its activity records and trace
// (engine.go; engine 2 derives both from its server's histories); the
// server's from the workers, the run's histories and its children's
// (server.go, history.go), where the history names the server's result of
// an activity's last two attempts and earlier timeouts are inferred. The
// real run is also turned into a sim.Result (events.go) and held to the
// scenario's properties, except those that assert exact timings
// (TimingLimits).
//
// An engine that does not carry out a fault kind of the row's plan yet
// (engine 2 refuses such plans; sim.Engine.Refuses) does not run it: its
// side of the row is "not run", counted apart and never as agreement.
//
// Compare lists the differences; KnownDifferences explains the understood
// ones: what the engine does, what the server does, and whether the
// engine now emulates the server. A live entry explains a difference only
// when the engine, its row's kind and scenario, its field and both values
// match the entry's; most entries name engine 1 alone, as they come from
// the SDK's test environment. An emulated entry explains nothing. A
// difference no entry explains fails TestConformance, and so does one an
// emulated entry's patterns match (the emulation broke).
// TestKnownAgainstLastTable, which needs no server, holds the entries to
// docs/conformance.md: each of its differences explained by the same
// entry, and every live entry explaining one on each engine that ran a
// row it applies to.
//
// # History shapes
//
// Engine 2 keeps real histories. For each scenario's fault-free row, the
// event types of its histories in order (the first workflow run and the
// children it started; ids, times, identities and task queues left out)
// must equal the dev server's (shapes.go), once the workflow task splits
// that latency decides are merged (alignSplits); a difference fails the row
// unless shapeExceptions lists the scenario with its reason. -update also
// records the server's shapes in testdata/server-shapes.txt, and
// TestEngine2ShapesAgainstRecorded holds engine 2 to them without a
// server.
//
// # Running it
//
//	go test ./conformance -run TestConformance           # needs the temporal CLI
//	go test ./conformance -run TestConformance -update   # rewrites docs/conformance.md
//
// The test finds the CLI in $TEMPORAL_CLI, .tools/bin/temporal (where
// scripts/install-temporal-cli.sh installs it) or on PATH, and fails when
// there is none. It runs the rows ten at a time against one dev server,
// with a namespace per plan kind so that a scenario's rows, which share
// workflow ids, can run at once.
//
// A real run is sped up, so the server's latencies, which grow with the
// machine's load, count as that many times more virtual time. A row whose
// real run is unsettled (an unexplained difference, a broken property, a
// failed run, or a matrix cell other than the last table's) therefore
// runs once more on the server at a third of its speed-up, and that run
// counts; one the second run leaves unsettled runs a third time, alone, at
// a third of that. The table's row says what the first run showed. A difference the
// engine causes shows at both speeds and still fails. Then the table's
// Counts, Matrix and History shapes sections must equal
// docs/conformance.md's: the test fails with their diff otherwise.
//
// # Files
//
// plans.go and plans_build.go (rows), timeline.go (what a fault-free run
// shows), runner.go, recorder.go, observe.go, engine.go, server.go,
// history.go, events.go and props.go (running and observing), shapes.go
// (history shapes), compare.go,
// known.go and known_list.go (the explanations), table.go
// (docs/conformance.md).
package conformance
