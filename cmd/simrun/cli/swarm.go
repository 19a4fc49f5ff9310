package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// defaultSwarmSeeds is how many seeds a bare `simrun swarm` runs per
// scenario: enough to exercise every scenario, few enough for seconds.
const defaultSwarmSeeds = 50

// swarmOpts is a parsed swarm command line.
type swarmOpts struct {
	scenarios        []*sim.Scenario
	start            sim.Seed
	seeds            uint64        // seeds in the range; 0 when time-boxed
	duration         time.Duration // time box; 0 when counted
	shard            shard
	parallel         int
	checkDeterminism bool
	outDir           string
	html             bool
	verbose          bool
	ex               exhaustiveOpts
	engine           sim.Engine // runs every seed; "" is engine 1
}

// swarm is `swarm`: many seeds of many scenarios, in parallel.
func (a *app) swarm(args []string) (job, error) {
	fs := a.flags("swarm", "[-scenario NAME|all] [-bugs] [-seeds N | -duration D] [-start S | -night N] [-shard I/N] [-parallel P] [-check-determinism] [-engine E] [-out DIR [-html]] [-v] [-json]", fmt.Sprintf(`
Run seeds start..start+N-1 of each chosen scenario, each with the fault plan
its seed draws, on P goroutines, and report every seed whose properties did
not hold with the command that reproduces it. Results are ordered by
scenario, then seed, whatever order they finish in. Without flags: every
correct scenario, %d seeds each.

Sharding: seed s belongs to shard ((s-start) mod N)+1, so CI jobs
-shard 1/N .. N/N together run exactly the seeds of the unsharded run.
Nightly: -night N (the CI run number) starts at night N's own range of
2^20 seeds, so each night explores seeds no earlier night ran.
Engine 2 (-engine server) refuses a plan with a fault kind it does not carry
out yet: the swarm then stops with exit status 2 and names the kind.
Exits 1 when a seed fails or a determinism check finds two runs differ (their
traces, or on engine 2 their histories).`, defaultSwarmSeeds))
	names := fs.String("scenario", "all", "scenario `NAME`, a comma-separated list, or all")
	withBugs := fs.Bool("bugs", false, "also run the planted-bug variants (of the chosen scenarios)")
	seeds := fs.Uint64("seeds", defaultSwarmSeeds, "how many seeds per scenario")
	duration := fs.Duration("duration", 0, "run seeds until this much wall time has passed (instead of -seeds)")
	var start seedFlag
	start.seed = 1
	fs.Var(&start, "start", "first seed (default 1)")
	night := fs.Uint64("night", 0, "start at night `N`'s own seed range (N-1)*2^20+1.. (N: the CI run number), so nights never repeat seeds")
	var sh shard
	fs.Var(&sh, "shard", "run only shard `I/N` of the seeds")
	parallel := fs.Int("parallel", runtime.GOMAXPROCS(0), "how many seeds run at once")
	det := fs.Bool("check-determinism", false, "run every seed twice and compare the traces")
	outDir := fs.String("out", "", "write a plan file per failing seed into `DIR`")
	html := fs.Bool("html", false, "with -out, also write each failing seed's HTML timeline")
	verbose := fs.Bool("v", false, "list every seed's outcome and trace fingerprint (with -json: as \"results\")")
	asJSON := fs.Bool("json", false, "print one JSON object with the totals")
	exhaustive := fs.Bool("exhaustive", false, "run each scenario's small-scope plans (every single fault, then pairs) against the baseline of -seed; -start and -seeds count plans")
	var baseSeed seedFlag
	baseSeed.seed = 1
	fs.Var(&baseSeed, "seed", "with -exhaustive: the seed of the baseline and of every run (default 1)")
	a.engineFlag(fs)
	pos, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, fmt.Errorf("unexpected argument %q (name scenarios with -scenario)", pos[0])
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	o := swarmOpts{start: start.seed, seeds: *seeds, duration: *duration, shard: sh, parallel: *parallel,
		checkDeterminism: *det, outDir: *outDir, html: *html, verbose: *verbose,
		ex: exhaustiveOpts{on: *exhaustive, seed: baseSeed.seed}, engine: a.engine}
	if err := a.checkSwarmOpts(&o, given, *names, *withBugs); err != nil {
		return nil, err
	}
	if err := a.checkExhaustive(&o, given); err != nil {
		return nil, err
	}
	if given["night"] {
		if err := applyNight(&o, *night, given); err != nil {
			return nil, err
		}
		fmt.Fprintf(a.stderr, "night %d: seeds %d..%d\n", *night, o.start, uint64(o.start)+NightSeeds-1)
	}
	return func(t *testing.T) int {
		if err := o.prepare(t); err != nil {
			fmt.Fprintf(a.stderr, "%s swarm: the baseline run: %s\n", a.cfg.Command, oneLine(err.Error()))
			return exitUsage
		}
		prog := a.newProgress(o)
		hooks := a.swarmHooks(o, prog)
		interrupted := make(chan struct{})
		hooks.interrupt = interrupted
		// The first Ctrl-C stops feeding seeds and reports what ran; a
		// second one ends the process as usual.
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt)
		go func() {
			if _, ok := <-sigs; ok {
				signal.Stop(sigs)
				prog.note("interrupted: finishing the running seeds (Ctrl-C again to quit now)")
				close(interrupted)
			}
		}()
		rep := runSwarm(t, o, prog, hooks)
		signal.Stop(sigs)
		close(sigs)
		if rep.refused != "" {
			fmt.Fprintf(a.stderr, "%s swarm: %s\n", a.cfg.Command, rep.refused)
			return exitUsage
		}
		if *asJSON {
			a.printJSON(rep.json(o, a.reproName))
		} else {
			a.printSwarm(rep, o)
		}
		if rep.failures > 0 || rep.mismatches > 0 {
			return exitFail
		}
		return exitOK
	}, nil
}

