package replaycorpus

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/benbjohnson/clock"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/sim"
)

// codecWarmUp is how much virtual time ScenarioOptions runs a scenario's
// data converter through before replay, encoding a payload at each end:
// a codec that rotates keys on its clock (the encryption scenario's) then
// holds every key a recorded run of up to this long can have used.
const codecWarmUp = 24 * time.Hour

// ScenarioOptions returns the replay options for histories recorded from
// scenario sc by Record, under the workflow id and seed of h: the
// workflows its Setup registers, its data converter and its interceptors,
// as the recording worker had them.
//
// Setup runs on a mock clock with an empty plan; the data converter is
// then run through a day of virtual time, so that a codec whose keys
// depend on the seed and the clock can open what the recording sealed.
// The SDK's replayer runs every history under the workflow id "ReplayId";
// the options make workflow.GetInfo report the recorded execution instead,
// so code that derives ids from its own (a child workflow id) replays as
// it ran.
func ScenarioOptions(sc *sim.Scenario, h *historypb.History) (Options, *realserver.Registrations, error) {
	if sc == nil || sc.Setup == nil {
		return Options{}, nil, fmt.Errorf("replaycorpus: scenario without Setup")
	}
	seed, ok := RecordedSeed(h)
	if !ok {
		return Options{}, nil, fmt.Errorf("replaycorpus: the history's workflow id %q does not end in a seed, as Record writes it", recordedID(h))
	}
	mock := clock.NewMock()
	regs := &realserver.Registrations{}
	w := sim.NewWorld(seed, sim.Plan{}, mock, regs)
	sc.Setup(w)
	dc := w.DataConverter()
	if _, err := dc.ToPayload("codec warm-up"); err != nil {
		return Options{}, nil, fmt.Errorf("scenario %s: data converter: %w", sc.Name, err)
	}
	mock.Add(codecWarmUp)
	if _, err := dc.ToPayload("codec warm-up"); err != nil {
		return Options{}, nil, fmt.Errorf("scenario %s: data converter: %w", sc.Name, err)
	}
	start := h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes()
	exec := workflow.Execution{ID: start.GetWorkflowId(), RunID: start.GetOriginalExecutionRunId()}
	return Options{
		Register:      func(r worker.WorkflowReplayer) { regs.ApplyWorkflows(r) },
		DataConverter: dc,
		Interceptors:  append(w.Interceptors(), &recordedExecution{exec: exec}),
	}, regs, nil
}

// recordedExecution makes workflow.GetInfo report the recorded workflow
// execution during a replay.
type recordedExecution struct {
	interceptor.WorkerInterceptorBase
	exec workflow.Execution
}

func (r *recordedExecution) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &recordedExecutionInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, exec: r.exec}
}

type recordedExecutionInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	exec workflow.Execution
}

func (i *recordedExecutionInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&recordedExecutionOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: outbound}, exec: i.exec})
}

type recordedExecutionOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	exec workflow.Execution
}

func (o *recordedExecutionOutbound) GetInfo(ctx workflow.Context) *workflow.Info {
	info := *o.Next.GetInfo(ctx)
	if o.exec.ID != "" {
		info.WorkflowExecution.ID = o.exec.ID
	}
	if o.exec.RunID != "" {
		info.WorkflowExecution.RunID = o.exec.RunID
	}
	return &info
}

