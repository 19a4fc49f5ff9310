package cli

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"text/tabwriter"
	"time"
)

// benchJSON is what bench -json prints. Durations are milliseconds per
// run; ratios are measured in the same process, one after the other.
type benchJSON struct {
	GOMAXPROCS int `json:"gomaxprocs"`
	Runs       int `json:"runs"`
	Rounds     int `json:"rounds"`

	EngineRunMS        float64 `json:"engine_run_ms"`
	BareBubbleRunMS    float64 `json:"bare_bubble_run_ms"`
	BareRunMS          float64 `json:"bare_run_ms"`
	EngineVsBareBubble float64 `json:"engine_vs_bare_bubble"`
	EngineVsBare       float64 `json:"engine_vs_bare"`

	SwarmScenarios     int     `json:"swarm_scenarios"`
	SwarmSeeds         uint64  `json:"swarm_seeds_per_scenario"`
	SwarmP1SeedsPerSec float64 `json:"swarm_p1_seeds_per_sec"`
	SwarmP2SeedsPerSec float64 `json:"swarm_p2_seeds_per_sec"`
	SwarmP2VsP1        float64 `json:"swarm_p2_vs_p1"`
	VirtualPerWall     float64 `json:"virtual_per_wall"`

	ReplayHistories        int     `json:"replay_histories"`
	ReplayEvents           int     `json:"replay_events"`
	ReplayBatchEventsPerS  float64 `json:"replay_batch_events_per_sec"`
	ReplayBatch1EventsPerS float64 `json:"replay_batch_serial_events_per_sec"`
	ReplaySDKEventsPerS    float64 `json:"replay_sdk_loop_events_per_sec"`
	ReplayBatchVsSDK       float64 `json:"replay_batch_vs_sdk_loop"`
	ReplayBatch1VsSDK      float64 `json:"replay_batch_serial_vs_sdk_loop"`

	engine2Bench
	benchOracleJSON
}

// bench is `bench`: the performance table.
func (a *app) bench(args []string) (job, error) {
	fs := a.flags("bench", "[-json] [-runs N] [-seeds N] [-histories N] [-rounds N]", `
Measure, in this process and one after the other:
  - one run of parallel-activities (no faults) through the engine, against
    the same workflow and activities in a bare SDK test environment inside a
    synctest bubble (the fair comparison) and outside one (sleeps skipped);
  - swarm throughput over the correct scenarios with -parallel 1 and 2, and
    virtual seconds simulated per wall second;
  - engine 2 (the in-process server) on the same parallel-activities run,
    against the bare bubble by wall time and by the process's CPU time (the
    steadier figure on a shared machine), and its swarm throughput with
    -parallel 2 on fault-free plans;
  - batch replay of generated ParallelWorkflow histories (all CPUs and one at
    a time) against the SDK's replayer in a loop over the same files;
  - engine-2 runs of the correct scenarios (seed 1, no faults) with the
    replay oracle on and off: the oracle's cost.
Every figure is the best of -rounds rounds, so a busy machine skews them
less. The single runs (engine 1, engine 2, bare in and out of a bubble)
take turns in blocks of 10, with garbage collected before each block, and
their ratios are the median of the rounds' ratios: a machine whose speed
drifts weighs on all of them alike. Prints absolute figures and the ratios;
wall-clock figures vary by machine and load.`)
	runs := fs.Int("runs", 50, "runs per single-run measurement")
	seeds := fs.Uint64("seeds", 20, "seeds per scenario for the swarm measurements")
	histories := fs.Int("histories", 200, "histories in the replay corpus")
	rounds := fs.Int("rounds", 3, "measure everything this many times and keep each figure's best")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) > 0:
		return nil, fmt.Errorf("unexpected argument %q", pos[0])
	case *runs < 1 || *seeds < 1 || *histories < 1 || *rounds < 1:
		return nil, errors.New("-runs, -seeds, -histories and -rounds must be at least 1")
	case len(a.correct()) == 0:
		return nil, errors.New("no scenarios to swarm")
	}
	return func(t *testing.T) int {
		out, err := a.measure(t, *runs, *seeds, *histories, *rounds)
		if err != nil {
			fmt.Fprintf(a.stderr, "%s bench: %s\n", a.cfg.Command, oneLine(err.Error()))
			return exitFail
		}
		if *asJSON {
			a.printJSON(out)
		} else {
			a.printBench(out)
		}
		return exitOK
	}, nil
}

// best keeps the fastest of repeated measurements: on a shared machine
// the slowest rounds measure the neighbours, not the code.
type best map[string]time.Duration

func (b best) keep(name string, d time.Duration, err error) error {
	if err != nil {
		return err
	}
	if old, ok := b[name]; !ok || d < old {
		b[name] = d
	}
	return nil
}

