package replaycorpus

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ManifestFile is the name of the manifest in a corpus directory.
const ManifestFile = "manifest.json"

// ManifestVersion is the manifest format version this package reads and
// writes.
const ManifestVersion = 1

// Manifest describes the histories of one corpus directory. It is stored
// as manifest.json next to them:
//
//	{
//	  "version": 1,
//	  "histories": [
//	    {
//	      "file": "order.json",
//	      "workflow_type": "OrderWorkflow",
//	      "sdk_version": "go.temporal.io/sdk v1.50.0",
//	      "server_version": "temporal CLI v1.5.1 dev server",
//	      "made_by": "recorded: temporal dev server via simrun record",
//	      "expect": "pass"
//	    },
//	    {
//	      "file": "order_v0.json",
//	      "workflow_type": "OrderWorkflow",
//	      "sdk_version": "go.temporal.io/sdk v1.50.0",
//	      "made_by": "handwritten",
//	      "expect": "fail:extra-command",
//	      "last_event_id": 11,
//	      "note": "the first version, before the timer was added"
//	    }
//	  ]
//	}
//
// Only "file" (a file name in the manifest's directory) and "expect"
// ("pass", "fail" for any failure, or "fail:KIND", see Expectation; an
// entry without it expects "pass") are needed; a corpus someone else
// wrote can be described as
//
//	{"version": 1, "data_converter": "sdk-tests", "histories": [
//	  {"file": "timer.json", "expect": "pass"},
//	  {"file": "bad-timer.json", "expect": "fail"}]}
//
// When given, "workflow_type" must be the history's; "made_by" starts
// with one of recorded, handwritten, converted or generated, optionally
// followed by ": " and details, and a recorded history needs
// "server_version". "data_converter" (for the directory, or for one
// entry) names one of Options.Converters. "result" is the JSON value the
// replayed workflow must return (compared after decoding it with the
// replay's data converter). "last_event_id" replays only up to that
// event; "note" is free text. Unknown fields are an error, so a misspelt
// key is caught.
type Manifest struct {
	// Version is ManifestVersion.
	Version int `json:"version"`
	// DataConverter names the Options.Converters entry that every history
	// of the directory replays with, unless its entry names another.
	DataConverter string `json:"data_converter,omitempty"`
	// Histories has one entry per history file, sorted by File when
	// written.
	Histories []Entry `json:"histories"`
}

// Entry describes one history file.
type Entry struct {
	// File is the history's file name, relative to the manifest.
	File string `json:"file"`
	// WorkflowType is the workflow type the history was started with;
	// optional, checked against the history when set.
	WorkflowType string `json:"workflow_type,omitempty"`
	// SDKVersion is the SDK (module and version) that ran the workflow;
	// optional.
	SDKVersion string `json:"sdk_version,omitempty"`
	// ServerVersion is the Temporal server or CLI that recorded the
	// history; required when MadeBy is "recorded...".
	ServerVersion string `json:"server_version,omitempty"`
	// MadeBy says how the history was made: "recorded: ...",
	// "handwritten", "converted: ..." or "generated: ..."; optional.
	MadeBy string `json:"made_by,omitempty"`
	// Expect is the expected replay result against the current code.
	Expect Expectation `json:"expect"`
	// DataConverter names the Options.Converters entry this history
	// replays with; it wins over the manifest's.
	DataConverter string `json:"data_converter,omitempty"`
	// Result, when set, is the JSON value the replayed workflow must
	// return; see Options.CheckResult.
	Result json.RawMessage `json:"result,omitempty"`
	// LastEventID, when positive, replays the history only up to this
	// event.
	LastEventID int64 `json:"last_event_id,omitempty"`
	// Note is free text for people.
	Note string `json:"note,omitempty"`
}

// Origins are the words MadeBy may start with.
var Origins = []string{"recorded", "handwritten", "converted", "generated"}

