package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The tests run the built binaries, as users do: simrun (the catalogue)
// and testdata/ownmain (a project's own simrun, with a planted bug whose
// failing seeds the tests rely on). TestMain builds both once, with -race
// when the tests run with it, so the swarm's goroutines are checked too.
var bin struct{ simrun, ownmain string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "simrun-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	bin.simrun, bin.ownmain = filepath.Join(dir, "simrun"), filepath.Join(dir, "ownmain")
	for out, pkg := range map[string]string{bin.simrun: ".", bin.ownmain: "./testdata/ownmain"} {
		args := []string{"build", "-o", out}
		if raceEnabled {
			args = append(args, "-race")
		}
		if msg, err := exec.Command("go", append(args, pkg)...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s: %v\n%s", pkg, err, msg)
			os.RemoveAll(dir)
			os.Exit(2)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one invocation printed and its exit status.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// simrun runs the simrun binary in the package directory.
func simrun(t *testing.T, args ...string) result {
	t.Helper()
	return runBinary(t, bin.simrun, args...)
}

// ownmain runs the example of a project's own simrun.
func ownmain(t *testing.T, args ...string) result {
	t.Helper()
	return runBinary(t, bin.ownmain, args...)
}

func runBinary(t *testing.T, path string, args ...string) result {
	t.Helper()
	cmd := exec.Command(path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("running %s %v: %v", filepath.Base(path), args, err)
	}
	return r
}

// stackTrace matches what a Go panic or a goroutine dump prints (not the
// fault kind activity-panic, which plans and traces name).
var stackTrace = regexp.MustCompile(`(?m)^panic: |^goroutine \d+ \[|\[recovered\]`)

// wantCode fails the test unless the invocation exited with code.
func (r result) wantCode(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("want exit %d, got %s", code, r)
	}
	if stackTrace.MatchString(r.stdout + r.stderr) {
		t.Fatalf("output has a stack trace or panic:\n%s", r)
	}
	return r
}

// decode parses the one JSON object printed on stdout into into, after
// checking that it has every key in keys (the documented fields).
func (r result) decode(t *testing.T, into any, keys ...string) {
	t.Helper()
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&fields); err != nil || dec.More() {
		t.Fatalf("stdout is not one JSON object (%v):\n%s", err, r)
	}
	for _, k := range keys {
		if _, ok := fields[k]; !ok {
			t.Errorf("JSON output has no %q field:\n%s", k, r.stdout)
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), into); err != nil {
		t.Fatalf("decoding JSON output: %v\n%s", err, r)
	}
}
