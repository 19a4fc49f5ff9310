package replaycorpus

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// EngineServerVersion is the server_version of a history RecordSimulated
// wrote: the run was served by temporalsim's in-process server (engine
// 2), not by a Temporal server.
const EngineServerVersion = "temporalsim engine 2 (in-process server, sim/server)"

// RecordSimulated records recs as Record does, from runs on engine 2
// (sim.EngineServer: the SDK's own client and worker against
// temporalsim's in-process server, in virtual time) instead of a real
// server: the same files under the same names, and manifest entries that
// differ in the server version (EngineServerVersion), in how the run was
// made (made_by names the engine, the seed and the plan) and in the note
// (outcome, events and virtual time, and any property the run broke, but
// no worker or replay counts). The
// same recordings give the same bytes on every call, as long as one
// scenario runs at a time, which is the default here: the SDK captures a
// panic's stack trace in one buffer shared by every worker of the process
// (stackBuf in go.temporal.io/sdk/internal), so two runs that panic at
// once can garble each other's, and the history keeps it. Engine 2 runs
// without a time scale, so Recording.Scale does not apply. Runs need a
// *testing.T for their bubbles (see sim.Run): the test's, or the simrun
// CLI's; each scenario's runs go in a subtest of t named after it. A run
// that engine 2 refuses (sim.ErrEngineLacksKind) or that does not close
// within its budget is not written; its Recorded has the error. The
// error is for failures writing files, or RecordOptions with Run set
// (it adjusts real-server runs only).
func RecordSimulated(t *testing.T, dir string, recs []Recording, opts *RecordOptions) ([]Recorded, error) {
	if opts == nil {
		opts = &RecordOptions{}
	}
	if opts.Run != nil {
		return nil, errors.New("replaycorpus: RecordOptions.Run adjusts real-server runs; engine 2 has none to adjust")
	}
	par := opts.Parallelism
	if par <= 0 {
		par = 1 // see above: parallel runs can garble panic stack traces
	}
	return recordAll(dir, recs, par, simRecorder{t: t})
}

// simRecorder runs recordings on engine 2.
type simRecorder struct{ t *testing.T }

func (sr simRecorder) lane(scenario string, body func(func(Recording) Recorded)) {
	sr.t.Run(scenario, func(t *testing.T) {
		body(func(rec Recording) Recorded { return runSimulated(t, rec) })
	})
}

// runSimulated runs rec on engine 2 under the workflow id a real-server
// recording has, and keeps the first run's history.
func runSimulated(t *testing.T, rec Recording) Recorded {
	done := Recorded{Recording: rec}
	res, err := sim.Run(t, rec.Scenario, rec.Seed, rec.Plan, &sim.Options{Engine: sim.EngineServer, WorkflowID: rec.WorkflowID()})
	done.Sim, done.Err = res, err
	if err != nil {
		return done
	}
	done.Outcome = res.Outcome
	for _, h := range res.Histories() {
		if h.WorkflowID == rec.WorkflowID() {
			done.History = h.History
			break
		}
	}
	if done.History == nil {
		done.Err = fmt.Errorf("%s %s: engine 2 kept no history of workflow %s", rec.Scenario.Name, rec.Label, rec.WorkflowID())
	}
	return done
}

func (simRecorder) entry(r Recorded) Entry {
	e := baseEntry(r, WorkflowType(r.History), r.Sim.ErrType)
	e.ServerVersion = EngineServerVersion
	e.MadeBy = fmt.Sprintf("recorded: scenario %s seed %d on engine 2 (the SDK's worker against temporalsim's in-process server, virtual time), %s",
		r.Scenario.Name, r.Seed, planWords(r.Plan))
	e.Note += fmt.Sprintf("; %s virtual", r.Sim.Elapsed.Round(1e6))
	if len(r.Sim.Violations) > 0 {
		var names []string
		for _, v := range r.Sim.Violations {
			names = append(names, v.Property)
		}
		e.Note += "; violated: " + strings.Join(names, ", ")
	}
	return e
}
