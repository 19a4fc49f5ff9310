package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

// writeFileAtomic writes data to a temporary file next to path and renames
// it over path, so a reader (or a killed run) never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	// CreateTemp makes the file 0600; an output file is for sharing.
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// readPlan reads and parses a plan file and checks it against the
// scenario, so a plan that does not fit is bad input (exit 2) before any
// simulation starts.
func readPlan(path string, sc *sim.Scenario) (sim.Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return sim.Plan{}, fmt.Errorf("reading plan: %w", err)
	}
	p, err := sim.ParsePlan(string(data))
	if err != nil {
		return sim.Plan{}, fmt.Errorf("plan %s: %w", path, err)
	}
	if err := sc.Profile.Check(p); err != nil {
		return sim.Plan{}, fmt.Errorf("plan %s does not fit scenario %s: %w", path, sc.Name, err)
	}
	return p, nil
}

// checkWritable fails early when path's directory does not exist, so an
// output flag that cannot be honoured is bad input rather than a failure
// after the simulation.
func checkWritable(flagName, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("-%s %s: directory %s does not exist", flagName, path, dir)
	}
	if !info.IsDir() {
		return fmt.Errorf("-%s %s: %s is not a directory", flagName, path, dir)
	}
	return nil
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// fileStem turns a scenario name into a file name part: planted-bug
// variants are named "<scenario>/bug-<what>".
func fileStem(name string) string {
	return strings.NewReplacer("/", "-", "\\", "-", " ", "_").Replace(name)
}