// ReadManifest reads and validates a manifest file.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("manifest %s: trailing data after the JSON object", path)
	}
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return &m, nil
}

// LoadManifest reads dir/manifest.json. A directory without one gives an
// error that matches errors.Is(err, fs.ErrNotExist).
func LoadManifest(dir string) (*Manifest, error) {
	return ReadManifest(filepath.Join(dir, ManifestFile))
}

// Validate checks every entry and reports all problems at once.
func (m *Manifest) Validate() error {
	var errs []error
	if m.Version != ManifestVersion {
		errs = append(errs, fmt.Errorf("version is %d, want %d", m.Version, ManifestVersion))
	}
	seen := make(map[string]bool, len(m.Histories))
	for i, e := range m.Histories {
		if err := e.validate(); err != nil {
			errs = append(errs, fmt.Errorf("histories[%d] (%q): %w", i, e.File, err))
		}
		if seen[e.File] {
			errs = append(errs, fmt.Errorf("histories[%d]: %q is listed twice", i, e.File))
		}
		seen[e.File] = true
	}
	return errors.Join(errs...)
}

func (e Entry) validate() error {
	var errs []error
	switch {
	case e.File == "":
		errs = append(errs, errors.New("file is empty"))
	case e.File != filepath.Base(e.File) || strings.ContainsAny(e.File, `/\`) || e.File == "." || e.File == "..":
		errs = append(errs, errors.New("file must be a file name in the manifest's directory, without a path"))
	case e.File == ManifestFile:
		errs = append(errs, errors.New("file cannot be the manifest itself"))
	}
	origin, _, _ := strings.Cut(e.MadeBy, ":")
	if e.MadeBy != "" && !slices.Contains(Origins, origin) {
		errs = append(errs, fmt.Errorf("made_by %q must start with one of %s", e.MadeBy, strings.Join(Origins, ", ")))
	}
	if origin == "recorded" && e.ServerVersion == "" {
		errs = append(errs, errors.New("server_version is empty for a recorded history"))
	}
	if len(e.Result) > 0 && !json.Valid(e.Result) {
		errs = append(errs, errors.New("result is not valid JSON"))
	}
	if e.Expect.Fail && e.Expect.Kind != "" && !e.Expect.Kind.Valid() {
		errs = append(errs, fmt.Errorf("expect has unknown kind %q", e.Expect.Kind))
	}
	if e.LastEventID < 0 {
		errs = append(errs, errors.New("last_event_id is negative"))
	}
	return errors.Join(errs...)
}

// Lookup returns the entry for a file name.
func (m *Manifest) Lookup(file string) (Entry, bool) {
	for _, e := range m.Histories {
		if e.File == file {
			return e, true
		}
	}
	return Entry{}, false
}

// Set adds e, or replaces the entry with the same File.
func (m *Manifest) Set(e Entry) {
	for i := range m.Histories {
		if m.Histories[i].File == e.File {
			m.Histories[i] = e
			return
		}
	}
	m.Histories = append(m.Histories, e)
}

// Marshal validates m and returns its JSON form: entries sorted by file,
// two-space indent, a final newline, so the file diffs well.
func (m *Manifest) Marshal() ([]byte, error) {
	out := Manifest{Version: m.Version, Histories: slices.Clone(m.Histories)}
	if out.Version == 0 {
		out.Version = ManifestVersion
	}
	if err := out.Validate(); err != nil {
		return nil, err
	}
	slices.SortFunc(out.Histories, func(a, b Entry) int { return strings.Compare(a.File, b.File) })
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// WriteManifest writes m to dir/manifest.json atomically: it writes a
// temporary file in dir and renames it over the manifest, so a reader never
// sees half a manifest.
func WriteManifest(dir string, m *Manifest) error {
	data, err := m.Marshal()
	if err != nil {
		return fmt.Errorf("manifest %s: %w", filepath.Join(dir, ManifestFile), err)
	}
	return writeFileAtomic(filepath.Join(dir, ManifestFile), data)
}
