package harness

import (
	"errors"
	"fmt"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

// Nondeterminism is the replay oracle (see docs/architecture.md): on
// engine 2 it replays every history of the run (children and
// continue-as-new runs too) with the SDK's WorkflowReplayer and the
// scenario's registrations, data converter and interceptors, and fails
// when one does not replay: workflow code that decides differently the
// second time (ranging over a map, reading time.Now, a native goroutine)
// fails on a production worker that replays it after a restart. The
// message names the history, the kind of difference (replaycorpus's
// kinds) and the event.
//
// It also fails, first, when a worker replayed a history during the run
// (a fresh worker after a worker-crash, the new code after a deploy) and
// failed the workflow task for nondeterminism, which ends an engine-2 run
// at once (sim.Result.TaskNondeterminism); that failure is reported
// whatever the options, since the run itself hit it.
//
// It is part of Safety. It checks nothing on engine 1, whose test
// environment neither writes histories nor replays, nor (after the run)
// on a run made with sim.Options{NoReplay: true}, the way to turn the
// oracle off, nor on a run in which a codec-failure fault fired
// (sim.ErrReplayCodecOutage says why).
func Nondeterminism() sim.Property {
	return Property("nondeterminism", func(r *sim.Result) error {
		if f, ok := r.TaskNondeterminism(); ok {
			return fmt.Errorf("during the run, %s run %s: %s", f.WorkflowID, f.RunID, oneLine(f.Message))
		}
		n, failures, err := r.ReplayHistories()
		switch {
		case errors.Is(err, sim.ErrNoHistories), errors.Is(err, sim.ErrReplayOff), errors.Is(err, sim.ErrReplayCodecOutage):
			return nil
		case err != nil:
			return fmt.Errorf("the replay oracle could not run, a temporalsim bug: %v", err)
		case len(failures) == 0:
			return nil
		}
		f := failures[0]
		more := ""
		if len(failures) > 1 {
			more = fmt.Sprintf(" (and %d more of the run's %d histories)", len(failures)-1, n)
		}
		if f.Nondeterminism {
			return fmt.Errorf("replaying the history of %s run %s: %s%s", f.WorkflowID, f.RunID, oneLine(f.Message), more)
		}
		blame := ""
		if f.Kind == "unknown-event" || f.Kind == "unregistered-workflow-type" || f.Kind == "malformed" {
			blame = " (the history engine 2 wrote is at fault: a temporalsim bug, not your code)"
		}
		return fmt.Errorf("the SDK replayer could not replay the history of %s run %s, and not for [TMPRL1100] nondeterminism: %s%s%s", f.WorkflowID, f.RunID, oneLine(f.Message), more, blame)
	})
}

func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
