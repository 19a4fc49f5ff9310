package cli

import (
	"errors"
	"fmt"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/temporalsim/temporalsim/sim"
)

// benchOracleJSON is the replay oracle's part of bench -json: the mean
// wall time of one engine-2 run over the correct catalogue's fault-free
// plans (seed 1), with the oracle on (the default) and off
// (sim.Options.NoReplay), and their ratio.
type benchOracleJSON struct {
	OracleScenarios int     `json:"oracle_scenarios"`
	OracleRunMS     float64 `json:"engine2_oracle_run_ms"`
	NoOracleRunMS   float64 `json:"engine2_no_oracle_run_ms"`
	OracleVsNone    float64 `json:"oracle_vs_no_oracle"`
}

// benchOracle times runs engine-2 runs of each scenario with the replay
// oracle on and off, alternating run by run so that a change in the
// machine's load weighs on both alike, and keeps each figure's best in b.
func benchOracle(t *testing.T, b best, scs []*sim.Scenario, runs int) error {
	var spent [2]time.Duration // oracle on, off
	for range runs {
		for _, sc := range scs {
			for i, noReplay := range []bool{false, true} {
				began := time.Now()
				r, err := sim.Run(t, sc, 1, sim.Plan{}, &sim.Options{Engine: sim.EngineServer, NoReplay: noReplay})
				spent[i] += time.Since(began)
				if err != nil {
					return err
				}
				if _, failures, err := r.ReplayHistories(); !noReplay && (err != nil || len(failures) > 0) {
					return fmt.Errorf("engine-2 run of %s seed 1: the replay oracle failed: %v %v", sc.Name, err, failures)
				}
			}
		}
	}
	n := time.Duration(max(1, runs*len(scs)))
	return errors.Join(b.keep("oracle", spent[0]/n, nil), b.keep("no-oracle", spent[1]/n, nil))
}

// fill sets the figures from the best of the rounds.
func (o *benchOracleJSON) fill(b best, scenarios int) {
	o.OracleScenarios = scenarios
	o.OracleRunMS, o.NoOracleRunMS = ms(b["oracle"]), ms(b["no-oracle"])
	o.OracleVsNone = ratio(b["oracle"], b["no-oracle"])
}

func (o *benchOracleJSON) print(w *tabwriter.Writer) {
	fmt.Fprintf(w, "engine 2, replay oracle on (%d scenarios, no faults)\t%.2f ms/run\t\n", o.OracleScenarios, o.OracleRunMS)
	fmt.Fprintf(w, "engine 2, replay oracle off (Options.NoReplay)\t%.2f ms/run\toracle/none %.2fx\n", o.NoOracleRunMS, o.OracleVsNone)
}
