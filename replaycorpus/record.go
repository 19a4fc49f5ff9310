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

// Recorded is what became of one Recording.
type Recorded struct {
	Recording
	// Path is the history file written; empty when nothing was written.
	Path string
	// Result is the real-server run (nil when the run could not start).
	Result *realserver.Result
	// Err says why no history was written: the run failed to start, or
	// it did not close within its budget.
	Err error
}

// RecordOptions tune Record. A nil *RecordOptions means the defaults.
type RecordOptions struct {
	// Parallelism is how many scenarios run against the server at once
	// (the runs of one scenario go one at a time); zero means 4.
	Parallelism int
	// Run, if set, adjusts each run's options (timeouts, extra
	// interceptors, logging) before it starts.
	Run func(*realserver.RunOptions)
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
	par := opts.Parallelism
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
			for _, i := range lanes[name] {
				out[i] = recordOne(ctx, srv, dir, recs[i], opts)
			}
		})
	}
	wg.Wait()
	return out, writeManifests(dir, srv, out)
}

func recordOne(ctx context.Context, srv *realserver.Server, dir string, rec Recording, opts *RecordOptions) Recorded {
	done := Recorded{Recording: rec}
	ro := realserver.RunOptions{Scenario: rec.Scenario, Seed: rec.Seed, Plan: rec.Plan, Scale: rec.Scale}
	if opts.Run != nil {
		opts.Run(&ro)
	}
	res, err := realserver.Run(ctx, srv, ro)
	done.Result = res
	switch {
	case err != nil:
		done.Err = err
		return done
	case res.Outcome == sim.Stuck:
		done.Err = fmt.Errorf("%s %s: the workflow did not close within the run's budget: %v", rec.Scenario.Name, rec.Label, res.Err)
		return done
	}
	data, err := MarshalHistory(res.History)
	if err == nil {
		path := filepath.Join(dir, rec.Scenario.Name, rec.File())
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			err = writeFileAtomic(path, data)
		}
		done.Path = path
	}
	done.Err = err
	return done
}

// writeManifests adds an entry per written history to its directory's
// manifest.
func writeManifests(dir string, srv *realserver.Server, recs []Recorded) error {
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
			m.Set(manifestEntry(r, srv))
		}
		errs = append(errs, WriteManifest(d, m))
	}
	return errors.Join(errs...)
}

func manifestEntry(r Recorded, srv *realserver.Server) Entry {
	res := r.Result
	plan := "no faults"
	if len(r.Plan.Faults) > 0 {
		var fs []string
		for _, f := range r.Plan.Faults {
			fs = append(fs, f.String())
		}
		plan = "plan " + strings.Join(fs, "; ")
	}
	outcome := string(res.Outcome)
	if res.ErrType != "" {
		outcome += " (" + res.ErrType + ")"
	}
	return Entry{
		File:          r.File(),
		WorkflowType:  res.WorkflowType,
		SDKVersion:    SDKVersion(),
		ServerVersion: srv.Version(),
		MadeBy:        fmt.Sprintf("recorded: scenario %s seed %d on a real worker, time scaled %gx, %s", r.Scenario.Name, r.Seed, res.Scale, plan),
		Expect:        ExpectPass,
		Note: fmt.Sprintf("%s; %d events; %d worker(s), %d replay(s) on a new worker; %s virtual", outcome,
			len(res.History.GetEvents()), res.Workers, res.Replays, res.Elapsed.Round(1e6)),
	}
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
