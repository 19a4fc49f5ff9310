package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind names one kind of fault.
type Kind string

// The fault kinds. Activity-scoped kinds (the first group) apply to the
// attempts of one activity type, optionally narrowed to its Call-th
// invocation and its Attempt-th attempt; the others happen at a virtual time.
const (
	ActivityError         Kind = "activity-error"           // the attempt returns an error (NonRetryable picks which)
	ActivityPanic         Kind = "activity-panic"           // the attempt panics
	Latency               Kind = "latency"                  // the attempt is delayed by Dur before it runs
	StartToCloseTimeout   Kind = "start-to-close-timeout"   // the attempt hangs until its start-to-close timeout
	HeartbeatLoss         Kind = "heartbeat-loss"           // heartbeats stop Dur into the attempt
	ScheduleToCloseExpiry Kind = "schedule-to-close-expiry" // every attempt of the call hangs until schedule-to-close
	LocalActivityError    Kind = "local-activity-error"     // a local activity attempt returns an error
	ChildWorkflowFailure  Kind = "child-workflow-failure"   // a child workflow fails instead of running

	WorkflowCancel Kind = "workflow-cancel" // the workflow is cancelled at At
	Signal         Kind = "signal"          // signal Target with Value at At
	Update         Kind = "update"          // update Target with Value at At
	Query          Kind = "query"           // query Target with Value at At
	WorkerShutdown Kind = "worker-shutdown" // the worker stops gracefully at At; running attempts get Dur to finish, then their contexts are cancelled
	WorkerCrash    Kind = "worker-crash"    // the worker process dies at At; its running attempts' results and heartbeats are lost
	CodecFailure   Kind = "codec-failure"   // the payload codec fails for Dur from At
	Deploy         Kind = "deploy"          // the new version of the code (Scenario.Deploy) takes over at At: the worker stops gracefully (DeployGrace) and a worker with the new registrations replaces it (engine 2 only)

	// Replay during the run (engine 2 only: engine 1's test environment
	// has no sticky cache and never retries a workflow task).
	CacheEviction       Kind = "cache-eviction"        // at At the worker's sticky cache drops every open run: each run's next workflow task replays its whole history on the same worker
	WorkflowTaskFailure Kind = "workflow-task-failure" // the server rejects the first workflow task completion it gets after At (WorkflowTaskFailed); attempt 2 replays the whole history
	WorkflowTaskTimeout Kind = "workflow-task-timeout" // the server drops the first workflow task completion it gets after At; the task times out and attempt 2 replays the whole history
)

// field flags say which Fault fields a kind uses.
type field uint16

const (
	fAt field = 1 << iota
	fTarget
	fCall
	fAttempt
	fDur
	fValue
	fNonRetryable
)

type kindSpec struct {
	fields   field
	required field
}

const activityFields = fAt | fTarget | fCall | fAttempt

var kindSpecs = map[Kind]kindSpec{
	ActivityError:         {activityFields | fValue | fNonRetryable, fTarget},
	ActivityPanic:         {activityFields, fTarget},
	Latency:               {activityFields | fDur, fTarget | fDur},
	StartToCloseTimeout:   {activityFields, fTarget},
	HeartbeatLoss:         {activityFields | fDur, fTarget},
	ScheduleToCloseExpiry: {fTarget | fCall, fTarget},
	LocalActivityError:    {activityFields | fValue, fTarget},
	ChildWorkflowFailure:  {fTarget | fCall, fTarget},
	WorkflowCancel:        {fAt, 0},
	Signal:                {fAt | fTarget | fValue, fTarget},
	Update:                {fAt | fTarget | fValue, fTarget},
	Query:                 {fAt | fTarget | fValue, fTarget},
	WorkerShutdown:        {fAt | fDur, 0},
	WorkerCrash:           {fAt, 0},
	CodecFailure:          {fAt | fDur | fTarget, fDur},
	Deploy:                {fAt, 0},
	CacheEviction:         {fAt, 0},
	WorkflowTaskFailure:   {fAt, 0},
	WorkflowTaskTimeout:   {fAt, 0},
}

