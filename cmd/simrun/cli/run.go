package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/temporalsim/temporalsim/internal/timeline"
	"github.com/temporalsim/temporalsim/sim"
)

// runJSON is what run -json prints.
type runJSON struct {
	Scenario         string          `json:"scenario"`
	Seed             uint64          `json:"seed"`
	Engine           sim.Engine      `json:"engine"`
	Outcome          sim.Outcome     `json:"outcome"`
	ErrorType        string          `json:"error_type,omitempty"`
	TraceSHA256      string          `json:"trace_sha256"`
	HistoryEvents    int             `json:"history_events"` // 0 on engine 1, which keeps no histories
	HistorySHA256    string          `json:"history_sha256"` // "" on engine 1; see sim.Result.HistorySHA256
	VirtualElapsedMS int64           `json:"virtual_elapsed_ms"`
	Violations       []sim.Violation `json:"violations"`
	Config           string          `json:"config,omitempty"`
	Plan             string          `json:"plan"`
	Events           int             `json:"events"`
	FaultsPlanned    int             `json:"faults_planned"`
	FaultsFired      int             `json:"faults_fired"`
	Repro            string          `json:"repro"`
}

// runCmd is `run SCENARIO -seed N`: one run, its trace, and its verdict.
func (a *app) runCmd(args []string) (job, error) {
	fs := a.flags("run", "SCENARIO -seed N [-plan FILE] [-engine E] [-trace FILE] [-html FILE] [-history DIR] [-json]", `
Run one scenario with one seed and print its trace, outcome and violations.
Without -plan the fault plan is the one a swarm draws for the seed (its
configuration is printed), so the trace is byte for byte the swarm's and
go test's for the same seed. With -engine server the run also has real
histories, one per workflow run; -history writes them. Exits 1 when a
property is violated.`)
	var seed seedFlag
	fs.Var(&seed, "seed", "the seed to run (required)")
	planFile := fs.String("plan", "", "run this plan file instead of the seed's swarm plan")
	traceFile := fs.String("trace", "", "write the trace to `FILE` as JSON lines")
	htmlFile := fs.String("html", "", "write a self-contained HTML timeline to `FILE`")
	historyDir := fs.String("history", "", "with -engine server, write each workflow run's history into `DIR`, as temporal workflow show -o json does")
	asJSON := fs.Bool("json", false, "print one JSON object instead of the readable trace")
	a.engineFlag(fs)
	sc, err := a.scenarioAndSeed(fs, args, &seed)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(checkWritable("trace", *traceFile), checkWritable("html", *htmlFile)); err != nil {
		return nil, err
	}
	if err := a.checkHistoryDir(*historyDir); err != nil {
		return nil, err
	}
	var cfg *sim.SwarmConfig
	var plan sim.Plan
	if *planFile != "" {
		if plan, err = readPlan(*planFile, sc); err != nil {
			return nil, err
		}
	}
	repro := a.repro(sc, seed.seed, *planFile)
	return func(t *testing.T) int {
		if *planFile == "" {
			c, p, err := sim.DrawSwarmPlanOn(t, sc, seed.seed, a.engineName())
			if err != nil {
				fmt.Fprintf(a.stderr, "%s run: %s\n", a.cfg.Command, oneLine(err.Error()))
				return exitUsage
			}
			cfg, plan = &c, p
		}
		r, err := sim.Run(t, sc, seed.seed, plan, a.options(cfg, a.onHang(sc.Name, seed.seed)))
		if err != nil {
			fmt.Fprintf(a.stderr, "%s run: %s\n", a.cfg.Command, runError(err))
			return exitUsage
		}
		if err := a.writeRunFiles(r, *traceFile, *htmlFile, repro); err != nil {
			fmt.Fprintf(a.stderr, "%s run: %s\n", a.cfg.Command, oneLine(err.Error()))
			return exitUsage
		}
		if err := writeHistories(r, *historyDir); err != nil {
			fmt.Fprintf(a.stderr, "%s run: %s\n", a.cfg.Command, oneLine(err.Error()))
			return exitUsage
		}
		if *asJSON {
			out, err := a.runJSONOf(r, repro)
			if err != nil {
				fmt.Fprintf(a.stderr, "%s run: %s\n", a.cfg.Command, oneLine(err.Error()))
				return exitUsage
			}
			a.printJSON(out)
		} else {
			a.printRun(r, repro)
		}
		if r.Failed() {
			return exitFail
		}
		return exitOK
	}, nil
}

