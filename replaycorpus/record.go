package replaycorpus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/temporal"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

// Recording names one run to record: a scenario under a plan and seed.
// Its history is written to <dir>/<scenario>/<Label>.json.
type Recording struct {
	Scenario *sim.Scenario
	Seed     sim.Seed
	Plan     sim.Plan
	// Label names the file; it should say what the run exercises
	// ("clean", "activity-error", ...) and differ between the recordings
	// of one scenario.
	Label string
	// Scale is the speed-up (see realserver.RunOptions); zero means the
	// scenario's default.
	Scale float64
}

// File is the recording's file name in its scenario's directory.
func (r Recording) File() string { return r.Label + ".json" }

// WorkflowID is the id the recording's workflow runs under,
// "<scenario>-<seed>", which RecordedSeed and the replay of a recorded
// history read the scenario and the seed from.
func (r Recording) WorkflowID() string {
	return r.Scenario.Name + "-" + strconv.FormatUint(uint64(r.Seed), 10)
}

// Recorded is what became of one Recording.
type Recorded struct {
	Recording
	// Path is the history file written; empty when nothing was written.
	Path string
	// History is the run's first workflow execution, the history written
	// to Path; Outcome is how that execution ended.
	History *historypb.History
	Outcome sim.Outcome
	// Result is the real-server run (Record; nil when the run could not
	// start).
	Result *realserver.Result
	// Sim is the engine-2 run (RecordSimulated; nil when the engine
	// refused the run).
	Sim *sim.Result
	// Err says why no history was written: the run failed to start (or
	// engine 2 refused its plan), it did not close within its budget, or
	// the file could not be written.
	Err error
}

// RecordOptions tune Record and RecordSimulated. A nil *RecordOptions
// means the defaults.
type RecordOptions struct {
	// Parallelism is how many scenarios run at once (the runs of one
	// scenario go one at a time); zero means 4 for Record, 1 for
	// RecordSimulated (see there).
	Parallelism int
	// Run, if set, adjusts each real-server run's options (timeouts,
	// extra interceptors, logging) before it starts. Engine 2 has no such
	// options: RecordSimulated refuses RecordOptions with Run set.
	Run func(*realserver.RunOptions)
}

// recorder is where recordings run: a real Temporal server (Record) or
// engine 2 (RecordSimulated). Both write the same files and manifests,
// through recordAll.
type recorder interface {
	// lane calls body once, in the context the runs of one scenario
	// need, with the function that runs one recording: it returns the
	// run's History and Outcome, or Err.
	lane(scenario string, body func(run func(Recording) Recorded))
	// entry describes a written history in its manifest.
	entry(r Recorded) Entry
}

// Record runs each recording against srv (the runs of one scenario one
// after another, scenarios in parallel) and writes its history to
// dir/<scenario>/<label>.json in the format of `temporal workflow show -o
// json`, with an entry in that directory's manifest.json: workflow type,
// SDK and server versions, how it was made (seed, scale, plan, outcome)
// and the expectation "pass". Files are written atomically; entries of
// other files in an existing manifest are kept. A run that does not close
// within its budget is not written; its Recorded has the error. The error
// is for failures writing files.
func Record(ctx context.Context, srv *realserver.Server, dir string, recs []Recording, opts *RecordOptions) ([]Recorded, error) {
	if opts == nil {
		opts = &RecordOptions{}
	}
	return recordAll(dir, recs, opts.Parallelism, &realRecorder{ctx: ctx, srv: srv, opts: opts})
}

// recordAll runs recs on rc, par scenarios at a time, and writes their
// histories and manifests under dir.
func recordAll(dir string, recs []Recording, par int, rc recorder) ([]Recorded, error) {
	if par <= 0 {
		par = 4
	}
	// One lane per scenario: its runs go one after another, because a
	// scenario may give child workflows fixed ids that two of its runs
	// at once would both claim.
	lanes := map[string][]int{}
	var names []string
	for i, rec := range recs {
		if _, ok := lanes[rec.Scenario.Name]; !ok {
			names = append(names, rec.Scenario.Name)
		}
		lanes[rec.Scenario.Name] = append(lanes[rec.Scenario.Name], i)
	}
	out := make([]Recorded, len(recs))
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			rc.lane(name, func(run func(Recording) Recorded) {
				for _, i := range lanes[name] {
					out[i] = writeRecorded(dir, run(recs[i]))
				}
			})
		})
	}
	wg.Wait()
	return out, writeManifests(dir, rc, out)
}

