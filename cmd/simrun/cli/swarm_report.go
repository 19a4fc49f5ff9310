package cli

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/temporalsim/temporalsim/internal/timeline"
	"github.com/temporalsim/temporalsim/sim"
)

// swarmJSON is what swarm -json prints.
type swarmJSON struct {
	Scenarios             []string         `json:"scenarios"`
	Engine                sim.Engine       `json:"engine"`
	Start                 uint64           `json:"start"`
	Seeds                 uint64           `json:"seeds,omitempty"`
	Duration              string           `json:"duration,omitempty"`
	Shard                 string           `json:"shard"`
	Parallel              int              `json:"parallel"`
	Runs                  int              `json:"runs"`
	Failures              int              `json:"failures"`
	DeterminismMismatches int              `json:"determinism_mismatches"`
	SeedsPerSec           float64          `json:"seeds_per_sec"`
	VirtualPerWall        float64          `json:"virtual_per_wall"`
	WallSeconds           float64          `json:"wall_seconds"`
	Interrupted           bool             `json:"interrupted,omitempty"`
	FaultsInjected        map[string]int   `json:"faults_injected"`
	Outcomes              map[string]int   `json:"outcomes"`
	FailingSeeds          []failingSeed    `json:"failing_seeds"`
	Mismatches            []mismatchedSeed `json:"mismatches,omitempty"`
	Results               []seedJSON       `json:"results,omitempty"`

	// faultTally is the planned and fired fault counts of the whole
	// swarm; PerScenario has each scenario's.
	faultTally
	PerScenario map[string]*faultTally `json:"per_scenario"`
	// Coverage is, under -exhaustive, how much of each scenario's
	// small-scope list ran.
	Coverage map[string]string `json:"coverage,omitempty"`
}

// seedJSON is one seed's line in swarm -v -json.
type seedJSON struct {
	Scenario    string      `json:"scenario"`
	Seed        uint64      `json:"seed"`
	Outcome     sim.Outcome `json:"outcome"`
	Failed      bool        `json:"failed"`
	TraceSHA256 string      `json:"trace_sha256"`
}

type failingSeed struct {
	Scenario   string          `json:"scenario"`
	Seed       uint64          `json:"seed"`
	Outcome    sim.Outcome     `json:"outcome"`
	Violations []sim.Violation `json:"violations"`
	Repro      string          `json:"repro"`
	PlanFile   string          `json:"plan_file,omitempty"`
	PlanIndex  *int            `json:"plan_index,omitempty"` // under -exhaustive
}

type mismatchedSeed struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	At       string `json:"at"`
}

// swarmHooks writes each failure's plan file (and timeline) as soon as it
// is found, so a swarm that is killed keeps what it found, and notes it on
// the progress output.
func (a *app) swarmHooks(o swarmOpts, prog *progress) swarmHooks {
	return swarmHooks{
		onHangFor: a.onHang,
		onResult: func(res *seedResult, r *sim.Result) {
			if res.failed {
				first := ""
				if len(res.violations) > 0 {
					first = ": " + oneLine(res.violations[0].String())
				}
				prog.note(fmt.Sprintf("FAIL %s seed %d%s", res.scenario, res.seed, first))
			}
			if res.mismatch != "" {
				prog.note(fmt.Sprintf("NONDETERMINISTIC %s seed %d: %s", res.scenario, res.seed, res.mismatch))
			}
			if res.failed && o.outDir != "" {
				if err := a.writeFailure(o, res, r); err != nil {
					prog.note(fmt.Sprintf("%s swarm: %s", a.cfg.Command, oneLine(err.Error())))
				}
			}
		},
	}
}

// writeFailure writes <scenario>-<seed>.plan: the plan with a comment
// header that says what failed and how to reproduce it.
func (a *app) writeFailure(o swarmOpts, res *seedResult, r *sim.Result) error {
	stem := fmt.Sprintf("%s-%d", fileStem(res.scenario), res.seed)
	if o.ex.on {
		stem += fmt.Sprintf("-p%d", res.index)
	}
	path := filepath.Join(o.outDir, stem+".plan")
	var b strings.Builder
	fmt.Fprintln(&b, sim.PlanHeader)
	fmt.Fprintf(&b, "# scenario: %s\n# seed: %d\n# swarm config: %s\n", res.scenario, res.seed, res.config)
	fmt.Fprintf(&b, "# outcome: %s\n# violations:\n", res.outcome)
	for _, v := range res.violations {
		fmt.Fprintf(&b, "#   %s\n", oneLine(v.String()))
	}
	sc := a.byName[res.scenario]
	if o.ex.on {
		fmt.Fprintf(&b, "# reproduce the swarm run (same trace): %s\n", o.ex.repro(res.scenario, res.index))
	} else {
		fmt.Fprintf(&b, "# reproduce the swarm run (same trace): %s\n", a.repro(sc, res.seed, ""))
	}
	fmt.Fprintf(&b, "# run this file (edit it to experiment): %s\n", a.repro(sc, res.seed, path))
	fmt.Fprintf(&b, "# shrink it to the fewest faults:        %s shrink %s -seed %d\n", a.cfg.Command, shellQuote(res.scenario), res.seed)
	for _, f := range res.plan.Faults {
		fmt.Fprintln(&b, f.String())
	}
	if err := writeFileAtomic(path, []byte(b.String())); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	res.planFile = path
	if o.html && r != nil {
		hpath := filepath.Join(o.outDir, stem+".html")
		if err := writeFileAtomic(hpath, timeline.HTML(r, a.repro(sc, res.seed, ""))); err != nil {
			return fmt.Errorf("writing %s: %w", hpath, err)
		}
	}
	return nil
}