func (a *app) runJSONOf(r *sim.Result, repro string) (runJSON, error) {
	hsum, err := r.HistorySHA256()
	if err != nil {
		return runJSON{}, fmt.Errorf("fingerprinting the histories: %w", err)
	}
	out := runJSON{Scenario: r.Scenario, Seed: uint64(r.Seed), Engine: a.engineName(), Outcome: r.Outcome, ErrorType: r.ErrType,
		TraceSHA256: r.TraceSHA256(), HistoryEvents: r.HistoryEvents(), HistorySHA256: hsum, VirtualElapsedMS: r.Elapsed.Milliseconds(),
		Violations: append([]sim.Violation{}, r.Violations...), Plan: r.Plan.String(), Events: len(r.Events), Repro: repro,
		FaultsPlanned: len(r.Plan.Faults), FaultsFired: len(r.Fired)}
	if r.Config != nil {
		out.Config = r.Config.String()
	}
	return out, nil
}

func (a *app) writeRunFiles(r *sim.Result, traceFile, htmlFile, repro string) error {
	if traceFile != "" {
		if err := writeFileAtomic(traceFile, sim.EncodeJSONL(r.Events)); err != nil {
			return fmt.Errorf("writing trace: %w", err)
		}
	}
	if htmlFile != "" {
		if err := writeFileAtomic(htmlFile, timeline.HTML(r, repro)); err != nil {
			return fmt.Errorf("writing timeline: %w", err)
		}
	}
	return nil
}

// printRun prints a run for a person: header, trace (faults marked, in
// colour on a terminal), outcome, violations and the repro command.
func (a *app) printRun(r *sim.Result, repro string) {
	w := a.stdout
	paint := painter(a.stdoutTTY)
	fmt.Fprintf(w, "scenario %s  seed %d\n", r.Scenario, r.Seed)
	if r.Config != nil {
		fmt.Fprintf(w, "config: %s\n", r.Config)
	}
	fmt.Fprintf(w, "plan: %d faults, %d fired\n", len(r.Plan.Faults), len(r.Fired))
	for _, f := range r.Plan.Faults {
		fmt.Fprintf(w, "  %s\n", f)
	}
	fmt.Fprintln(w, "trace:")
	for _, e := range r.Events {
		line := e.String()
		if isFaultEvent(e) {
			line = paint(colorFault, line)
		}
		fmt.Fprintln(w, line)
	}
	printVerdict(w, paint, r)
	fmt.Fprintf(w, "trace sha256: %s\n", r.TraceSHA256())
	if hs := r.Histories(); len(hs) > 0 {
		sum, err := r.HistorySHA256()
		if err != nil {
			sum = "(cannot be computed: " + oneLine(err.Error()) + ")"
		}
		fmt.Fprintf(w, "histories: %d workflow runs, %d events, sha256 %s\n", len(hs), r.HistoryEvents(), sum)
	}
	fmt.Fprintf(w, "reproduce: %s\n", repro)
}

func printVerdict(w io.Writer, paint func(string, string) string, r *sim.Result) {
	outcome := string(r.Outcome)
	if r.ErrType != "" {
		outcome += " (" + r.ErrType + ")"
	}
	fmt.Fprintf(w, "outcome: %s after %s virtual\n", outcome, r.Elapsed)
	if !r.Failed() {
		fmt.Fprintln(w, paint(colorOK, "all properties held"))
		return
	}
	fmt.Fprintln(w, paint(colorFault, fmt.Sprintf("%d violations:", len(r.Violations))))
	for _, v := range r.Violations {
		fmt.Fprintf(w, "  %s\n", paint(colorFault, v.String()))
	}
	if r.Outcome == sim.Stuck && r.Stacks != "" {
		fmt.Fprintf(w, "goroutines when the run was stopped:\n%s\n", r.Stacks)
	}
}

// isFaultEvent reports whether an event is a fault firing or was caused by
// one (the plan listing at the start of the trace aside).
func isFaultEvent(e sim.Event) bool {
	return e.Kind == "fault" || (e.Fault != 0 && e.Kind != "plan.fault")
}

// repro is the command that reproduces a seed (with a plan file, when the
// plan came from one).
func (a *app) repro(sc *sim.Scenario, seed sim.Seed, planFile string) string {
	s := fmt.Sprintf("%s run %s -seed %d", a.cfg.Command, shellQuote(sc.Name), seed)
	if planFile != "" {
		s += " -plan " + shellQuote(planFile)
	}
	return s + a.engineArg()
}

// onHang reports a run that ran past its wall-clock budget outside virtual
// time and ends the process: it cannot be stopped, and it is a failure.
func (a *app) onHang(name string, seed sim.Seed) func(string) {
	return func(stacks string) {
		fmt.Fprintf(a.stderr, "%s: scenario %s seed %d ran past its wall-clock budget outside virtual time "+
			"(a busy loop, a real sleep or blocking I/O in workflow or activity code)\nreproduce: %s run %s -seed %d\ngoroutines:\n%s",
			a.cfg.Command, name, seed, a.cfg.Command, shellQuote(name), seed, stacks)
		os.Exit(exitFail)
	}
}

func (a *app) printJSON(v any) {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
