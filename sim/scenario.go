package sim

import (
	"fmt"
	"time"

	"github.com/temporalsim/temporalsim/sim/server"
)

// Scenario is a workflow pattern the engine can run: what to register, what
// to start, which faults apply and which properties must hold. The
// scenarios package holds the built-in catalogue; users write their own the
// same way.
type Scenario struct {
	Name        string
	Description string
	// Bug, for a planted-bug variant, says what the bug is. Swarms run
	// variants with a Bug only when asked.
	Bug string
	// Breaks, for a planted-bug variant, names the property the bug must break.
	Breaks string
	// Logic, for a planted-bug variant that needs no fault, says why it is a
	// logic bug; it is empty for bugs that need a fault.
	Logic string
	// Profile says which faults apply and what they may target.
	Profile Profile
	// Setup registers workflows and activities on w (building fakes on
	// w.Clock and w.Rand) and says what to run. It is called once per run,
	// inside the run's virtual-time bubble.
	Setup func(w *World) Case
	// Deploy, when set, is the new version of the scenario's code, which a
	// deploy fault puts in place mid-run (engine 2 only; see
	// docs/architecture.md, "Faults on engine 2"). It registers only what
	// changed, under the names Setup used, for example
	//
	//	w.RegisterWorkflowWithOptions(OrderWorkflowV2, workflow.RegisterOptions{Name: "OrderWorkflow"})
	//
	// and every registration of Setup it does not override carries over.
	// It shares the World with Setup (fakes kept with w.Set and w.Get are
	// the same), may not change the data converter or the interceptors,
	// and is called once per run, right after Setup and before the run
	// starts, into a registration overlay that is checked then, so that a
	// mistake is reported before the run. The running workflows continue on
	// the new code by replaying their histories; the replay oracle replays
	// with the version that was running at the end.
	Deploy func(w *World)
	// Properties are checked after every run, with the Case's own.
	Properties []Property
	// Budget is the virtual time after which a run that has not finished is
	// stopped and reported stuck (default DefaultBudget).
	Budget time.Duration
}

// DefaultBudget is the virtual-time budget of a run when the scenario sets
// none.
const DefaultBudget = 365 * 24 * time.Hour

// Case is what one run starts: the workflow, its arguments, and properties
// that close over this run's fakes.
type Case struct {
	Workflow   any
	Args       []any
	Properties []Property
}

// Property is a named check over a finished run. Check returns nil when the
// property holds and an error saying what broke when it does not.
type Property struct {
	Name  string
	Check func(r *Result) error
}

// Outcome is how a run ended.
type Outcome string

// The outcomes of a run.
const (
	Completed      Outcome = "completed"
	Failed         Outcome = "failed"
	Canceled       Outcome = "canceled"
	ContinuedAsNew Outcome = "continued-as-new"
	TimedOut       Outcome = "timed-out"
	Stuck          Outcome = "stuck"
)

// Violation is a property that did not hold.
type Violation struct {
	Property string `json:"property"`
	Message  string `json:"message"`
}

func (v Violation) String() string { return v.Property + ": " + v.Message }

// Result is everything a run produced.
type Result struct {
	Scenario string
	Seed     Seed
	// WorkflowID is the id the scenario's workflow ran under: the
	// scenario's name, or Options.WorkflowID. RootWorkflowID reads it.
	WorkflowID string
	Plan       Plan
	// Config is the swarm configuration the plan was drawn from, when it
	// was drawn rather than given.
	Config *SwarmConfig
	// Outcome is how the workflow ended; Err is its error when it did not
	// complete, ErrType the error's Temporal failure type chain.
	Outcome Outcome
	Err     error
	ErrType string
	// Output is the workflow's result as JSON, when it completed.
	Output string
	// Events is the trace, sorted by virtual time.
	Events []Event
	// Elapsed is the virtual time from start to the end of the workflow.
	Elapsed time.Duration
	// Activities is the server's view of every scheduled activity.
	Activities []ActivityRecord
	// CancelRequested says the workflow was asked to cancel.
	CancelRequested bool
	// Fired lists the ids of the plan's faults that took effect.
	Fired []int
	// Violations lists the properties that did not hold.
	Violations []Violation
	// Stacks holds the goroutine stacks of a stuck run.
	Stacks string
	// World is the run's world, for properties that read its fakes.
	World *World

	// histories holds every run's history, on engine 2.
	histories []server.RunHistory
	// oracle is the replay oracle's verdict, on engine 2 (oracle.go).
	oracle *oracleState
}

// RootWorkflowID is the id the scenario's workflow ran under, as trace
// events (Event.WF) and activity records name it: WorkflowID, or the
// scenario's name for a Result that does not say (one made by hand).
func (r *Result) RootWorkflowID() string {
	if r.WorkflowID != "" {
		return r.WorkflowID
	}
	return r.Scenario
}

// TraceSHA256 is the fingerprint of the run's trace.
func (r *Result) TraceSHA256() string { return TraceSHA256(r.Events) }

// Failed reports whether any property was violated.
func (r *Result) Failed() bool { return len(r.Violations) > 0 }

// String summarises the run on one line.
func (r *Result) String() string {
	return fmt.Sprintf("%s seed=%d outcome=%s violations=%d", r.Scenario, r.Seed, r.Outcome, len(r.Violations))
}
