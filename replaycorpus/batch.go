package replaycorpus

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Result is the outcome of replaying one history.
type Result struct {
	// File is the history's path as it was given (or found in a
	// directory).
	File string `json:"file"`
	// WorkflowType is the history's workflow type; empty if the file could
	// not be loaded.
	WorkflowType string `json:"workflow_type,omitempty"`
	// Events is the number of events replayed.
	Events int `json:"events"`
	// Expected is the manifest's expectation, or ExpectPass without one.
	Expected Expectation `json:"expected"`
	// Err is the classified failure; nil for a clean replay. A file that
	// could not be loaded, or that disagrees with its manifest entry, has
	// Kind Malformed and wraps a *LoadError or the manifest problem.
	Err *ReplayError `json:"error,omitempty"`
	// Pass is true when the outcome matched Expected. A history that could
	// not be loaded never passes.
	Pass bool `json:"pass"`
	// Log is what the SDK logged during the replay (its default logger is
	// not used, so nothing is printed).
	Log string `json:"-"`
}

// Summary counts the results of a batch.
type Summary struct {
	// Files is the number of histories.
	Files int `json:"files"`
	// Passed counts histories that replayed cleanly.
	Passed int `json:"passed"`
	// Failed counts histories whose replay failed or that could not be
	// loaded, expected or not.
	Failed int `json:"failed"`
	// Unexpected counts histories whose outcome did not match their
	// expectation (Result.Pass is false). A batch is good when it is 0.
	Unexpected int `json:"unexpected"`
}

// Summarize counts results.
func Summarize(results []Result) Summary {
	s := Summary{Files: len(results)}
	for _, r := range results {
		if r.Err == nil {
			s.Passed++
		} else {
			s.Failed++
		}
		if !r.Pass {
			s.Unexpected++
		}
	}
	return s
}

// OK reports whether every result matched its expectation.
func (s Summary) OK() bool { return s.Unexpected == 0 }

// String returns "N files: P passed, F failed, U unexpected".
func (s Summary) String() string {
	return fmt.Sprintf("%d files: %d passed, %d failed, %d unexpected", s.Files, s.Passed, s.Failed, s.Unexpected)
}

// ReplayFiles replays the history files, several at a time, and returns
// one Result per file in the same order. Each file's expectation comes
// from the manifest.json in its directory, if there is one. A file that
// cannot be loaded gets a failing Result naming it; the others still run.
func (r *Replayer) ReplayFiles(files []string) []Result {
	manifests := loadManifests(files)
	results := make([]Result, len(files))
	workers := r.opts.Parallelism
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				results[i] = r.replayFile(files[i], manifests)
			}
		})
	}
	wg.Wait()
	return results
}

// ReplayDir replays every history under dir (see HistoryFiles).
func (r *Replayer) ReplayDir(dir string) ([]Result, error) {
	files, err := HistoryFiles(dir)
	if err != nil {
		return nil, err
	}
	return r.ReplayFiles(files), nil
}

// ReplayGlob replays the history files matching a filepath.Match pattern;
// directories that match are searched as by ReplayDir.
func (r *Replayer) ReplayGlob(pattern string) ([]Result, error) {
	files, err := globFiles(pattern)
	if err != nil {
		return nil, err
	}
	return r.ReplayFiles(files), nil
}

// ReplayPaths replays a mix of files, directories and glob patterns, as a
// command line gives them, each file once, in the order given.
func (r *Replayer) ReplayPaths(paths ...string) ([]Result, error) {
	var files []string
	for _, p := range paths {
		var found []string
		var err error
		switch info, statErr := os.Stat(p); {
		case strings.ContainsAny(p, "*?[") && statErr != nil:
			found, err = globFiles(p)
		case statErr == nil && info.IsDir():
			found, err = HistoryFiles(p)
		default:
			found = []string{p} // a missing file becomes a failing Result
		}
		if err != nil {
			return nil, err
		}
		files = append(files, found...)
	}
	return r.ReplayFiles(dedupe(files)), nil
}