func (rep *swarmReport) json(o swarmOpts, repro func(name string, seed sim.Seed) string) swarmJSON {
	out := swarmJSON{Engine: o.engineName(), Start: uint64(o.start), Seeds: o.seeds, Shard: o.shard.String(), Parallel: o.parallel,
		Runs: len(rep.results), Failures: rep.failures, DeterminismMismatches: rep.mismatches,
		WallSeconds: rep.wall.Seconds(), Interrupted: rep.interrupted, FaultsInjected: rep.faultCounts(), Outcomes: map[string]int{},
		FailingSeeds: []failingSeed{}}
	out.faultTally, out.PerScenario = rep.tallies()
	out.Coverage = rep.coverage(o.ex)
	if o.duration > 0 {
		out.Duration = o.duration.String()
	}
	for _, sc := range o.scenarios {
		out.Scenarios = append(out.Scenarios, sc.Name)
	}
	if s := rep.wall.Seconds(); s > 0 {
		out.SeedsPerSec = float64(len(rep.results)) / s
		out.VirtualPerWall = rep.virtual.Seconds() / s
	}
	for _, r := range rep.results {
		if o.verbose {
			out.Results = append(out.Results, seedJSON{Scenario: r.scenario, Seed: uint64(r.seed), Outcome: r.outcome, Failed: r.failed, TraceSHA256: r.sha})
		}
		out.Outcomes[string(r.outcome)]++
		if r.failed {
			fs := failingSeed{Scenario: r.scenario, Seed: uint64(r.seed), Outcome: r.outcome,
				Violations: append([]sim.Violation{}, r.violations...), Repro: repro(r.scenario, r.seed), PlanFile: r.planFile}
			if o.ex.on {
				fs.Repro, fs.PlanIndex = o.ex.repro(r.scenario, r.index), &r.index
			}
			out.FailingSeeds = append(out.FailingSeeds, fs)
		}
		if r.mismatch != "" {
			out.Mismatches = append(out.Mismatches, mismatchedSeed{Scenario: r.scenario, Seed: uint64(r.seed), At: r.mismatch})
		}
	}
	return out
}

// maxListed caps the failing seeds listed in the readable summary; -json
// lists them all.
const maxListed = 40

func (a *app) printSwarm(rep *swarmReport, o swarmOpts) {
	j := rep.json(o, a.reproName)
	w := a.stdout
	paint := painter(a.stdoutTTY)
	from := fmt.Sprintf("seeds from %d", o.start)
	if o.ex.on {
		from = fmt.Sprintf("small-scope plans from %d, seed %d", o.start, o.ex.seed)
	}
	fmt.Fprintf(w, "%d runs of %d scenarios (%s, shard %s, %d at a time): ", j.Runs, len(o.scenarios), from, j.Shard, o.parallel)
	verdict := fmt.Sprintf("%d failures", j.Failures)
	if o.checkDeterminism {
		verdict += fmt.Sprintf(", %d determinism mismatches", j.DeterminismMismatches)
	}
	if j.Failures+j.DeterminismMismatches > 0 {
		fmt.Fprintln(w, paint(colorFault, verdict))
	} else {
		fmt.Fprintln(w, paint(colorOK, verdict))
	}
	fmt.Fprintf(w, "%.0f seeds/s, %.0f virtual seconds per wall second, %.1fs wall\n", j.SeedsPerSec, j.VirtualPerWall, j.WallSeconds)
	if j.Interrupted {
		fmt.Fprintln(w, "interrupted: the counts cover the seeds that ran")
	}
	fmt.Fprintf(w, "faults injected: %s\n", countList(j.FaultsInjected))
	fmt.Fprintf(w, "faults fired: %s\n", j.faultTally)
	for _, name := range slices.Sorted(maps.Keys(j.Coverage)) {
		fmt.Fprintf(w, "%s: %s\n", name, j.Coverage[name])
	}
	for _, sc := range o.scenarios {
		for _, line := range sc.Profile.Idle() {
			fmt.Fprintf(w, "%s: %s\n", sc.Name, line)
		}
	}
	if low := lowFiring(j.PerScenario); len(low) > 0 {
		fmt.Fprintf(w, "fewer than half the planned faults fired in %s: widen the profile's Window or list the activities, signals and queries the workflow uses\n", strings.Join(low, ", "))
	}
	fmt.Fprintf(w, "outcomes: %s\n", countList(j.Outcomes))
	for _, r := range j.Results {
		fmt.Fprintf(w, "%s %d %s %s\n", r.Scenario, r.Seed, r.Outcome, r.TraceSHA256)
	}
	for i, f := range j.FailingSeeds {
		if i == maxListed {
			fmt.Fprintf(w, "... and %d more failing seeds (-json lists them all)\n", len(j.FailingSeeds)-maxListed)
			break
		}
		first := ""
		if len(f.Violations) > 0 {
			first = oneLine(f.Violations[0].String())
		}
		fmt.Fprintf(w, "%s %s seed %d: %s\n    reproduce: %s\n", paint(colorFault, "FAIL"), f.Scenario, f.Seed, first, f.Repro)
		if f.PlanFile != "" {
			fmt.Fprintf(w, "    plan file: %s\n", f.PlanFile)
		}
	}
	for _, m := range j.Mismatches {
		fmt.Fprintf(w, "%s %s seed %d: the two runs differ: %s\n    reproduce: %s run %s -seed %d%s (twice, and compare -trace files)\n",
			paint(colorFault, "NONDETERMINISTIC"), m.Scenario, m.Seed, m.At, a.cfg.Command, shellQuote(m.Scenario), m.Seed, a.engineArg())
	}
}

func (a *app) reproName(name string, seed sim.Seed) string {
	return a.repro(a.byName[name], seed, "")
}

func countList(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
