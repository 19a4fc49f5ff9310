package replaycorpus

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func validEntry(file string) Entry {
	return Entry{File: file, WorkflowType: orderWorkflowType, SDKVersion: sdkVersion,
		ServerVersion: "temporal CLI v1.5.1", MadeBy: "recorded: temporal dev server via simrun record", Expect: ExpectPass}
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Version: ManifestVersion}
	m.Set(validEntry("b.json"))
	a := validEntry("a.json")
	a.Expect, a.LastEventID, a.Note = ExpectFail(CommandMismatch), 12, "activity renamed"
	m.Set(a)
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	got, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Manifest{Version: ManifestVersion, Histories: []Entry{a, validEntry("b.json")}} // sorted by file
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	data, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
	if !strings.Contains(string(data), `"expect": "fail:command-mismatch"`) {
		t.Errorf("manifest text:\n%s", data)
	}

	// Set replaces an entry; the rewrite leaves no temporary file behind.
	b := validEntry("b.json")
	b.Expect = ExpectFail(Deadlock)
	got.Set(b)
	if err := WriteManifest(dir, got); err != nil {
		t.Fatal(err)
	}
	again, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := again.Lookup("b.json"); !ok || e.Expect != ExpectFail(Deadlock) || len(again.Histories) != 2 {
		t.Errorf("after Set: %+v", again.Histories)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after two writes, want only %s", len(entries), ManifestFile)
	}
}

func TestManifestValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*Manifest)
		reason string
	}{
		{"version", func(m *Manifest) { m.Version = 2 }, "version is 2, want 1"},
		{"no file", func(m *Manifest) { m.Histories[0].File = "" }, "file is empty"},
		{"path", func(m *Manifest) { m.Histories[0].File = "sub/a.json" }, "without a path"},
		{"manifest", func(m *Manifest) { m.Histories[0].File = ManifestFile }, "cannot be the manifest itself"},
		{"duplicate", func(m *Manifest) { m.Histories = append(m.Histories, m.Histories[0]) }, `"a.json" is listed twice`},
		{"made by", func(m *Manifest) { m.Histories[0].MadeBy = "by hand" }, `made_by "by hand" must start with one of recorded, handwritten, converted, generated`},
		{"server", func(m *Manifest) { m.Histories[0].ServerVersion = "" }, "server_version is empty for a recorded history"},
		{"kind", func(m *Manifest) { m.Histories[0].Expect = Expectation{Fail: true, Kind: "flaky"} }, `unknown kind "flaky"`},
		{"last event", func(m *Manifest) { m.Histories[0].LastEventID = -1 }, "last_event_id is negative"},
		{"result", func(m *Manifest) { m.Histories[0].Result = []byte("{oops") }, "result is not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Manifest{Version: ManifestVersion, Histories: []Entry{validEntry("a.json")}}
			tc.edit(m)
			err := m.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("Validate() = %v, want an error saying %q", err, tc.reason)
			}
			if err := WriteManifest(t.TempDir(), m); err == nil {
				t.Error("WriteManifest wrote an invalid manifest")
			}
		})
	}
	handwritten := validEntry("a.json")
	handwritten.MadeBy, handwritten.ServerVersion = "handwritten", ""
	if err := (&Manifest{Version: ManifestVersion, Histories: []Entry{handwritten}}).Validate(); err != nil {
		t.Errorf("a handwritten entry needs no server version: %v", err)
	}
	bare := Entry{File: "a.json", Expect: ExpectAnyFailure}
	if err := (&Manifest{Version: ManifestVersion, Histories: []Entry{bare}}).Validate(); err != nil {
		t.Errorf("an entry with only a file and an expectation is valid: %v", err)
	}
}

func TestReadManifestErrors(t *testing.T) {
	if _, err := LoadManifest(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadManifest on a directory without one: %v, want fs.ErrNotExist", err)
	}
	for _, tc := range []struct{ name, text, reason string }{
		{"typo", `{"version": 1, "histories": [{"fiel": "a.json"}]}`, `unknown field "fiel"`},
		{"bad expect", `{"version": 1, "histories": [{"file": "a.json", "expect": "fails"}]}`, `bad expectation "fails"`},
		{"trailing", `{"version": 1, "histories": []} {}`, "trailing data"},
		{"invalid entry", `{"version": 1, "histories": [{"file": "a.json", "made_by": "me"}]}`, `made_by "me" must start with`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeCorpus(t, map[string][]byte{ManifestFile: []byte(tc.text)})
			_, err := LoadManifest(dir)
			if err == nil || !strings.Contains(err.Error(), tc.reason) || !strings.Contains(err.Error(), ManifestFile) {
				t.Errorf("LoadManifest: %v, want an error naming the file and saying %q", err, tc.reason)
			}
		})
	}
}

func TestExpectationText(t *testing.T) {
	for _, e := range append([]Expectation{ExpectPass, ExpectAnyFailure}, expectFailAll()...) {
		text, err := e.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Expectation
		if err := back.UnmarshalText(text); err != nil || back != e {
			t.Errorf("%v -> %q -> %v, %v", e, text, back, err)
		}
	}
	for _, bad := range []string{"", "PASS", "fails", "fail:", "fail:Missing-Command", "ok"} {
		if _, err := ParseExpectation(bad); err == nil {
			t.Errorf("ParseExpectation(%q) accepted it", bad)
		}
	}
	if _, err := (Expectation{Fail: true, Kind: "nope"}).MarshalText(); err == nil {
		t.Error("MarshalText accepted an unknown kind")
	}
}

func expectFailAll() []Expectation {
	var out []Expectation
	for _, k := range Kinds {
		out = append(out, ExpectFail(k))
	}
	return out
}

func TestExpectationMet(t *testing.T) {
	missing := &ReplayError{Kind: MissingCommand}
	for _, tc := range []struct {
		exp  Expectation
		err  *ReplayError
		want bool
	}{
		{ExpectPass, nil, true},
		{ExpectPass, missing, false},
		{ExpectFail(MissingCommand), missing, true},
		{ExpectFail(ExtraCommand), missing, false},
		{ExpectFail(MissingCommand), nil, false},
		{ExpectAnyFailure, missing, true},
		{ExpectAnyFailure, nil, false},
		{ExpectAnyFailure, &ReplayError{Kind: Malformed}, false},
		{ExpectFail(Malformed), &ReplayError{Kind: Malformed}, true},
	} {
		if got := tc.exp.Met(tc.err); got != tc.want {
			t.Errorf("%v.Met(%v) = %v, want %v", tc.exp, tc.err, got, tc.want)
		}
	}
}
