package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/temporalsim/temporalsim/sim"
)

var (
	mu       sync.Mutex
	registry = map[string]*sim.Scenario{}
)

// ReplayKinds are the fault kinds that make engine 2's worker replay a
// workflow during the run: a sticky cache that drops it, a workflow task
// that fails or times out. Every scenario's profile draws them (register
// adds them), since every workflow must survive a replay; engine 1 cannot
// carry them out and never draws them (sim.Profile.ForEngine).
var ReplayKinds = []sim.Kind{sim.CacheEviction, sim.WorkflowTaskFailure, sim.WorkflowTaskTimeout}

// register adds a scenario to the catalogue, with ReplayKinds in its
// profile; each scenario file calls it from init. Planted-bug variants
// are named "<scenario>/bug-<what>" and carry a Bug description.
func register(sc *sim.Scenario) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[sc.Name]; dup {
		panic("scenarios: duplicate scenario " + sc.Name)
	}
	if (sc.Bug != "") != strings.Contains(sc.Name, "/bug-") {
		panic("scenarios: " + sc.Name + ": planted-bug variants are named <scenario>/bug-<what> and say what the bug is in Bug")
	}
	if (sc.Bug != "") != (sc.Breaks != "") || (sc.Logic != "" && sc.Bug == "") {
		panic("scenarios: " + sc.Name + ": a planted-bug variant names the property it breaks in Breaks (and only a variant sets Breaks or Logic)")
	}
	for _, k := range ReplayKinds {
		if !slices.Contains(sc.Profile.Kinds, k) {
			sc.Profile.Kinds = append(slices.Clip(sc.Profile.Kinds), k)
		}
	}
	registry[sc.Name] = sc
}

// planted sets what a planted-bug variant must break and, for a bug that
// needs no fault, why it is a logic bug.
func planted(sc *sim.Scenario, breaks, logic string) *sim.Scenario {
	sc.Breaks, sc.Logic = breaks, logic
	return sc
}

// All returns every scenario, correct ones and planted-bug variants, by name.
func All() []*sim.Scenario {
	mu.Lock()
	defer mu.Unlock()
	out := make([]*sim.Scenario, 0, len(registry))
	for _, sc := range registry {
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Correct returns the scenarios without planted bugs: what a swarm runs by
// default.
func Correct() []*sim.Scenario { return filter(func(sc *sim.Scenario) bool { return sc.Bug == "" }) }

// Bugs returns the planted-bug variants.
func Bugs() []*sim.Scenario { return filter(func(sc *sim.Scenario) bool { return sc.Bug != "" }) }

func filter(keep func(*sim.Scenario) bool) []*sim.Scenario {
	var out []*sim.Scenario
	for _, sc := range All() {
		if keep(sc) {
			out = append(out, sc)
		}
	}
	return out
}

// Lookup finds a scenario by name; the error lists the known names.
func Lookup(name string) (*sim.Scenario, error) {
	mu.Lock()
	sc, ok := registry[name]
	mu.Unlock()
	if ok {
		return sc, nil
	}
	var names []string
	for _, s := range Correct() {
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("unknown scenario %q (known: %s; simrun list -bugs shows planted-bug variants)", name, strings.Join(names, ", "))
}