// writeRecorded writes the history of a run that closed.
func writeRecorded(dir string, done Recorded) Recorded {
	switch {
	case done.Err != nil:
		return done
	case done.Outcome == sim.Stuck:
		done.Err = fmt.Errorf("%s %s: the workflow did not close within the run's budget", done.Scenario.Name, done.Label)
		if done.Result != nil && done.Result.Err != nil {
			done.Err = fmt.Errorf("%w: %v", done.Err, done.Result.Err)
		}
		return done
	}
	data, err := MarshalHistory(done.History)
	if err == nil {
		path := filepath.Join(dir, done.Scenario.Name, done.File())
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			err = writeFileAtomic(path, data)
		}
		if err == nil {
			done.Path = path
		}
	}
	done.Err = err
	return done
}

// realRecorder runs recordings against a real Temporal server.
type realRecorder struct {
	ctx  context.Context
	srv  *realserver.Server
	opts *RecordOptions
}

func (rr *realRecorder) lane(_ string, body func(func(Recording) Recorded)) { body(rr.run) }

func (rr *realRecorder) run(rec Recording) Recorded {
	done := Recorded{Recording: rec}
	ro := realserver.RunOptions{Scenario: rec.Scenario, Seed: rec.Seed, Plan: rec.Plan, Scale: rec.Scale, WorkflowID: rec.WorkflowID()}
	if rr.opts.Run != nil {
		rr.opts.Run(&ro)
	}
	res, err := realserver.Run(rr.ctx, rr.srv, ro)
	done.Result, done.Err = res, err
	if err == nil {
		done.History, done.Outcome = res.History, res.Outcome
	}
	return done
}

func (rr *realRecorder) entry(r Recorded) Entry {
	res := r.Result
	e := baseEntry(r, res.WorkflowType, res.ErrType)
	e.ServerVersion = rr.srv.Version()
	e.MadeBy = fmt.Sprintf("recorded: scenario %s seed %d on a real worker, time scaled %gx, %s", r.Scenario.Name, r.Seed, res.Scale, planWords(r.Plan))
	e.Note += fmt.Sprintf("; %d worker(s), %d replay(s) on a new worker; %s virtual", res.Workers, res.Replays, res.Elapsed.Round(1e6))
	return e
}

// writeManifests adds an entry per written history to its directory's
// manifest.
func writeManifests(dir string, rc recorder, recs []Recorded) error {
	byDir := map[string][]Recorded{}
	for _, r := range recs {
		if r.Path != "" && r.Err == nil {
			byDir[filepath.Dir(r.Path)] = append(byDir[filepath.Dir(r.Path)], r)
		}
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var errs []error
	for _, d := range dirs {
		m, err := LoadManifest(d)
		if errors.Is(err, fs.ErrNotExist) {
			m, err = &Manifest{Version: ManifestVersion}, nil
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range byDir[d] {
			m.Set(rc.entry(r))
		}
		errs = append(errs, WriteManifest(d, m))
	}
	return errors.Join(errs...)
}

// baseEntry is the part of a manifest entry both recorders write: the
// file, the workflow type, the SDK, the expectation "pass", and a note
// that starts with the outcome and the number of events.
func baseEntry(r Recorded, workflowType, errType string) Entry {
	outcome := string(r.Outcome)
	if errType != "" {
		outcome += " (" + errType + ")"
	}
	return Entry{
		File:         r.File(),
		WorkflowType: workflowType,
		SDKVersion:   SDKVersion(),
		Expect:       ExpectPass,
		Note:         fmt.Sprintf("%s; %d events", outcome, len(r.History.GetEvents())),
	}
}

// planWords says what plan a recording ran under: "no faults", or "plan "
// and its faults.
func planWords(p sim.Plan) string {
	if len(p.Faults) == 0 {
		return "no faults"
	}
	var fs []string
	for _, f := range p.Faults {
		fs = append(fs, f.String())
	}
	return "plan " + strings.Join(fs, "; ")
}

// MarshalHistory writes h exactly as `temporal workflow show -o json`
// does: protobuf JSON with EVENT_TYPE_* enums, int64 ids as strings,
// payloads in full (not the CLI's shorthand), two-space indent, and a
// final newline.
func MarshalHistory(h *historypb.History) ([]byte, error) {
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// SDKVersion is the Temporal Go SDK this program is built with, as
// manifests name it: "go.temporal.io/sdk v1.50.0".
func SDKVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "go.temporal.io/sdk" {
				if d.Replace != nil && d.Replace.Version != "" {
					return d.Path + " " + d.Replace.Version
				}
				return d.Path + " " + d.Version
			}
		}
	}
	return "go.temporal.io/sdk v" + temporal.SDKVersion
}

// writeFileAtomic writes data to a temporary file next to path and
// renames it over path, so a reader never sees half a history.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
