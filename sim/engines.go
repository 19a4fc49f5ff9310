package sim

import (
	"errors"
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
	// A worker with the new version's registrations (engine2_deploy.go).
	Deploy: true,
	// Replay during the run (engine2_replay.go).
	CacheEviction: true, WorkflowTaskFailure: true, WorkflowTaskTimeout: true,
}

// engine1Lacks are the fault kinds engine 1 cannot carry out: its test
// environment never replays a workflow, so the new version of the code
// cannot take over a running one, and it has no sticky cache to drop and
// never retries a workflow task (the replay kinds). Plans drawn for engine
// 1 leave them out (Profile.ForEngine); a plan that names one is refused
// before the run.
var engine1Lacks = map[Kind]bool{Deploy: true, CacheEviction: true, WorkflowTaskFailure: true, WorkflowTaskTimeout: true}

// engine2Refuses names the first fault of plan engine 2 cannot run yet.
func engine2Refuses(plan Plan) error {
	for _, f := range plan.Faults {
		if k, refused := EngineServer.Refuses(Plan{Faults: []Fault{f}}); refused {
			return fmt.Errorf("fault f%d: %w: %s", f.ID, errEngine2Kind, k)
		}
	}
	return nil
}

// engine1Refuses names the first fault of plan engine 1 cannot run.
func engine1Refuses(plan Plan) error {
	for _, f := range plan.Faults {
		if engine1Lacks[f.Kind] {
			return fmt.Errorf("fault f%d: %w: %s", f.ID, errEngine1Kind, f.Kind)
		}
	}
	return nil
}

// ErrEngineLacksKind is matched (errors.Is) by the error Run returns when
// the chosen engine cannot carry out a fault kind of the plan (engine 1
// for the kinds that need a worker that replays, engine 2 for kinds it
// does not run yet); the message names
// the fault and the kind. It is a limit of the engine, not a failure of
// the scenario.
var ErrEngineLacksKind = errors.New("the engine does not carry out this fault kind")

// lacksKind is an engine's refusal of a kind; it is ErrEngineLacksKind.
type lacksKind struct{ msg string }

func (e lacksKind) Error() string        { return e.msg }
func (e lacksKind) Is(target error) bool { return target == ErrEngineLacksKind }

var (
	errEngine1Kind error = lacksKind{"engine 1 (the SDK test environment) never replays a workflow, so it cannot carry out this fault kind"}
	// errEngine2Kind is what engine 2 answers a plan with a fault kind it
	// does not carry out yet.
	errEngine2Kind error = lacksKind{"engine 2 does not run this fault kind yet"}
)
