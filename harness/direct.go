package harness

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

// The sources of a failure that a flag named rather than a search found.
const (
	SourcePlan  Source = "plan file"  // the plan -sim.plan names
	SourceSwarm Source = "swarm seed" // one of the seeds of -sim.swarm
)

// direct runs what -sim.seed, -sim.plan or -sim.swarm names instead of a
// search, as simrun run and simrun swarm do.
func (s *search) direct(m runMode) (*Failure, error) {
	switch m {
	case modePlan:
		return s.planFile()
	case modeSwarm:
		return s.swarmSeeds()
	}
	return s.oneSeed()
}

// settle is conclude for a run a flag named: the failure is reported as
// it ran, so its go test line reruns it trace for trace, unless
// -sim.shrink asks for the smallest plan that still fails. A passing run
// of one seed or plan file is still written out (-sim.trace, -sim.html).
func (s *search) settle(tr *trial, src Source) (*Failure, error) {
	switch {
	case tr.err != nil || tr.div != nil:
		return s.conclude(tr, src)
	case !tr.res.Failed():
		if src == SourceSwarm {
			return nil, nil
		}
		return nil, writeRun(tr.res, s.goTest(runArgs(tr.seed, src)))
	case runFlags.shrink:
		return s.conclude(tr, src)
	}
	return &Failure{Scenario: s.sc.Name, Seed: tr.seed, Config: tr.cfg, FoundSeed: tr.seed, Found: tr.plan, Plan: tr.plan,
		Result: tr.res, Plans: s.st.plans, Source: src, simrun: simrunCommand(s.sc)}, nil
}

// swarmSeeds runs the swarm plans of -sim.swarm consecutive seeds, from
// -sim.seed (default 1), and stops at the first failure.
func (s *search) swarmSeeds() (*Failure, error) {
	start := sim.Seed(1)
	if s.cfg.hasSimSeed {
		start = s.cfg.simSeed
	}
	for i := range runFlags.swarm.n {
		seed := start + sim.Seed(i)
		b, err := s.baseline(seed) // as sim.DrawSwarmPlan, so simrun run -seed draws the same plan
		if err != nil {
			return nil, err
		}
		cfg, plan := s.sc.Profile.SwarmPlanOn(seed, b, s.engine())
		tr := s.trial(seed, &cfg, plan)
		if tr.err != nil || tr.div != nil || tr.res.Failed() {
			return s.settle(tr, SourceSwarm)
		}
	}
	noRunWritten(s)
	return nil, nil
}

// planFile runs the plan -sim.plan names, with the seed its file gives
// or -sim.seed. A plan saved for another scenario is skipped, so one
// -sim.plan can be given to a test holding several Checks.
func (s *search) planFile() (*Failure, error) {
	pf, err := readRunPlan(runFlags.plan, s.cfg)
	if err != nil {
		return nil, err
	}
	if pf.Scenario != "" && pf.Scenario != s.sc.Name {
		s.t.Logf("temporalsim: %s: -sim.plan %s is a plan of scenario %s; not run here", s.sc.Name, runFlags.plan, pf.Scenario)
		return nil, nil
	}
	f, err := s.settle(s.trial(pf.Seed, nil, pf.Plan), SourcePlan)
	if f != nil && !runFlags.shrink {
		f.PlanFile = runFlags.plan // it is saved already: the user's own file
	}
	return f, err
}

// readRunPlan reads a plan file for -sim.plan: one Check saved (with its
// scenario and seed), or simrun's plan text, which needs -sim.seed.
func readRunPlan(path string, c config) (PlanFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return PlanFile{}, fmt.Errorf("harness: -sim.plan: %w", err)
	}
	plan, err := sim.ParsePlan(string(data))
	if err != nil {
		return PlanFile{}, fmt.Errorf("harness: -sim.plan %s: %w", path, err)
	}
	pf, err := ParsePlanFile(string(data))
	if err != nil {
		pf = PlanFile{Plan: plan}
		if !c.hasSimSeed {
			return PlanFile{}, errors.New("harness: -sim.plan " + path + ` has no "# seed: N" line: give the seed with -sim.seed`)
		}
	}
	if c.hasSimSeed {
		pf.Seed = c.simSeed
	}
	return pf, nil
}

// runArgs are the -sim.* arguments that rerun one run a flag named.
func runArgs(seed sim.Seed, src Source) string {
	if src == SourcePlan {
		return fmt.Sprintf("-sim.seed=%d -sim.plan=%s", seed, shellQuote(runFlags.plan))
	}
	return fmt.Sprintf("-sim.seed=%d", seed)
}

// goTest is the go test command, from the module root, that runs this
// Check's test alone with args.
func (s *search) goTest(args string) string {
	return strings.TrimSpace(goTestCommand(s.t.Name(), s.cfg.engine) + " " + args)
}

// goTestCommand is "go test PKG -run PATTERN" for the named test, with
// -sim.engine when e is not engine 1.
func goTestCommand(test string, e sim.Engine) string {
	pkg, _, _ := packageDir()
	cmd := "go test"
	if pkg != "" {
		cmd += " " + pkg
	}
	return cmd + " -run " + shellQuote(anchoredRun(test)) + engineArg(e)
}
