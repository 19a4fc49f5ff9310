// Package scenarios is the catalogue of workflow patterns temporalsim runs
// out of the box: Go versions of what Temporal users write (activity
// choice, fan-out, cancellation with cleanup, sagas, entities, polling,
// codecs, ...), each with its fault profile and properties, and with
// planted-bug variants that prove the properties catch real mistakes.
//
// Each scenario lives in one file that reads top to bottom: the workflow,
// its activities, and a register call in init. Shared plumbing lives in
// plumbing.go. To write your own scenario, copy a file and build a
// sim.Scenario the same way; it does not need to be registered here.
package scenarios
