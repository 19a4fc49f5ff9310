package sim

import (
	"fmt"
	"strings"
)

// Engine names the engine that runs a scenario (see docs/architecture.md).
type Engine string

const (
	// EngineTestEnv runs workflows on the SDK's test environment (engine 1).
	EngineTestEnv Engine = "testenv"
	// EngineServer runs them on a real SDK client and worker against the
	// in-process server of package sim/server (engine 2).
	EngineServer Engine = "server"
)

// Engines lists the engines by name, engine 1 first.
func Engines() []Engine { return []Engine{EngineTestEnv, EngineServer} }

// ParseEngine reads an engine's name; the empty string is engine 1.
func ParseEngine(s string) (Engine, error) {
	switch e := Engine(s); e {
	case "":
		return EngineTestEnv, nil
	case EngineTestEnv, EngineServer:
		return e, nil
	}
	names := make([]string, 0, 2)
	for _, e := range Engines() {
		names = append(names, string(e))
	}
	return "", fmt.Errorf("unknown engine %q (known: %s)", s, strings.Join(names, ", "))
}

// engine2Kinds are the fault kinds engine 2 carries out; a plan with any
// other kind is refused with errEngine2Kind before the run starts.
var engine2Kinds = map[Kind]bool{
	// Carried out on the real worker and the server (engine2_faults.go).
	ActivityError: true, ActivityPanic: true, Latency: true, StartToCloseTimeout: true,
	ScheduleToCloseExpiry: true, HeartbeatLoss: true, LocalActivityError: true,
	ChildWorkflowFailure: true, CodecFailure: true,
	// Client calls and worker actions (engine2_timed.go, engine2_workers.go).
	WorkflowCancel: true, Signal: true, Update: true, Query: true, WorkerShutdown: true, WorkerCrash: true,
}

// engine2Refuses names the first fault of plan engine 2 cannot run yet.
func engine2Refuses(plan Plan) error {
	for _, f := range plan.Faults {
		if k, refused := EngineServer.Refuses(Plan{Faults: []Fault{f}}); refused {
			return fmt.Errorf("fault f%d: %w: %s", f.ID, errEngine2Kind, k)
		}
	}
	return nil
}

// ErrEngineLacksKind is wrapped by the error Run returns when the chosen
// engine cannot carry out a fault kind of the plan (engine 2, for kinds
// it does not run yet); the message names the fault and the kind. It is
// a limit of the engine, not a failure of the scenario.
var ErrEngineLacksKind = errEngine2Kind
