package harness

import (
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// TestEngineResolve: SIM_ENGINE chooses the engine, -sim.engine wins
// over it, and neither means engine 1.
func TestEngineResolve(t *testing.T) {
	t.Cleanup(func() { runFlags = runFlagSet{} })
	for _, tt := range []struct {
		env, flag string
		want      sim.Engine
	}{
		{"", "", ""},
		{"server", "", sim.EngineServer},
		{"server", "testenv", sim.EngineTestEnv},
		{"", "server", sim.EngineServer},
	} {
		runFlags = runFlagSet{}
		if tt.flag != "" {
			if err := runFlags.engine.Set(tt.flag); err != nil {
				t.Fatal(err)
			}
		}
		lookup := env()
		if tt.env != "" {
			lookup = env("SIM_ENGINE", tt.env)
		}
		c, err := resolve(nil, lookup)
		if err != nil || c.engine != tt.want {
			t.Errorf("SIM_ENGINE=%q -sim.engine=%q: %q, %v; want %q", tt.env, tt.flag, c.engine, err, tt.want)
		}
	}
}
