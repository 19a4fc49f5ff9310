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
}

// bench is `bench`: the performance table.
func (a *app) bench(args []string) (job, error) {
	fs := a.flags("bench", "[-json] [-runs N] [-seeds N] [-histories N]", `
Measure, in this process and one after the other:
  - one run of parallel-activities (no faults) through the engine, against
    the same workflow and activities in a bare SDK test environment inside a
    synctest bubble (the fair comparison) and outside one (sleeps skipped);
  - swarm throughput over the correct scenarios with -parallel 1 and 2, and
    virtual seconds simulated per wall second;
  - batch replay of generated ParallelWorkflow histories (all CPUs and one at
    a time) against the SDK's replayer in a loop over the same files.
Prints absolute figures and the ratios. Wall-clock figures vary by machine.`)
	runs := fs.Int("runs", 50, "runs per single-run measurement")
	seeds := fs.Uint64("seeds", 20, "seeds per scenario for the swarm measurements")
	histories := fs.Int("histories", 200, "histories in the replay corpus")
	asJSON := fs.Bool("json", false, "print one JSON object")
	pos, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) > 0:
		return nil, fmt.Errorf("unexpected argument %q", pos[0])
	case *runs < 1 || *seeds < 1 || *histories < 1:
		return nil, errors.New("-runs, -seeds and -histories must be at least 1")
	case len(a.correct()) == 0:
		return nil, errors.New("no scenarios to swarm")
	}
	return func(t *testing.T) int {
		out, err := a.measure(t, *runs, *seeds, *histories)
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

func (a *app) measure(t *testing.T, runs int, seeds uint64, histories int) (*benchJSON, error) {
	out := &benchJSON{GOMAXPROCS: runtime.GOMAXPROCS(0), Runs: runs, SwarmSeeds: seeds, SwarmScenarios: len(a.correct())}
	// Warm up once each, so the first measurement does not pay for
	// package initialisation and first-use allocations.
	if _, err := benchEngine(t, 1); err != nil {
		return nil, err
	}
	if _, err := benchBareBubble(t, 1); err != nil {
		return nil, err
	}
	engine, err := benchEngine(t, runs)
	if err != nil {
		return nil, err
	}
	bubble, err := benchBareBubble(t, runs)
	if err != nil {
		return nil, err
	}
	bare, err := benchBare(runs)
	if err != nil {
		return nil, err
	}
	out.EngineRunMS, out.BareBubbleRunMS, out.BareRunMS = ms(engine), ms(bubble), ms(bare)
	out.EngineVsBareBubble, out.EngineVsBare = ratio(engine, bubble), ratio(engine, bare)

	p1 := a.benchSwarm(t, seeds, 1)
	p2 := a.benchSwarm(t, seeds, 2)
	if p1.failures+p2.failures > 0 {
		return nil, fmt.Errorf("%d seeds failed in the swarm measurement; run simrun swarm -seeds %d to see them", p1.failures+p2.failures, seeds)
	}
	out.SwarmP1SeedsPerSec = float64(len(p1.results)) / p1.wall.Seconds()
	out.SwarmP2SeedsPerSec = float64(len(p2.results)) / p2.wall.Seconds()
	out.SwarmP2VsP1 = ratio(p1.wall, p2.wall)
	out.VirtualPerWall = (p1.virtual + p2.virtual).Seconds() / (p1.wall + p2.wall).Seconds()

	rb, err := benchReplay(histories)
	if err != nil {
		return nil, err
	}
	if rb.batchFailed+rb.sdkFailures > 0 {
		return nil, fmt.Errorf("replay benchmark: %d batch and %d SDK replays failed on the generated corpus", rb.batchFailed, rb.sdkFailures)
	}
	out.ReplayHistories, out.ReplayEvents = rb.histories, rb.events
	out.ReplayBatchEventsPerS = float64(rb.events) / rb.batch.Seconds()
	out.ReplayBatch1EventsPerS = float64(rb.events) / rb.batch1.Seconds()
	out.ReplaySDKEventsPerS = float64(rb.events) / rb.sdkLoop.Seconds()
	out.ReplayBatchVsSDK, out.ReplayBatch1VsSDK = ratio(rb.sdkLoop, rb.batch), ratio(rb.sdkLoop, rb.batch1)
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
	fmt.Fprintf(w, "batch replay, %d at a time (%d histories, %d events)\t%.0f events/s\tbatch/SDK %.2fx\n", b.GOMAXPROCS, b.ReplayHistories, b.ReplayEvents, b.ReplayBatchEventsPerS, b.ReplayBatchVsSDK)
	fmt.Fprintf(w, "batch replay, 1 at a time\t%.0f events/s\tbatch/SDK %.2fx\n", b.ReplayBatch1EventsPerS, b.ReplayBatch1VsSDK)
	fmt.Fprintf(w, "SDK WorkflowReplayer in a loop\t%.0f events/s\t\n", b.ReplaySDKEventsPerS)
	_ = w.Flush()
	fmt.Fprintf(a.stdout, "GOMAXPROCS=%d, %d runs per single-run figure\n", b.GOMAXPROCS, b.Runs)
}
