// Package replaycorpus replays recorded workflow histories against the
// current workflow code, to catch nondeterministic changes before they
// reach production.
//
// A corpus is a directory of history files (JSON, as
// `temporal workflow show -o json` writes them) with a manifest.json that
// says, for each file, which workflow type and SDK and server versions made
// it, how it was made, and whether it is expected to replay cleanly or to
// fail with a given kind of nondeterminism.
//
// The package is split by concern:
//
//   - load.go: LoadHistory, ParseHistory and ReadHistory read every JSON
//     dialect real tools write and reject broken files with a *LoadError
//     that names the file and the problem.
//   - manifest.go: the Manifest format, read, validated and written
//     atomically.
//   - kind.go: Kind, the failure kinds, and Expectation ("pass", "fail"
//     or "fail:KIND").
//   - replayerror.go, classify.go, eventmatch.go: ReplayError and Classify,
//     which turns the SDK's nondeterminism messages into a Kind and the id
//     of the event concerned.
//   - message.go: the short message of a ReplayError: the history event
//     and the command the code issued, side by side.
//   - hint.go: a hint when a payload the data converter cannot decode
//     may be what failed the replay.
//   - replayer.go, batch.go: Replayer replays one history, a list of files,
//     a directory or a glob, several at a time, one Result per history in
//     input order, and Summarize counts them.
//   - converters.go: which of Options.Converters a file replays with (a
//     path option, the manifest entry, the manifest).
//   - resultcheck.go: checks of the replayed workflow's result (the
//     manifest's "result", Options.CheckResult) and Diff, which describes
//     a difference in one line with go-cmp.
//   - testhelper.go: Test, for go test: one subtest per history file.
//   - logger.go: keeps the SDK's log of each replay in its Result instead
//     of printing it.
//   - record.go: Record runs catalogue scenarios on a real Temporal server
//     (see package realserver) and writes their histories in the format of
//     `temporal workflow show -o json`, with manifest entries.
//   - record_sim.go: RecordSimulated writes the same corpus from engine-2
//     runs (sim.EngineServer), with no server, through Record's code.
//   - scenario.go: ScenarioOptions, the replay options for a history
//     recorded from a catalogue scenario (its workflows, data converter
//     and workflow id); CorpusRecordings, the runs the corpus records.
//
// The corpus itself is testdata/<scenario>/: recorded runs of every
// catalogue scenario, with and without faults. TestCorpusReplays replays
// them against today's scenarios; TestCorpusMutants replays them against
// incompatible and GetVersion-guarded changes. Regenerate it with
// go test ./replaycorpus -run TestRecordCorpus -record.
//
// In a user's test:
//
//	func TestReplay(t *testing.T) {
//		replaycorpus.Test(t, "testdata/histories", replaycorpus.Options{
//			Workflows: []any{OrderWorkflow},
//		})
//	}
package replaycorpus