func (a *app) checkSwarmOpts(o *swarmOpts, given map[string]bool, names string, withBugs bool) error {
	switch {
	case given["seeds"] && given["duration"]:
		return errors.New("give -seeds or -duration, not both")
	case given["duration"] && o.duration <= 0:
		return fmt.Errorf("-duration %s: want a positive duration, as in 10m", o.duration)
	case given["duration"]:
		o.seeds = 0
	case o.seeds == 0:
		return errors.New("-seeds 0: want at least one seed")
	case o.seeds > ^uint64(0)-uint64(o.start):
		return fmt.Errorf("-start %d -seeds %d runs past the largest seed", o.start, o.seeds)
	}
	if o.parallel < 1 {
		return fmt.Errorf("-parallel %d: want at least 1", o.parallel)
	}
	if o.html && o.outDir == "" {
		return errors.New("-html needs -out DIR")
	}
	if o.outDir != "" {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return fmt.Errorf("-out: %w", err)
		}
	}
	scs, err := a.pickScenarios(names, withBugs)
	if err != nil {
		return err
	}
	o.scenarios = scs
	return nil
}

// pickScenarios resolves -scenario and -bugs: "all" is every correct
// scenario; -bugs adds the planted-bug variants of the chosen ones.
func (a *app) pickScenarios(names string, withBugs bool) ([]*sim.Scenario, error) {
	var picked []*sim.Scenario
	seen := map[string]bool{}
	add := func(sc *sim.Scenario) {
		if !seen[sc.Name] {
			seen[sc.Name] = true
			picked = append(picked, sc)
		}
	}
	for _, name := range strings.Split(names, ",") {
		name = strings.TrimSpace(name)
		if name == "all" {
			for _, sc := range a.correct() {
				add(sc)
			}
			continue
		}
		sc, err := a.scenario(name)
		if err != nil {
			return nil, err
		}
		add(sc)
	}
	if withBugs {
		all := slices.Contains(strings.Split(strings.ReplaceAll(names, " ", ""), ","), "all")
		for _, bug := range a.bugs() {
			base, _, _ := strings.Cut(bug.Name, "/bug-")
			if all || seen[base] {
				add(bug)
			}
		}
	}
	if len(picked) == 0 {
		return nil, errors.New("no scenarios to run")
	}
	return a.sorted(func(sc *sim.Scenario) bool { return seen[sc.Name] }), nil
}

// engineName is the engine that runs the seeds, by its name.
func (o swarmOpts) engineName() sim.Engine {
	if o.engine == "" {
		return sim.EngineTestEnv
	}
	return o.engine
}

// seedsInShard is how many seeds of a counted range the shard runs.
func (o swarmOpts) seedsInShard() uint64 {
	if o.shard.n <= 1 {
		return o.seeds
	}
	if o.seeds <= o.shard.i-1 {
		return 0
	}
	return (o.seeds - (o.shard.i - 1) + o.shard.n - 1) / o.shard.n
}
