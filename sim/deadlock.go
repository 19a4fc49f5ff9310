package sim

import (
	"fmt"
	"strings"
)

// engineDeadlock turns the panic of a bubble that ended with goroutines
// blocked (testing/synctest's "deadlock: ...") into an error, when every
// goroutine left blocked waits inside the SDK test environment or the
// engine: then the engine could not end the run, and the scenario's code
// is not to blame. It returns nil for any other panic, and when a
// goroutine waits in the scenario's own code (an activity or fake that
// waits, ignoring its context, on something nothing will send); that
// panic goes on as it was.
func engineDeadlock(sc *Scenario, seed Seed, p any, stacks string) error {
	perr, ok := p.(error)
	if !ok || !strings.HasPrefix(perr.Error(), "deadlock: ") {
		return nil
	}
	where, engine := blockedIn(stacks)
	if !engine {
		return nil
	}
	return fmt.Errorf("scenario %s seed %d: the engine could not end the run (%s; left blocked in %s): this is a limit of the engine and the SDK test environment, not of the scenario's code; please report it with the seed and plan",
		sc.Name, seed, perr.Error(), where)
}

// blockedIn reads a goroutine dump and names the function each bubbled
// goroutine is blocked in (its first frame outside the runtime and the
// standard library's waiting primitives). engine is true when every one
// of them is in the SDK or in the engine's own types.
func blockedIn(stacks string) (where string, engine bool) {
	var fns []string
	engine = true
	for _, g := range strings.Split(stacks, "\n\n") {
		lines := strings.Split(strings.TrimSpace(g), "\n")
		if len(lines) == 0 || !strings.Contains(lines[0], "synctest bubble") {
			continue
		}
		fn := firstOwnFrame(lines[1:])
		fns = append(fns, fn)
		engine = engine && (strings.HasPrefix(fn, "go.temporal.io/sdk/") || strings.HasPrefix(fn, "github.com/temporalsim/temporalsim/sim.(*"))
	}
	if len(fns) == 0 {
		return "no goroutine found", false
	}
	return countedList(fns), engine
}

// countedList joins names in first-seen order, each once, with "(xN)"
// after a name seen N > 1 times.
func countedList(names []string) string {
	var order []string
	count := map[string]int{}
	for _, n := range names {
		if count[n] == 0 {
			order = append(order, n)
		}
		count[n]++
	}
	for i, n := range order {
		if count[n] > 1 {
			order[i] = fmt.Sprintf("%s (x%d)", n, count[n])
		}
	}
	return strings.Join(order, ", ")
}

// waitFrames are the packages whose frames sit above the function that
// is really waiting.
var waitFrames = []string{"runtime.", "sync.", "internal/sync.", "time.", "context."}

// firstOwnFrame returns the first function in a goroutine's frames (a
// function line, then its file line) that is not a waiting primitive.
func firstOwnFrame(frames []string) string {
	for i := 0; i < len(frames); i += 2 {
		fn := frames[i]
		if j := strings.LastIndex(fn, "("); j > 0 {
			fn = fn[:j]
		}
		waiting := false
		for _, w := range waitFrames {
			waiting = waiting || strings.HasPrefix(fn, w)
		}
		if !waiting {
			return fn
		}
	}
	return "unknown"
}
