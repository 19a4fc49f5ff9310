package scenarios

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/sim"
)

// Helpers shared by the activity-choice, cancellation, continue-as-new,
// entity, concurrent-timers, child-workflow and retry-policy scenarios.

// eventsOf returns the run's events of one kind, in trace order.
func eventsOf(r *sim.Result, kind string) []sim.Event {
	var out []sim.Event
	for _, e := range r.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

// offsetOf is an event's virtual offset as a duration.
func offsetOf(e sim.Event) time.Duration { return time.Duration(e.T) * time.Millisecond }

// nextRunInput decodes the arguments a run that continued as new hands its
// next run. The engine ends a run at continue-as-new, so properties check
// the carried state here rather than in the next run.
func nextRunInput(r *sim.Result, into ...any) error {
	var can *workflow.ContinueAsNewError
	if !errors.As(r.Err, &can) {
		return fmt.Errorf("run ended %s, not with a ContinueAsNewError", r.Outcome)
	}
	dc := converter.GetDefaultDataConverter()
	if r.World != nil && r.World.DataConverter() != nil {
		dc = r.World.DataConverter()
	}
	if err := dc.FromPayloads(can.Input, into...); err != nil {
		return fmt.Errorf("decoding the next run's input: %w", err)
	}
	return nil
}

// faultValue is the Value of the plan's fault with the given id.
func faultValue(p sim.Plan, id int) string {
	for _, f := range p.Faults {
		if f.ID == id {
			return f.Value
		}
	}
	return ""
}

// intArg is a World decoder for signals and updates that take an int.
func intArg(v string) (any, error) { return strconv.Atoi(v) }

// pickOne draws one of options from the run's random stream named stream,
// so each seed exercises a different input and the same seed the same one.
func pickOne[T any](w *sim.World, stream string, options ...T) T {
	return options[w.Rand(stream).IntN(len(options))]
}

// idNumber is the number in an id such as "f3", the engine's update id for
// the plan's fault f3; 0 when there is none.
func idNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "f"))
	return n
}
