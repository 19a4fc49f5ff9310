package harness

import (
	"github.com/google/go-cmp/cmp"

	"github.com/temporalsim/temporalsim/sim"
)

// diffEvents is how many events from the first difference on a
// determinism failure's diff shows.
const diffEvents = 4

// eventDiff is the cmp.Diff (-run 1 +run 2) of the two traces' events
// from index i on, diffEvents of each, field by field.
func eventDiff(a, b []sim.Event, i int) string {
	return cmp.Diff(window(a, i), window(b, i))
}

func window(es []sim.Event, i int) []sim.Event {
	if i >= len(es) {
		return []sim.Event{}
	}
	return es[i:min(len(es), i+diffEvents)]
}
