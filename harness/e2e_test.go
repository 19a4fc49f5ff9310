package harness_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// userModule copies testdata/checkpkg into a module of its own that
// requires this one through a replace directive, as a user's project
// would, and returns its directory.
func userModule(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module example.com/checkpkg\n\ngo 1.26.0\n\n" +
		"require github.com/temporalsim/temporalsim v0.0.0-00010101000000-000000000000\n\n" +
		"replace github.com/temporalsim/temporalsim => " + root + "\n"
	copyFile(t, filepath.Join(root, "go.sum"), filepath.Join(dir, "go.sum"))
	copyFile(t, filepath.Join("testdata", "checkpkg", "check_test.go"), filepath.Join(dir, "check_test.go"))
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func copyFile(t *testing.T, from, to string) {
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// command runs in dir with the environment a user has, less any SIM_* or
// RAPID_* settings of this process, plus extra. The module cache already
// holds every dependency, so nothing is fetched.
func command(dir string, extra []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SIM_") && !strings.HasPrefix(kv, "RAPID_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
	cmd.Env = append(cmd.Env, extra...)
	return cmd
}

// output runs cmd and returns its combined output and exit code.
func output(t *testing.T, cmd *exec.Cmd) (string, int) {
	t.Helper()
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return buf.String(), 0
	case errors.As(err, &exit):
		return buf.String(), exit.ExitCode()
	}
	t.Fatalf("%s: %v\n%s", cmd, err, buf.String())
	return "", 0
}

var (
	traceSHA  = regexp.MustCompile(`trace sha256 ([0-9a-f]{64})`)
	goTestCmd = regexp.MustCompile(`(?m)^\s+(go test \S+ -run \S+(?: -rapid\.seed=\d+)?)$`)
)

// TestReproductionEndToEnd runs go test on a user's package whose check
// fails, then runs the go test command the report printed: with the saved
// plan present (replayed first) and without it (the small-scope phase
// finds the same plan again). All three
// must report the same shrunk run, trace for trace.
func TestReproductionEndToEnd(t *testing.T) {
	dir := userModule(t)
	out, code := output(t, command(dir, nil, "go", "test", "-count=1", "-run", "^TestPayBug$", "."))
	sha, repro := traceSHA.FindStringSubmatch(out), goTestCmd.FindStringSubmatch(out)
	if code != 1 || sha == nil || repro == nil || !strings.Contains(out, `property "outcome" failed`) {
		t.Fatalf("go test exited %d; want 1 with a report naming the property, a trace fingerprint and a go test line:\n%s", code, out)
	}
	saved, _ := filepath.Glob(filepath.Join(dir, "testdata", "temporalsim", "TestPayBug", "pay-*.plan"))
	if len(saved) != 1 {
		t.Fatalf("saved plans %v, want one", saved)
	}
	for _, step := range []struct {
		name, want string
		prepare    func()
	}{
		{"with the saved plan", "found by a saved plan", func() {}},
		{"from the small-scope phase", "found by small-scope plan 1,", func() {
			if err := os.RemoveAll(filepath.Join(dir, "testdata")); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		step.prepare()
		again, code := output(t, command(dir, nil, "sh", "-c", repro[1]+" -count=1"))
		got := traceSHA.FindStringSubmatch(again)
		if code != 1 || got == nil || got[1] != sha[1] || !strings.Contains(again, step.want) {
			t.Errorf("%s: %s exited %d; want the failure again, %q, trace %s:\n%s", step.name, repro[1], code, step.want, sha[1], again)
		}
	}
}

// TestBadInputEndToEnd runs a user's test binary on bad input: each run
// must end (nothing hangs) with a message that says what is wrong.
func TestBadInputEndToEnd(t *testing.T) {
	dir := userModule(t)
	bin := filepath.Join(dir, "checkpkg.test")
	if out, code := output(t, command(dir, nil, "go", "test", "-c", "-o", bin, ".")); code != 0 {
		t.Fatalf("building the test binary: %s", out)
	}
	badPlan := filepath.Join(dir, "testdata", "temporalsim", "TestPayHolds", "pay-1.plan")
	tests := []struct {
		name  string
		args  []string
		env   []string
		setup func()
		code  int
		want  []string
	}{
		{"holds", []string{"-test.run=^TestPayHolds$", "-test.v"}, nil, nil, 0, []string{"pay: 10 runs ("}},
		{"one seed", []string{"-test.run=^TestPayHolds$", "-test.v", "-sim.seed=3"}, nil, nil, 0, []string{"pay: 1 runs ("}},
		{"seed flag not a number", []string{"-test.run=^TestPayHolds$", "-sim.seed=abc"}, nil, nil, 2,
			[]string{`invalid value "abc" for flag -sim.seed: not a seed: want a whole number such as 42`}},
		{"seed variable not a number", []string{"-test.run=^TestPayHolds$"}, []string{"SIM_SEED=abc"}, nil, 1,
			[]string{`SIM_SEED="abc": not a seed: want a whole number such as 42`}},
		{"checks flag zero", []string{"-test.run=^TestPayHolds$", "-sim.checks=0"}, nil, nil, 2,
			[]string{`invalid value "0" for flag -sim.checks: want a positive whole number`}},
		// sim.Run turns the SDK's panic for an unknown workflow type into
		// an error naming it; the test fails with that one line.
		{"unregistered workflow type", []string{"-test.run=^TestUnknownWorkflow$"}, nil, nil, 1,
			[]string{"could not run the workflow: unable to find workflow type: Nope"}},
		{"run panics", []string{"-test.run=^TestBlocked$"}, nil, nil, 1,
			[]string{`property "run-ends-without-panic" failed (found by the fault-free baseline run)`, "the run panicked: deadlock"}},
		{"saved plan does not parse", []string{"-test.run=^TestPayHolds$"}, nil, func() {
			if err := os.MkdirAll(filepath.Dir(badPlan), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(badPlan, []byte("# scenario: pay\n# seed: 1\nf1 explode target=Charge\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, 1, []string{`pay-1.plan: plan line 3: unknown fault kind "explode"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			out, code := output(t, command(dir, tt.env, bin, append(tt.args, "-test.timeout=5m")...))
			if code != tt.code || slices.ContainsFunc(tt.want, func(w string) bool { return !strings.Contains(out, w) }) {
				t.Errorf("exit %d, want %d, and output containing %q:\n%s", code, tt.code, tt.want, out)
			}
		})
	}
}