// Kinds lists every fault kind in a fixed order.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(kindSpecs))
	for k := range kindSpecs {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// ActivityScoped reports whether faults of kind k target activity attempts.
func (k Kind) ActivityScoped() bool {
	return kindSpecs[k].fields&fAttempt != 0 || k == ScheduleToCloseExpiry
}

// Fault is one planned fault. Which fields a kind uses is fixed (see the
// kind constants); unused fields must be zero.
type Fault struct {
	ID           int           // unique within a plan; printed as f<ID>
	Kind         Kind          //
	At           time.Duration // virtual offset from workflow start; activity faults apply to attempts starting at or after it
	Target       string        // activity, child workflow, signal, update or query name; codec direction
	Call         int           // the Call-th scheduling of Target (1-based); 0 means every call
	Attempt      int           // the attempt number (1-based); 0 means every attempt
	Dur          time.Duration // latency, heartbeat-loss onset, shutdown grace period, codec failure window
	Value        string        // signal/update/query argument or error message
	NonRetryable bool          // for activity-error: the error is non-retryable
}

// Plan is a fault schedule: the data a run is driven by besides its seed.
type Plan struct {
	Faults []Fault
}

// PlanHeader is the first line of a formatted plan.
const PlanHeader = "# temporalsim plan v1"

// String formats the plan in its text form; see ParsePlan.
func (p Plan) String() string {
	var b strings.Builder
	b.WriteString(PlanHeader)
	b.WriteByte('\n')
	for _, f := range p.Faults {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// String formats one fault as a plan line: its id, kind, then key=value
// pairs in a fixed order, omitting zero values.
func (f Fault) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "f%d %s", f.ID, f.Kind)
	fs := kindSpecs[f.Kind].fields
	if fs&fAt != 0 && f.At != 0 {
		fmt.Fprintf(&b, " at=%s", f.At)
	}
	if fs&fTarget != 0 && f.Target != "" {
		fmt.Fprintf(&b, " target=%s", quoteIfNeeded(f.Target))
	}
	if fs&fCall != 0 && f.Call != 0 {
		fmt.Fprintf(&b, " call=%d", f.Call)
	}
	if fs&fAttempt != 0 && f.Attempt != 0 {
		fmt.Fprintf(&b, " attempt=%d", f.Attempt)
	}
	if fs&fDur != 0 && f.Dur != 0 {
		fmt.Fprintf(&b, " dur=%s", f.Dur)
	}
	if fs&fValue != 0 && f.Value != "" {
		fmt.Fprintf(&b, " value=%s", quoteIfNeeded(f.Value))
	}
	if fs&fNonRetryable != 0 && f.NonRetryable {
		b.WriteString(" nonretryable")
	}
	return b.String()
}

// quoteIfNeeded leaves plain words bare and quotes anything the tokenizer
// or a line trim could change: blanks, quotes, '=', '#', control and
// non-printing characters.
func quoteIfNeeded(s string) string {
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune("\"'=#\\`", r) {
			return strconv.Quote(s)
		}
	}
	if s == "" || !utf8.ValidString(s) {
		return strconv.Quote(s)
	}
	return s
}

// Validate checks the plan on its own: known kinds, unique positive ids,
// only the fields each kind uses, no negative durations or counts. Checks
// against a scenario (does the target exist?) are Profile.Check's.
func (p Plan) Validate() error {
	seen := map[int]bool{}
	for _, f := range p.Faults {
		if err := f.Validate(); err != nil {
			return err
		}
		if seen[f.ID] {
			return fmt.Errorf("fault f%d: duplicate id", f.ID)
		}
		seen[f.ID] = true
	}
	return nil
}

// Validate checks one fault; see Plan.Validate.
func (f Fault) Validate() error {
	spec, ok := kindSpecs[f.Kind]
	if !ok {
		return fmt.Errorf("fault f%d: unknown kind %q (known: %s)", f.ID, f.Kind, kindList())
	}
	if f.ID <= 0 {
		return fmt.Errorf("fault f%d: id must be positive", f.ID)
	}
	bad := func(what string) error { return fmt.Errorf("fault f%d (%s): %s", f.ID, f.Kind, what) }
	switch {
	case f.At < 0:
		return bad("negative at=" + f.At.String())
	case f.Dur < 0:
		return bad("negative dur=" + f.Dur.String())
	case f.Call < 0:
		return bad("negative call")
	case f.Attempt < 0:
		return bad("negative attempt")
	}
	used := field(0)
	if f.At != 0 {
		used |= fAt
	}
	if f.Target != "" {
		used |= fTarget
	}
	if f.Call != 0 {
		used |= fCall
	}
	if f.Attempt != 0 {
		used |= fAttempt
	}
	if f.Dur != 0 {
		used |= fDur
	}
	if f.Value != "" {
		used |= fValue
	}
	if f.NonRetryable {
		used |= fNonRetryable
	}
	if extra := used &^ spec.fields; extra != 0 {
		return bad("does not take " + fieldNames(extra))
	}
	if missing := spec.required &^ used; missing != 0 {
		return bad("needs " + fieldNames(missing))
	}
	return nil
}

func kindList() string {
	var names []string
	for _, k := range Kinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

var fieldOrder = []struct {
	f    field
	name string
}{{fAt, "at"}, {fTarget, "target"}, {fCall, "call"}, {fAttempt, "attempt"}, {fDur, "dur"}, {fValue, "value"}, {fNonRetryable, "nonretryable"}}

func fieldNames(fs field) string {
	var names []string
	for _, fo := range fieldOrder {
		if fs&fo.f != 0 {
			names = append(names, fo.name)
		}
	}
	return strings.Join(names, ", ")
}