func (a *app) measure(t *testing.T, runs int, seeds uint64, histories, rounds int) (*benchJSON, error) {
	out := &benchJSON{GOMAXPROCS: runtime.GOMAXPROCS(0), Runs: runs, Rounds: rounds, SwarmSeeds: seeds, SwarmScenarios: len(a.correct())}
	corpus, err := newReplayCorpus(histories)
	if err != nil {
		return nil, err
	}
	defer corpus.remove()
	fns, err := singleRuns(t)
	if err != nil {
		return nil, err
	}
	// Warm up once, so the first round does not pay for package
	// initialisation and first-use allocations.
	if err := fns["engine"](); err != nil {
		return nil, err
	}
	b, rs := best{}, ratios{}
	var virtual, wall time.Duration
	for range rounds {
		var p [3]*swarmReport
		for _, par := range []int{1, 2} {
			p[par] = a.benchSwarm(t, seeds, par)
			if p[par].failures > 0 {
				return nil, fmt.Errorf("%d seeds failed in the swarm measurement; run simrun swarm -seeds %d to see them", p[par].failures, seeds)
			}
			virtual, wall = virtual+p[par].virtual, wall+p[par].wall
		}
		d1, d2 := corpus.batch(0)
		d3, d4 := corpus.batch(1)
		d5, d6 := corpus.sdkLoop()
		one, cpu, err := interleaved(runs, single, fns)
		if err != nil {
			return nil, err
		}
		if cpu != nil {
			rs.add("engine2/bubble cpu", cpu["engine2"], cpu["bubble"])
		}
		rs.add("engine/bubble", one["engine"], one["bubble"])
		rs.add("engine/bare", one["engine"], one["bare"])
		rs.add("engine2/bubble", one["engine2"], one["bubble"])
		if err := benchOracle(t, b, a.correct(), runs); err != nil {
			return nil, err
		}
		if err := errors.Join(b.keep("p1", p[1].wall, nil), b.keep("p2", p[2].wall, nil), b.keep("batch", d1, d2), b.keep("batch1", d3, d4),
			b.keep("sdk", d5, d6), b.keep("engine", one["engine"], nil), b.keep("bubble", one["bubble"], nil), b.keep("bare", one["bare"], nil),
			a.keepEngine2(t, b, one["engine2"], seeds)); err != nil {
			return nil, err
		}
	}
	out.EngineRunMS, out.BareBubbleRunMS, out.BareRunMS = ms(b["engine"]), ms(b["bubble"]), ms(b["bare"])
	out.EngineVsBareBubble, out.EngineVsBare = rs.median("engine/bubble"), rs.median("engine/bare")
	n := float64(seeds) * float64(out.SwarmScenarios)
	out.SwarmP1SeedsPerSec, out.SwarmP2SeedsPerSec = n/b["p1"].Seconds(), n/b["p2"].Seconds()
	out.SwarmP2VsP1 = ratio(b["p1"], b["p2"])
	out.VirtualPerWall = virtual.Seconds() / wall.Seconds()
	out.ReplayHistories, out.ReplayEvents = len(corpus.files), corpus.events
	ev := float64(corpus.events)
	out.ReplayBatchEventsPerS, out.ReplayBatch1EventsPerS, out.ReplaySDKEventsPerS = ev/b["batch"].Seconds(), ev/b["batch1"].Seconds(), ev/b["sdk"].Seconds()
	out.ReplayBatchVsSDK, out.ReplayBatch1VsSDK = ratio(b["sdk"], b["batch"]), ratio(b["sdk"], b["batch1"])
	out.engine2Bench = a.engine2Figures(b, seeds, rs.median("engine2/bubble"), rs.median("engine2/bubble cpu"))
	out.benchOracleJSON.fill(b, len(a.correct()))
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// ratio is a/b, or 0 when b is 0.
func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (a *app) printBench(b *benchJSON) {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "measurement\tfigure\tratio\n")
	fmt.Fprintf(w, "engine: parallel-activities, no faults\t%.2f ms/run\t\n", b.EngineRunMS)
	fmt.Fprintf(w, "bare SDK test env in a synctest bubble\t%.2f ms/run\tengine/bare %.2fx\n", b.BareBubbleRunMS, b.EngineVsBareBubble)
	fmt.Fprintf(w, "bare SDK test env, no bubble, sleeps skipped\t%.2f ms/run\tengine/bare %.2fx\n", b.BareRunMS, b.EngineVsBare)
	fmt.Fprintf(w, "swarm -parallel 1 (%d scenarios x %d seeds)\t%.0f seeds/s\t\n", b.SwarmScenarios, b.SwarmSeeds, b.SwarmP1SeedsPerSec)
	fmt.Fprintf(w, "swarm -parallel 2\t%.0f seeds/s\tp2/p1 %.2fx\n", b.SwarmP2SeedsPerSec, b.SwarmP2VsP1)
	fmt.Fprintf(w, "virtual time per wall time (swarm)\t%.0f s/s\t\n", b.VirtualPerWall)
	printEngine2(w, &b.engine2Bench)
	fmt.Fprintf(w, "batch replay, %d at a time (%d histories, %d events)\t%.0f events/s\tbatch/SDK %.2fx\n", b.GOMAXPROCS, b.ReplayHistories, b.ReplayEvents, b.ReplayBatchEventsPerS, b.ReplayBatchVsSDK)
	fmt.Fprintf(w, "batch replay, 1 at a time\t%.0f events/s\tbatch/SDK %.2fx\n", b.ReplayBatch1EventsPerS, b.ReplayBatch1VsSDK)
	fmt.Fprintf(w, "SDK WorkflowReplayer in a loop\t%.0f events/s\t\n", b.ReplaySDKEventsPerS)
	b.benchOracleJSON.print(w)
	_ = w.Flush()
	fmt.Fprintf(a.stdout, "GOMAXPROCS=%d, %d runs per single-run figure; figures: best of %d rounds; single-run ratios: median of the rounds', each from interleaved blocks of %d runs\n", b.GOMAXPROCS, b.Runs, b.Rounds, pairBlock)
}
