package conformance

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

// Runner runs conformance rows: each row's scenario and plan on the
// engine and on a real server, observed the same way, then compared.
type Runner struct {
	// Server is the server a row's real run uses. Rows that may run at
	// the same time with the same workflow ids (a scenario's rows) need
	// servers with different namespaces.
	Server func(Row) *realserver.Server
	// Seed is the seed of every run (default 1).
	Seed sim.Seed
	// Timeout is the wall-clock budget of a real run (default a minute).
	Timeout time.Duration
	// Log receives the real workers' SDK warnings and errors; nil discards
	// them.
	Log io.Writer
}

// MinTimeout is the least real time a real run's activity timeouts,
// heartbeat timeouts included, are scaled down to (realserver's defaults
// are 500ms, and 1s for heartbeat timeouts). The SDK sends heartbeats at
// most every 0.8 heartbeat timeouts, so a heartbeat timeout of 1s leaves
// 200ms for a heartbeat to reach the server, which a loaded machine (the
// whole test suite under the race detector) misses: attempts then time
// out on heartbeats that were sent; 3s leaves 600ms. And an attempt's start-to-close timeout runs
// from the moment the server hands the task to a worker, while
// realserver's fault injector first reads the workflow's history (under a
// lock shared by all activities) to number the call, which on a loaded
// machine can outlast 500ms. A timeout that is meant to fire lasts at
// least this long, which only moves its retry later in virtual time.
const MinTimeout = 3 * time.Second

// RowResult is what a row's run on one engine and its real run showed
// and how they compare. A row has one per engine; both share the real run.
type RowResult struct {
	Row
	// On is the engine. NotRun, when set, is the fault kind of the row's
	// plan that On does not carry out yet (sim.Engine.Refuses): the row did
	// not run there, is counted apart, and never counts as agreement.
	On             sim.Engine
	NotRun         sim.Kind
	Engine, Server *Observation
	// Diffs lists every difference; Explained holds, for each, the known
	// difference that explains it (nil when none does).
	Diffs     []Diff
	Explained []*Known
	// EngineViolations are properties the engine run broke.
	EngineViolations []sim.Violation
	// ServerViolations are properties the real run broke that no known
	// timing limit explains; Unchecked are those a limit explains. A row
	// outside the scenario's profile compares the two lists (a "properties
	// broken" difference) instead of requiring both to be empty.
	ServerViolations, Unchecked []sim.Violation
	// Workers, Replays and Scale describe the real run; ServerAttempts
	// lists its activity attempts, one a line, for reading a difference.
	Workers, Replays int
	Scale            float64
	ServerAttempts   []string
	// EngineShapes and ServerShapes are the event types of each history
	// of the run, the first workflow run and its children (history
	// shapes, shapes.go); EngineShapes is nil on engine 1, which keeps no
	// history.
	EngineShapes, ServerShapes []HistoryShape
	// FirstRun, when the row's real run ran again slower because the
	// first was unsettled, says what the first showed.
	FirstRun string
}

// Agrees reports whether both runs showed the same: an engine that did not
// run the row does not agree.
func (r *RowResult) Agrees() bool { return r.NotRun == "" && len(r.Diffs) == 0 }

// EngineRun is a row's run on one engine, or, in NotRun, the fault kind
// that engine does not carry out yet.
type EngineRun struct {
	Engine sim.Engine
	Result *sim.Result
	NotRun sim.Kind
}

