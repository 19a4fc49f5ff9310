package sim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Profile says which faults make sense for a scenario: the kinds that
// apply, what they may target, and the window in which timed faults fall.
// Plans are generated from it and checked against it.
type Profile struct {
	Kinds           []Kind    // the fault kinds that apply
	Activities      []string  // activity types activity-scoped faults may target
	LocalActivities []string  // local activity types for local-activity-error
	Children        []string  // child workflow types for child-workflow-failure
	Signals         []Message // signals the workflow handles
	Updates         []Message // updates the workflow handles
	Queries         []Message // queries the workflow answers
	// Window is the fault window: timed faults fall in [0, Window], and
	// activity, local activity and child faults hit only what starts in
	// [At, Window]. Liveness is judged after it. Default 10 minutes.
	Window     time.Duration
	MaxFaults  int // at most this many faults in a generated plan (default 4)
	MaxCall    int // call numbers drawn from 0..MaxCall (default 2)
	MaxAttempt int // attempt numbers drawn from 0..MaxAttempt (default 3)
}

// Message is a signal, update or query name with the argument values a
// plan may send (as text; the scenario's World.Decode turns them into Go
// values). An empty Values list sends no argument.
type Message struct {
	Name   string
	Values []string
}

// Check reports the first fault in p that does not fit the profile: a kind
// that does not apply or a target the scenario does not have.
func (pr Profile) Check(p Plan) error {
	if err := p.Validate(); err != nil {
		return err
	}
	for _, f := range p.Faults {
		if !slices.Contains(pr.Kinds, f.Kind) {
			return fmt.Errorf("fault f%d: kind %s does not apply to this scenario (applies: %s)", f.ID, f.Kind, joinKinds(pr.Kinds))
		}
		names := pr.targets(f.Kind)
		if names != nil && !slices.Contains(names, f.Target) {
			return fmt.Errorf("fault f%d (%s): unknown target %q (known: %s)", f.ID, f.Kind, f.Target, strings.Join(names, ", "))
		}
	}
	return nil
}