// HistoryFiles lists the histories under dir, sorted: every *.json file
// in dir and its subdirectories except manifests and hidden files, plus
// any file a manifest lists that is missing, so that replaying it reports
// the missing file.
func HistoryFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		hidden := strings.HasPrefix(d.Name(), ".") && path != dir
		switch {
		case d.IsDir() && hidden:
			return filepath.SkipDir
		case d.IsDir():
			switch m, err := LoadManifest(path); {
			case err == nil:
				for _, e := range m.Histories {
					files = append(files, filepath.Join(path, e.File))
				}
			case !errors.Is(err, fs.ErrNotExist):
				// Listed so that the batch reports the broken manifest.
				files = append(files, filepath.Join(path, ManifestFile))
			}
		case !hidden && d.Name() != ManifestFile && strings.EqualFold(filepath.Ext(path), ".json"):
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("replaycorpus: listing histories: %w", err)
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}

func globFiles(pattern string) ([]string, error) {
	matches, err := filepath.Glob(pattern)
	if err != nil {
		return nil, fmt.Errorf("replaycorpus: bad pattern %q: %w", pattern, err)
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("replaycorpus: no files match %q", pattern)
	}
	var files []string
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil && info.IsDir() {
			found, err := HistoryFiles(m)
			if err != nil {
				return nil, err
			}
			files = append(files, found...)
		} else if filepath.Base(m) != ManifestFile {
			files = append(files, m)
		}
	}
	return files, nil
}

func dedupe(files []string) []string {
	seen := make(map[string]bool, len(files))
	out := files[:0:0]
	for _, f := range files {
		if key := filepath.Clean(f); !seen[key] {
			seen[key] = true
			out = append(out, f)
		}
	}
	return out
}

// manifestSet holds the manifest of each directory a batch touches.
type manifestSet map[string]manifestOrErr

type manifestOrErr struct {
	m   *Manifest // nil when the directory has none
	err error
}

func loadManifests(files []string) manifestSet {
	set := manifestSet{}
	for _, f := range files {
		dir := filepath.Dir(f)
		if _, ok := set[dir]; ok {
			continue
		}
		m, err := LoadManifest(dir)
		if errors.Is(err, fs.ErrNotExist) {
			m, err = nil, nil
		}
		set[dir] = manifestOrErr{m, err}
	}
	return set
}

// replayFile loads one file, applies its manifest entry, and replays it.
func (r *Replayer) replayFile(path string, manifests manifestSet) Result {
	res := Result{File: path}
	fail := func(err error) Result {
		msg := err.Error()
		if le, ok := err.(*LoadError); ok {
			msg = le.Reason // Error() would repeat the file name
		}
		res.Err = &ReplayError{Kind: Malformed, File: path, WorkflowType: res.WorkflowType, Message: clip(msg, maxMessage), Err: err}
		return res
	}
	mf := manifests[filepath.Dir(path)]
	if mf.err != nil {
		return fail(mf.err)
	}
	var entry Entry
	var listed bool
	if mf.m != nil {
		entry, listed = mf.m.Lookup(filepath.Base(path))
	}
	res.Expected = entry.Expect
	h, err := LoadHistory(path, &LoadOptions{LastEventID: entry.LastEventID})
	if err != nil {
		return fail(err)
	}
	res.WorkflowType, res.Events = WorkflowType(h), len(h.Events)
	if listed && entry.WorkflowType != "" && entry.WorkflowType != res.WorkflowType {
		return fail(fmt.Errorf("%s lists workflow type %q, the history has %q", ManifestFile, entry.WorkflowType, res.WorkflowType))
	}
	conv, err := r.converterFor(path, mf.m, entry)
	if err != nil {
		return fail(err)
	}
	res.Err, res.Log = r.replay(h, replayJob{file: path, conv: conv, result: entry.Result})
	if res.Err != nil {
		res.Err.File = path
	}
	res.Pass = res.Expected.Met(res.Err)
	return res
}
