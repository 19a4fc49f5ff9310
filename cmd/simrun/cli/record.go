package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/replaycorpus"
	"github.com/temporalsim/temporalsim/sim"
)

// record is `record SCENARIO... -out DIR`: run scenarios against a real
// Temporal server, or on engine 2, and write their histories as a replay
// corpus.
func (a *app) record(args []string) (job, error) {
	fs := a.flags("record", "SCENARIO...|all [-engine server | -server PATH | -address HOST:PORT] -out DIR", `
Run each scenario (all: every scenario without a planted bug) under its
standard recordings (no faults, one fault of each kind its profile lists,
its signals, updates and queries, two swarm plans), and write each history
to DIR/SCENARIO/LABEL.json as temporal workflow show -o json does, with a
manifest.json entry per file (seed, plan, and the server that ran it).
simrun replay DIR replays them.
The runs go against a real Temporal server on a real worker with time
scaled: the temporal CLI's dev server, started from -server PATH (or
TEMPORAL_CLI, or temporal on PATH), or an existing server at -address.
With -engine server they run on engine 2 instead: the SDK's worker against
temporalsim's in-process server, in virtual time, with no server to start;
recording the same scenarios again gives the same files byte for byte.
Engine 1 (testenv) keeps no histories, so it cannot record.
Exits 1 when a run could not be recorded (it did not close in its budget,
or engine 2 refused its plan).`)
	server := fs.String("server", "", "the temporal CLI binary that starts a dev server")
	address := fs.String("address", "", "an existing Temporal server's frontend, as `HOST:PORT`")
	out := fs.String("out", "", "directory to write histories and manifest.json into (required)")
	timeout := fs.Duration("timeout", time.Minute, "how long to wait for the server to answer")
	var engine engineValue
	fs.Var(&engine, "engine", "the `ENGINE` to record on instead of a real Temporal server: server (engine 2, the in-process server); "+
		"testenv keeps no histories")
	names, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("want at least one scenario name, or all (%s list shows them)", a.cfg.Command)
	}
	scs, err := a.recordScenarios(names)
	if err != nil {
		return nil, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	onEngine2 := sim.Engine(engine) == sim.EngineServer
	switch {
	case sim.Engine(engine) == sim.EngineTestEnv:
		return nil, errors.New("-engine testenv: engine 1 (the SDK's test environment) keeps no histories to record; use -engine server, or a real server")
	case onEngine2 && (given["server"] || given["address"] || given["timeout"]):
		return nil, errors.New("-engine server runs its own in-process server: -server, -address and -timeout are for a real Temporal server")
	case *out == "":
		return nil, errors.New("-out DIR is required")
	case onEngine2:
	case *server != "" && *address != "":
		return nil, errors.New("give -server or -address, not both")
	case *timeout <= 0:
		return nil, fmt.Errorf("-timeout %s: want a positive duration", *timeout)
	case *address != "":
		if err := checkAddress(*address); err != nil {
			return nil, err
		}
	default:
		if _, err := realserver.FindCLI(*server); err != nil {
			return nil, err
		}
	}
	if err := checkOutDir(*out); err != nil {
		return nil, err
	}
	var recs []replaycorpus.Recording
	for _, sc := range scs {
		recs = append(recs, replaycorpus.CorpusRecordings(sc)...)
	}
	if onEngine2 {
		return func(t *testing.T) int {
			fmt.Fprintf(a.stderr, "recording %d runs of %d scenarios on engine 2 (%s)\n", len(recs), len(scs), replaycorpus.EngineServerVersion)
			done, err := replaycorpus.RecordSimulated(t, *out, recs, nil)
			err = a.recorded(done, err, *out)
			var fe failError
			switch {
			case errors.As(err, &fe):
				fmt.Fprintf(a.stderr, "%s record: %s\n", a.cfg.Command, oneLine(err.Error()))
				return exitFail
			case err != nil:
				fmt.Fprintf(a.stderr, "%s record: %s\n", a.cfg.Command, oneLine(err.Error()))
				return exitUsage
			}
			return exitOK
		}, nil
	}
	// Recording runs real workers against a real server: no simulation
	// bubble, so it runs here rather than inside host.Run.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	srv, err := realserver.Start(ctx, realserver.ServerOptions{Address: *address, CLI: *server, StartTimeout: *timeout})
	if err != nil {
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	defer srv.Stop()
	fmt.Fprintf(a.stderr, "recording %d runs of %d scenarios against %s (%s)\n", len(recs), len(scs), srv.Address(), srv.Version())
	done, err := replaycorpus.Record(ctx, srv, *out, recs, nil)
	return nil, a.recorded(done, err, *out)
}

// recorded prints what became of the recordings and says how to replay
// them. The error is for files that could not be written, or a
// failError when a run was not recorded.
func (a *app) recorded(done []replaycorpus.Recorded, err error, out string) error {
	failed := a.printRecorded(done)
	switch {
	case err != nil:
		return fmt.Errorf("writing the corpus: %w", err)
	case failed > 0:
		return failError{fmt.Errorf("%d of %d runs were not recorded", failed, len(done))}
	}
	fmt.Fprintf(a.stdout, "replay them: %s replay %s\n", a.cfg.Command, shellQuote(out))
	return nil
}

// recordScenarios resolves record's arguments: scenario names, or all for
// every scenario without a planted bug.
func (a *app) recordScenarios(names []string) ([]*sim.Scenario, error) {
	var scs []*sim.Scenario
	seen := map[string]bool{}
	add := func(sc *sim.Scenario) {
		if !seen[sc.Name] {
			seen[sc.Name] = true
			scs = append(scs, sc)
		}
	}
	for _, n := range names {
		if n == "all" {
			for _, sc := range a.correct() {
				add(sc)
			}
			continue
		}
		sc, err := a.scenario(n)
		if err != nil {
			return nil, err
		}
		add(sc)
	}
	return scs, nil
}

// checkOutDir makes dir and checks that a file can be written in it, so
// an -out that cannot be honoured is bad input before anything runs.
func checkOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-out %s: %w", dir, errors.Unwrap(err))
	}
	f, err := os.CreateTemp(dir, ".simrun-record-*")
	if err != nil {
		return fmt.Errorf("-out %s: cannot write in it: %w", dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// printRecorded prints a line per recording and returns how many failed.
func (a *app) printRecorded(done []replaycorpus.Recorded) int {
	paint := painter(a.stdoutTTY)
	failed := 0
	for _, d := range done {
		if d.Err != nil {
			failed++
			fmt.Fprintf(a.stdout, "%s %s %s: %s\n", paint(colorFault, "FAIL"), d.Scenario.Name, d.Label, runError(d.Err))
			continue
		}
		fmt.Fprintf(a.stdout, "%s %s: %s, %d events\n", paint(colorOK, "ok  "), d.Path, d.Outcome, len(d.History.GetEvents()))
	}
	return failed
}

func checkAddress(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return fmt.Errorf("-address %q: want HOST:PORT, as in localhost:7233", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("-address %q: port must be a number from 1 to 65535", addr)
	}
	return nil
}
