package cli

import (
	"errors"
	"strings"

	"github.com/temporalsim/temporalsim/sim"
)

// engineValue is an -engine flag: a known engine's name (sim.ParseEngine
// says which), engine 1 when not given.
type engineValue sim.Engine

func (v *engineValue) String() string {
	if v == nil || *v == "" {
		return string(sim.EngineTestEnv)
	}
	return string(*v)
}

func (v *engineValue) Set(s string) error {
	e, err := sim.ParseEngine(s)
	if err != nil {
		return err
	}
	*v = engineValue(e)
	return nil
}

// engineFlag adds -engine to a command that runs scenarios; the choice
// lands in a.engine, which every run and repro line of the command reads.
func (a *app) engineFlag(fs *flagSet) {
	fs.Var((*engineValue)(&a.engine), "engine", "the `ENGINE` that runs the workflows: testenv (the SDK's test environment, the default) "+
		"or server (a real SDK client and worker against an in-process Temporal server; it keeps histories). "+
		"Plans are drawn the same way on both")
}

// engineArg is the flag that chooses a.engine in a printed command line:
// nothing for engine 1, the default.
func (a *app) engineArg() string {
	if a.engine == "" || a.engine == sim.EngineTestEnv {
		return ""
	}
	return " -engine " + string(a.engine)
}

// engineName is a.engine by its name, engine 1's when none was given.
func (a *app) engineName() sim.Engine {
	if a.engine == "" {
		return sim.EngineTestEnv
	}
	return a.engine
}

// options are the sim.Options of one run of a command.
func (a *app) options(cfg *sim.SwarmConfig, onHang func(string)) *sim.Options {
	return &sim.Options{Config: cfg, OnHang: onHang, Engine: a.engine}
}

// runError words an error of sim.Run for a command's one line: when the
// engine refused the plan, it says what still runs.
func runError(err error) string {
	msg := oneLine(err.Error())
	if errors.Is(err, sim.ErrEngineLacksKind) {
		other := "-engine testenv"
		if !strings.Contains(msg, "engine 2") {
			other = "-engine server" // engine 1 refused it (deploy)
		}
		msg += " (this is a limit of the engine, not a failure of the workflow: run it with " + other + ", or with a -plan that leaves that kind out)"
	}
	return msg
}
