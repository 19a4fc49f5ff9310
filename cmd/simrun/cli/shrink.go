package cli

import (
	"errors"
	"fmt"
	"testing"

	"github.com/temporalsim/temporalsim/harness"
	"github.com/temporalsim/temporalsim/sim"
)

// shrink is `shrink SCENARIO -seed N`: the smallest plan that still fails.
func (a *app) shrink(args []string) (job, error) {
	fs := a.flags("shrink", "SCENARIO -seed N [-plan FILE] [-engine E] [-out FILE] [-json]", `
Shrink a failing seed's fault plan (its swarm plan, or -plan FILE) to the
fewest and simplest faults under which a property still fails, with the same
seed. Prints the plan and the command that runs it, and writes it to -out
(default SCENARIO-SEED.min.plan in the current directory). Shrinking is
deterministic: go test and simrun shrink the same plan to the same plan.
Exits 2 when the seed does not fail.`)
	var seed seedFlag
	fs.Var(&seed, "seed", "the failing seed (required)")
	planFile := fs.String("plan", "", "shrink this plan file instead of the seed's swarm plan")
	out := fs.String("out", "", "write the shrunk plan to `FILE`")
	asJSON := fs.Bool("json", false, "print one JSON object")
	a.engineFlag(fs)
	sc, err := a.scenarioAndSeed(fs, args, &seed)
	if err != nil {
		return nil, err
	}
	var plan sim.Plan
	if *planFile != "" {
		if plan, err = readPlan(*planFile, sc); err != nil {
			return nil, err
		}
	}
	if *out == "" {
		*out = fmt.Sprintf("%s-%d.min.plan", fileStem(sc.Name), seed.seed)
	}
	if err := checkWritable("out", *out); err != nil {
		return nil, err
	}
	return func(t *testing.T) int {
		if *planFile == "" {
			if _, plan, err = sim.DrawSwarmPlanOn(t, sc, seed.seed, a.engineName()); err != nil {
				fmt.Fprintf(a.stderr, "%s shrink: %s\n", a.cfg.Command, oneLine(err.Error()))
				return exitUsage
			}
		}
		small, r, err := harness.ShrinkWith(t, sc, seed.seed, plan, a.options(nil, nil))
		switch {
		case errors.Is(err, harness.ErrPassed):
			fmt.Fprintf(a.stderr, "%s shrink: %s seed %d does not fail (every property held): nothing to shrink\n", a.cfg.Command, sc.Name, seed.seed)
			return exitUsage
		case err != nil:
			fmt.Fprintf(a.stderr, "%s shrink: %s\n", a.cfg.Command, runError(err))
			return exitUsage
		}
		text := shrunkPlanText(sc, seed.seed, plan, small, r, a.repro(sc, seed.seed, *out))
		if err := writeFileAtomic(*out, []byte(text)); err != nil {
			fmt.Fprintf(a.stderr, "%s shrink: writing %s: %s\n", a.cfg.Command, *out, oneLine(err.Error()))
			return exitUsage
		}
		repro := a.repro(sc, seed.seed, *out)
		if *asJSON {
			a.printJSON(shrinkJSON{Scenario: sc.Name, Seed: uint64(seed.seed), From: len(plan.Faults), To: len(small.Faults),
				Plan: small.String(), Violations: append([]sim.Violation{}, r.Violations...), File: *out, Repro: repro})
			return exitFail
		}
		fmt.Fprintf(a.stdout, "%s seed %d: shrunk %d faults to %d\n%s", sc.Name, seed.seed, len(plan.Faults), len(small.Faults), small)
		fmt.Fprintln(a.stdout, "still fails:")
		for _, v := range r.Violations {
			fmt.Fprintf(a.stdout, "  %s\n", v)
		}
		fmt.Fprintf(a.stdout, "written to %s\nreproduce: %s\n", *out, repro)
		return exitFail
	}, nil
}

// shrinkJSON is what shrink -json prints.
type shrinkJSON struct {
	Scenario   string          `json:"scenario"`
	Seed       uint64          `json:"seed"`
	From       int             `json:"faults_before"`
	To         int             `json:"faults_after"`
	Plan       string          `json:"plan"`
	Violations []sim.Violation `json:"violations"`
	File       string          `json:"file"`
	Repro      string          `json:"repro"`
}

// shrunkPlanText is the shrunk plan with a comment header saying where it
// came from and how to run it.
func shrunkPlanText(sc *sim.Scenario, seed sim.Seed, from, small sim.Plan, r *sim.Result, repro string) string {
	text := fmt.Sprintf("%s\n# scenario: %s\n# seed: %d\n# shrunk from %d faults to %d\n# violations:\n", sim.PlanHeader, sc.Name, seed, len(from.Faults), len(small.Faults))
	for _, v := range r.Violations {
		text += "#   " + oneLine(v.String()) + "\n"
	}
	text += "# reproduce: " + repro + "\n"
	for _, f := range small.Faults {
		text += f.String() + "\n"
	}
	return text
}
