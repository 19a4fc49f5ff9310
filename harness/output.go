package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/temporalsim/temporalsim/internal/timeline"
	"github.com/temporalsim/temporalsim/sim"
)

// writeRun writes r where -sim.trace and -sim.html say: the trace as
// JSON lines (simrun run -trace's format) and the HTML timeline (simrun
// run -html's), each to a temporary file renamed into place.
func writeRun(r *sim.Result, repro string) error {
	if runFlags.trace != "" {
		if err := writeAtomic(runFlags.trace, sim.EncodeJSONL(r.Events)); err != nil {
			return fmt.Errorf("harness: -sim.trace: %w", err)
		}
	}
	if runFlags.html != "" {
		if err := writeAtomic(runFlags.html, timeline.HTML(r, repro)); err != nil {
			return fmt.Errorf("harness: -sim.html: %w", err)
		}
	}
	return nil
}

// writeFailure writes the failure's run, the one its report shows.
func writeFailure(f *Failure) error {
	if f.Result == nil || len(f.Result.Events) == 0 {
		return nil
	}
	return writeRun(f.Result, f.exactCommand())
}

// noRunWritten says why -sim.trace and -sim.html wrote nothing: a search
// or a swarm that passed has no one run to show.
func noRunWritten(s *search) {
	if runFlags.trace != "" || runFlags.html != "" {
		s.t.Logf("temporalsim: %s: nothing failed, so -sim.trace and -sim.html wrote nothing; name one run with -sim.seed or -sim.plan", s.sc.Name)
	}
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sim-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// logRun logs r's readable trace, for -sim.v.
func (s *search) logRun(r *sim.Result) {
	if !runFlags.verbose || r == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "temporalsim: %s seed %d, %s:\n", r.Scenario, r.Seed, plural(len(r.Plan.Faults), "fault"))
	b.WriteString(indent(strings.TrimPrefix(r.Plan.String(), sim.PlanHeader+"\n")))
	for _, e := range r.Events {
		b.WriteString(strings.TrimRight(e.String(), " ") + "\n")
	}
	fmt.Fprintf(&b, "outcome %s at %s virtual, trace sha256 %s", r.Outcome, r.Elapsed, r.TraceSHA256())
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "\nviolated: %s", v)
	}
	s.t.Log(b.String())
}