// stableIDs lists, once each and in order, the ids of the known
// differences that explain r's differences ("unexplained" for those none
// does), leaving out the timing-dependent ones (Known.Timing) when timing
// is false and keeping only those when it is true.
func (r *RowResult) stableIDs(timing bool) []string {
	var ids []string
	for i := range r.Diffs {
		k := r.Explained[i]
		if (k != nil && k.Timing) != timing {
			continue
		}
		if id := knownID(k); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// Unexplained lists the differences no known difference explains.
func (r *RowResult) Unexplained() []Diff {
	var out []Diff
	for i, d := range r.Diffs {
		if r.Explained[i] == nil {
			out = append(out, d)
		}
	}
	return out
}

func (rn *Runner) seed() sim.Seed {
	if rn.Seed == 0 {
		return 1
	}
	return rn.Seed
}

// Baseline runs sc without faults on the engine, instrumented as rows
// are: Rows builds plans from it.
func (rn *Runner) Baseline(t *testing.T, sc *sim.Scenario) (*sim.Result, error) {
	return sim.Run(t, instrument(sc), rn.seed(), sim.Plan{}, nil)
}

// Rows builds sc's rows (see Rows) from its fault-free run on the engine,
// which it returns too, and, when that run schedules no activity, from
// its run under the signals-updates plan.
func (rn *Runner) Rows(t *testing.T, sc *sim.Scenario) ([]Row, *sim.Result, error) {
	base, err := rn.Baseline(t, sc)
	if err != nil {
		return nil, nil, err
	}
	var busy *sim.Result
	if tl := timelineOf(base); len(tl.attempts) == 0 {
		if msgs := messagesRow(sc, tl); msgs.NotApplicable == "" {
			if busy, err = sim.Run(t, instrument(sc), rn.seed(), msgs.Plan, nil); err != nil {
				return nil, nil, err
			}
		}
	}
	return Rows(sc, base, busy), base, nil
}

// Run runs one row on each engine and on the server and compares each
// engine's run with the real one, engine 1 first. The error is for
// infrastructure failures (the server, a history that cannot be read);
// what the runs did is in the results.
func (rn *Runner) Run(ctx context.Context, t *testing.T, row Row) ([]*RowResult, error) {
	if row.NotApplicable != "" {
		return nowhere(row), nil
	}
	runs, err := rn.Engines(t, row)
	if err != nil {
		return nil, err
	}
	return rn.RunServer(ctx, row, runs)
}

// nowhere is a row that runs on no engine, once per engine.
func nowhere(row Row) []*RowResult {
	var out []*RowResult
	for _, e := range sim.Engines() {
		out = append(out, &RowResult{Row: row, On: e})
	}
	return out
}

// Engines runs a row on each engine (sim.Engines), observed as Compare
// observes it. An engine that does not carry out a fault kind of the
// row's plan yet is not asked to: its EngineRun names the kind.
func (rn *Runner) Engines(t *testing.T, row Row) ([]EngineRun, error) {
	var out []EngineRun
	for _, e := range sim.Engines() {
		if k, refused := e.Refuses(row.Plan); refused {
			out = append(out, EngineRun{Engine: e, NotRun: k})
			continue
		}
		er, err := sim.Run(t, instrument(row.Scenario), rn.seed(), row.Plan, &sim.Options{Engine: e})
		if err != nil {
			return nil, fmt.Errorf("%s on engine %s: %w", row.Name(), engineNum(e), err)
		}
		out = append(out, EngineRun{Engine: e, Result: er})
	}
	return out, nil
}

// engineNum is how the table names an engine: 1 or 2.
func engineNum(e sim.Engine) string {
	if e == sim.EngineServer {
		return "2"
	}
	return "1"
}

// RunServer runs a row on the server and compares the run with each of
// the row's engine runs (from Engines). Engine runs are CPU-bound and real
// runs latency-bound, so a caller with many rows runs the engines' first.
func (rn *Runner) RunServer(ctx context.Context, row Row, runs []EngineRun) ([]*RowResult, error) {
	if row.NotApplicable != "" {
		return nowhere(row), nil
	}
	srv := rn.Server(row)
	rr, err := realserver.Run(ctx, srv, realserver.RunOptions{Scenario: instrument(row.Scenario), Seed: rn.seed(), Plan: row.Plan,
		Scale: row.Scale, WorkflowID: row.Scenario.Name, Timeout: rn.Timeout, Log: rn.Log, MinTimeout: MinTimeout, MinHeartbeatTimeout: MinTimeout})
	if err != nil {
		return nil, fmt.Errorf("%s on the server: %w", row.Name(), err)
	}
	c, err := srv.Dial(ctx, client.Options{})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	sr, err := readServerRun(ctx, c, rr)
	if err != nil {
		return nil, fmt.Errorf("%s: reading the real run: %w", row.Name(), err)
	}
	base := RowResult{Row: row, Server: sr.obs, Workers: rr.Workers, Replays: rr.Replays, Scale: rr.Scale, ServerShapes: serverShapes(sr.hists)}
	for _, a := range sr.view.Activities {
		for _, at := range a.Attempts {
			base.ServerAttempts = append(base.ServerAttempts, fmt.Sprintf("%s %s#%d attempt %d on worker %d, %s to %s: %s",
				a.Workflow, a.Type, a.Call, at.N, at.Worker, at.Start.Truncate(time.Millisecond), at.End.Truncate(time.Millisecond), at.Result))
		}
	}
	for _, v := range checkProperties(row.Scenario, ownResults(sr.view)) {
		if timingExact(row.Scenario.Name, v.Property) != "" {
			base.Unchecked = append(base.Unchecked, v)
		} else {
			base.ServerViolations = append(base.ServerViolations, v)
		}
	}
	var out []*RowResult
	for _, run := range runs {
		out = append(out, compareRun(base, run))
	}
	return out, nil
}

// compareRun compares one engine's run of a row with the real run, whose
// side base holds.
func compareRun(base RowResult, run EngineRun) *RowResult {
	res := base
	res.On = run.Engine
	if run.NotRun != "" {
		res.NotRun = run.NotRun
		return &res
	}
	er := run.Result
	res.Engine, res.EngineViolations = engineObservation(er), er.Violations
	res.EngineShapes = engineShapes(er.Histories())
	res.Diffs = Compare(res.Engine, res.Server, res.Scenario.Name)
	for _, d := range res.Diffs {
		res.Explained = append(res.Explained, explain(res.On, res.Row, d))
	}
	if res.OutsideProfile {
		// The scenario was not built for this fault: what counts is that
		// both sides broke the same properties.
		d := Diff{Field: "properties broken", Engine: brokenNames(res.Scenario.Name, res.EngineViolations),
			Server: brokenNames(res.Scenario.Name, res.ServerViolations)}
		if d.Engine != d.Server {
			res.Diffs = append(res.Diffs, d)
			res.Explained = append(res.Explained, explain(res.On, res.Row, d))
		}
	}
	return &res
}

// brokenNames lists the properties vs broke, sorted, leaving out those a
// real run is not held to (TimingLimits).
func brokenNames(scenario string, vs []sim.Violation) string {
	var names []string
	for _, v := range vs {
		if timingExact(scenario, v.Property) == "" && !slices.Contains(names, v.Property) {
			names = append(names, v.Property)
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