// targets lists the valid targets for kind k, or nil where any (or none) goes.
func (pr Profile) targets(k Kind) []string {
	switch k {
	case LocalActivityError:
		return orEmpty(pr.LocalActivities)
	case ChildWorkflowFailure:
		return orEmpty(pr.Children)
	case Signal:
		return messageNames(pr.Signals)
	case Update:
		return messageNames(pr.Updates)
	case Query:
		return messageNames(pr.Queries)
	case CodecFailure:
		return []string{"", "encode", "decode"}
	}
	if k.ActivityScoped() {
		return orEmpty(pr.Activities)
	}
	return nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func messageNames(ms []Message) []string {
	names := []string{}
	for _, m := range ms {
		names = append(names, m.Name)
	}
	return names
}

func joinKinds(ks []Kind) string {
	var s []string
	for _, k := range ks {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// SwarmConfig is drawn once per seed: which of the profile's fault kinds
// are switched on for this run and how many faults to plan. Varying the
// mix per seed (swarm testing) finds bugs that a fixed mix of every kind
// at a low rate hides.
type SwarmConfig struct {
	Kinds  []Kind
	Faults int
}

// String is the one-line form printed at the start of a trace.
func (c SwarmConfig) String() string {
	return fmt.Sprintf("kinds=%s faults=%d", joinKinds(c.Kinds), c.Faults)
}

func (pr Profile) withDefaults() Profile {
	if pr.MaxFaults == 0 {
		pr.MaxFaults = 4
	}
	if pr.MaxCall == 0 {
		pr.MaxCall = 2
	}
	if pr.MaxAttempt == 0 {
		pr.MaxAttempt = 3
	}
	if pr.Window == 0 {
		pr.Window = 10 * time.Minute
	}
	return pr
}

// DrawConfig draws a swarm configuration: each applicable kind is on with
// probability 1/2 (at least one is on when any apply), and the fault count
// is uniform in 0..MaxFaults.
func (pr Profile) DrawConfig(r *rand.Rand) SwarmConfig {
	pr = pr.withDefaults()
	var c SwarmConfig
	for _, k := range pr.Kinds {
		if r.IntN(2) == 0 {
			c.Kinds = append(c.Kinds, k)
		}
	}
	if len(c.Kinds) == 0 && len(pr.Kinds) > 0 {
		c.Kinds = []Kind{pr.Kinds[r.IntN(len(pr.Kinds))]}
	}
	c.Faults = r.IntN(pr.MaxFaults + 1)
	return c
}

// Generate draws a plan of c.Faults faults of c's kinds. The same r state
// gives the same plan.
func (pr Profile) Generate(r *rand.Rand, c SwarmConfig) Plan {
	return pr.GenerateFrom(r, c, nil)
}

// GenerateFrom is Generate aimed by a baseline: activity faults name
// calls the fault-free run made, timed faults fall while its activities
// run (see landFault). A nil b draws blind, as Generate does.
func (pr Profile) GenerateFrom(r *rand.Rand, c SwarmConfig, b *Baseline) Plan {
	p, _ := pr.generate(r, c, b)
	return p
}

// generate is GenerateFrom, returning the aim the plan's faults left.
func (pr Profile) generate(r *rand.Rand, c SwarmConfig, b *Baseline) (Plan, *aim) {
	pr = pr.withDefaults()
	var p Plan
	a := newAim(pr.Window)
	for i := 0; i < c.Faults && len(c.Kinds) > 0; i++ {
		k := c.Kinds[r.IntN(len(c.Kinds))]
		if b != nil {
			k = pr.landableKind(r, k, c.Kinds, b, a)
		}
		f, ok := pr.drawFault(r, k)
		if ok && b != nil {
			f, ok = pr.landFault(r, f, b, a)
		}
		if !ok {
			continue
		}
		f.ID = len(p.Faults) + 1
		p.Faults = append(p.Faults, f)
	}
	return p, a
}

// drawFault draws one fault of kind k; ok is false when the profile gives
// the kind nothing to target.
func (pr Profile) drawFault(r *rand.Rand, k Kind) (Fault, bool) {
	f := Fault{Kind: k}
	fs := kindSpecs[k].fields
	pick := func(names []string) bool {
		if len(names) == 0 {
			return false
		}
		f.Target = names[r.IntN(len(names))]
		return true
	}
	if names := pr.targets(k); names != nil && kindSpecs[k].required&fTarget != 0 {
		if !pick(names) {
			return Fault{}, false
		}
	}
	if fs&fAt != 0 {
		f.At = drawDur(r, pr.Window)
		// Half the activity faults are on from the start, so first
		// attempts of early activities are hit too.
		if k.ActivityScoped() && r.IntN(2) == 0 {
			f.At = 0
		}
	}
	if fs&fCall != 0 {
		f.Call = r.IntN(pr.MaxCall + 1)
	}
	if fs&fAttempt != 0 {
		f.Attempt = r.IntN(pr.MaxAttempt + 1)
	}
	switch k {
	case Latency:
		f.Dur = time.Second + drawDur(r, 2*time.Minute)
	case HeartbeatLoss:
		f.Dur = drawDur(r, time.Minute)
	case WorkerShutdown:
		f.Dur = drawDur(r, 30*time.Second)
	case CodecFailure:
		f.Dur = time.Second + drawDur(r, pr.Window/4)
		f.Target = []string{"", "encode", "decode"}[r.IntN(3)]
	case ActivityError:
		f.NonRetryable = r.IntN(4) == 0
	case Signal, Update, Query:
		f.Value = pr.drawValue(r, k, f.Target)
	}
	return f, true
}

func (pr Profile) drawValue(r *rand.Rand, k Kind, name string) string {
	ms := map[Kind][]Message{Signal: pr.Signals, Update: pr.Updates, Query: pr.Queries}[k]
	for _, m := range ms {
		if m.Name == name && len(m.Values) > 0 {
			return m.Values[r.IntN(len(m.Values))]
		}
	}
	return ""
}

// drawDur draws a duration in [0, max], in whole milliseconds so the text
// form stays short.
func drawDur(r *rand.Rand, max time.Duration) time.Duration {
	ms := int64(max / time.Millisecond)
	if ms <= 0 {
		return 0
	}
	return time.Duration(r.Int64N(ms+1)) * time.Millisecond
}

// SwarmPlan draws the swarm configuration and the plan for a seed, from
// the seed's "swarm.config" and "swarm.plan" streams, for engine 1 (see
// SwarmPlanOn). simrun swarm and run use it, so a seed names the same plan
// everywhere.
func (pr Profile) SwarmPlan(seed Seed) (SwarmConfig, Plan) {
	return pr.SwarmPlanFrom(seed, nil)
}

// SwarmPlanFrom is SwarmPlan aimed by the seed's baseline (see
// DrawSwarmPlan); a nil b gives SwarmPlan's plan. It draws engine 1's
// plan: kinds engine 1 does not carry out are left out.
func (pr Profile) SwarmPlanFrom(seed Seed, b *Baseline) (SwarmConfig, Plan) {
	return pr.SwarmPlanOn(seed, b, EngineTestEnv)
}

// SwarmPlanOn is seed's swarm plan for engine e. Every engine first draws
// engine 1's plan, from the profile's kinds engine 1 carries out, so a
// seed names the same faults on both engines. On engine 2, the profile's
// kinds only engine 2 carries out (the replay kinds, deploy) are then drawn from
// the seed's own "swarm.engine2" stream: each is on with probability 1/2,
// and 0 to 2 faults of the kinds on are added after engine 1's, within
// MaxFaults, aimed by b as the others are.
func (pr Profile) SwarmPlanOn(seed Seed, b *Baseline, e Engine) (SwarmConfig, Plan) {
	pr = pr.withDefaults()
	shared := pr.ForEngine(EngineTestEnv)
	c := shared.DrawConfig(seed.Stream("swarm.config"))
	p, a := shared.generate(seed.Stream("swarm.plan"), c, b)
	var only []Kind
	for _, k := range pr.ForEngine(e).Kinds {
		if !slices.Contains(shared.Kinds, k) {
			only = append(only, k)
		}
	}
	if len(only) == 0 {
		return c, p
	}
	r := seed.Stream("swarm.engine2")
	var on []Kind
	for _, k := range only {
		if r.IntN(2) == 0 {
			on = append(on, k)
		}
	}
	n := min(r.IntN(3), pr.MaxFaults-len(p.Faults))
	if len(on) == 0 || n <= 0 {
		return c, p
	}
	c.Kinds = append(slices.Clip(c.Kinds), on...)
	c.Faults += n
	for range n {
		f, ok := pr.drawFault(r, on[r.IntN(len(on))])
		if ok && b != nil {
			f, ok = pr.landFault(r, f, b, a)
		}
		if !ok {
			continue
		}
		f.ID = len(p.Faults) + 1
		p.Faults = append(p.Faults, f)
	}
	return c, p
}

// ForEngine is the profile without the kinds engine e does not carry out
// (Engine.Refuses): what a plan drawn for e may use.
func (pr Profile) ForEngine(e Engine) Profile {
	out := pr
	out.Kinds = nil
	for _, k := range pr.Kinds {
		if _, refused := e.Refuses(Plan{Faults: []Fault{{ID: 1, Kind: k}}}); !refused {
			out.Kinds = append(out.Kinds, k)
		}
	}
	return out
}