func recordedID(h *historypb.History) string {
	return h.GetEvents()[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowId()
}

// RecordedSeed reads the seed a history was recorded with from its
// workflow id, which Record sets to "<scenario>-<seed>".
func RecordedSeed(h *historypb.History) (sim.Seed, bool) {
	id := recordedID(h)
	i := strings.LastIndexByte(id, '-')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(id[i+1:], 10, 64)
	return sim.Seed(n), err == nil
}

// CorpusRecordings is the standard set of runs recorded for a scenario:
// one without faults, one per fault kind of its profile aimed where it
// bites (the first attempt of the first call of an activity, a timed
// fault part-way through the window; the signals, updates and queries it
// handles together in one run), and two drawn swarm plans. Each run has
// its own seed, so workflow ids differ. Heartbeat-loss and cancellation
// runs go at a quarter of the scenario's default scale.
func CorpusRecordings(sc *sim.Scenario) []Recording {
	pr := sc.Profile
	window := pr.Window
	if window <= 0 {
		window = 10 * time.Minute
	}
	var recs []Recording
	seed := sim.Seed(1)
	add := func(label string, faults ...sim.Fault) {
		for i := range faults {
			faults[i].ID = i + 1
		}
		rec := Recording{Scenario: sc, Seed: seed, Plan: sim.Plan{Faults: faults}, Label: label}
		// A heartbeat timeout is not scaled below a second
		// (realserver.DefaultMinHeartbeatTimeout), and a cancellation
		// reaches an activity with its next heartbeat: slow these runs
		// down so that the long activity outlives its heartbeat timeout.
		if len(faults) == 1 && (faults[0].Kind == sim.HeartbeatLoss || faults[0].Kind == sim.WorkflowCancel) {
			rec.Scale = realserver.DefaultScale(sc) / 4
		}
		recs = append(recs, rec)
		seed++
	}
	add("clean")
	for _, k := range pr.Kinds {
		if f, ok := aimedFault(pr, k, window); ok {
			add(string(k), f)
		}
	}
	if msgs := messageFaults(pr, window); len(msgs) > 0 {
		add("messages", msgs...)
	}
	for _, s := range []sim.Seed{101, 102} {
		_, p := pr.SwarmPlan(s)
		recs = append(recs, Recording{Scenario: sc, Seed: s, Plan: p, Label: fmt.Sprintf("swarm-%d", s)})
	}
	return recs
}

// aimedFault is a fault of kind k that hits the scenario where it shows:
// activity faults on the first attempt of the first call (heartbeat loss
// on the first attempt of every call of the last activity listed, which
// is the long one in the catalogue's profiles), timed ones a third of the
// way into the window (a cancellation a fifth of the way, while the work
// is still running).
func aimedFault(pr sim.Profile, k sim.Kind, window time.Duration) (sim.Fault, bool) {
	f := sim.Fault{Kind: k}
	first := func(names []string) bool {
		if len(names) == 0 {
			return false
		}
		f.Target = names[0]
		return true
	}
	switch k {
	case sim.ActivityError, sim.ActivityPanic, sim.StartToCloseTimeout:
		f.Call, f.Attempt = 1, 1
		return f, first(pr.Activities)
	case sim.Latency:
		f.Call, f.Attempt, f.Dur = 1, 1, window/10
		return f, first(pr.Activities)
	case sim.HeartbeatLoss:
		if len(pr.Activities) == 0 {
			return f, false
		}
		f.Target, f.Attempt = pr.Activities[len(pr.Activities)-1], 1
		return f, true
	case sim.ScheduleToCloseExpiry:
		f.Call = 1
		return f, first(pr.Activities)
	case sim.LocalActivityError:
		f.Call, f.Attempt = 1, 1
		return f, first(pr.LocalActivities)
	case sim.ChildWorkflowFailure:
		f.Call = 1
		return f, first(pr.Children)
	case sim.WorkflowCancel:
		f.At = window / 5
		return f, true
	case sim.WorkerShutdown:
		f.At = window / 3
		return f, true
	case sim.CodecFailure:
		f.At, f.Dur = window/3, window/20
		return f, true
	}
	return f, false // signals, updates and queries go in messageFaults
}

// messageFaults sends each signal, update and query the profile lists:
// signals and queries with their first value, updates with their first
// value and, when there are several, their last (which the catalogue's
// validators reject), spread over the first half of the window.
func messageFaults(pr sim.Profile, window time.Duration) []sim.Fault {
	var out []sim.Fault
	has := func(k sim.Kind) bool {
		for _, x := range pr.Kinds {
			if x == k {
				return true
			}
		}
		return false
	}
	value := func(m sim.Message, last bool) string {
		if len(m.Values) == 0 {
			return ""
		}
		if last {
			return m.Values[len(m.Values)-1]
		}
		return m.Values[0]
	}
	if has(sim.Signal) {
		for _, m := range pr.Signals {
			out = append(out, sim.Fault{Kind: sim.Signal, At: window / 10, Target: m.Name, Value: value(m, false)})
		}
	}
	if has(sim.Update) {
		for _, m := range pr.Updates {
			out = append(out, sim.Fault{Kind: sim.Update, At: window / 5, Target: m.Name, Value: value(m, false)})
			if len(m.Values) > 1 {
				out = append(out, sim.Fault{Kind: sim.Update, At: window * 3 / 10, Target: m.Name, Value: value(m, true)})
			}
		}
	}
	if has(sim.Query) {
		for _, m := range pr.Queries {
			out = append(out, sim.Fault{Kind: sim.Query, At: window * 2 / 5, Target: m.Name, Value: value(m, false)})
		}
	}
	return out
}
