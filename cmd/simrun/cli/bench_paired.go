package cli

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"

	"github.com/temporalsim/temporalsim/internal/cputime"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

// pairBlock is how many runs of one kind a block of the interleaved
// measurement holds.
const pairBlock = 10

// single names the single-run measurements, in the order their blocks take
// turns.
var single = []string{"engine", "bubble", "bare", "engine2"}

// singleRuns returns one run of each single-run measurement: parallel-
// activities with no faults on engine 1 and on engine 2, and the same
// workflow and activities on a bare SDK test environment inside a synctest
// bubble and outside one.
func singleRuns(t *testing.T) (map[string]func() error, error) {
	sc, err := scenarios.Lookup("parallel-activities")
	if err != nil {
		return nil, err
	}
	run := func(o *sim.Options, engine string) func() error {
		return func() error {
			r, err := sim.Run(t, sc, 1, sim.Plan{}, o)
			if err == nil && r.Outcome != sim.Completed {
				err = fmt.Errorf("%s run of parallel-activities ended %s", engine, r.Outcome)
			}
			return err
		}
	}
	return map[string]func() error{
		"engine":  run(nil, "engine"),
		"engine2": run(engine2Opts, "engine-2"),
		"bubble": func() error {
			var runErr error
			synctest.Test(t, func(*testing.T) { runErr = bareParallelRun(clock.New()) })
			return runErr
		},
		"bare": func() error { return bareParallelRun(instantClock{clock.New()}) },
	}, nil
}

// interleaved runs each of fns n times, in blocks of pairBlock runs that
// take turns, and returns each one's mean wall time per run, and its mean
// CPU time per run (the process's, user and system; nil where the system
// does not report it). Garbage is collected before every block, outside the
// measurement, so no block pays for the garbage of the one before; a
// block's own collections count. Blocks of every kind run within a
// fraction of a second of each other, so a shared machine whose speed
// drifts, from its neighbours' load, weighs on all of them alike, and their
// ratios hold where sequential figures do not.
func interleaved(n int, names []string, fns map[string]func() error) (wall, cpu map[string]time.Duration, err error) {
	wall, cpu = map[string]time.Duration{}, map[string]time.Duration{}
	for done := 0; done < n; done += pairBlock {
		k := min(pairBlock, n-done)
		for _, name := range names {
			runtime.GC()
			began := time.Now()
			c0 := cputime.Used()
			for range k {
				if err := fns[name](); err != nil {
					return nil, nil, err
				}
			}
			wall[name] += time.Since(began)
			cpu[name] += cputime.Used() - c0
		}
	}
	for name := range wall {
		wall[name] /= time.Duration(n)
		cpu[name] /= time.Duration(n)
	}
	if !cputime.Reported {
		cpu = nil
	}
	return wall, cpu, nil
}

// ratios keeps each round's ratios of the interleaved measurement.
type ratios map[string][]float64

func (r ratios) add(name string, a, b time.Duration) { r[name] = append(r[name], ratio(a, b)) }

// median is the median of the rounds' ratios for name: a round that a
// neighbour disturbed moves it less than it moves a mean or a best.
func (r ratios) median(name string) float64 {
	v := slices.Clone(r[name])
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}
