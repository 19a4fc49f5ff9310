package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/replaycorpus"
	"github.com/temporalsim/temporalsim/sim"
)

// record is `record SCENARIO... -out DIR`: run scenarios against a real
// Temporal server and write their histories as a replay corpus.
func (a *app) record(args []string) (job, error) {
	fs := a.flags("record", "SCENARIO... [-server PATH | -address HOST:PORT] -out DIR", `
Run each scenario against a real Temporal server, on a real worker with time
scaled, under its standard recordings (no faults, one fault of each kind its
profile lists, its signals, updates and queries, two swarm plans), and write
each history to DIR/SCENARIO/LABEL.json as temporal workflow show -o json
does, with a manifest.json entry per file. simrun replay DIR replays them.
The server is the temporal CLI's dev server, started from -server PATH (or
TEMPORAL_CLI, or temporal on PATH), or an existing server at -address.
Exits 1 when a run could not be recorded (it did not close in its budget).`)
	server := fs.String("server", "", "the temporal CLI binary that starts a dev server")
	address := fs.String("address", "", "an existing Temporal server's frontend, as `HOST:PORT`")
	out := fs.String("out", "", "directory to write histories and manifest.json into (required)")
	timeout := fs.Duration("timeout", time.Minute, "how long to wait for the server to answer")
	names, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("want at least one scenario name (%s list shows them)", a.cfg.Command)
	}
	var scs []*sim.Scenario
	for _, n := range names {
		sc, err := a.scenario(n)
		if err != nil {
			return nil, err
		}
		scs = append(scs, sc)
	}
	switch {
	case *out == "":
		return nil, errors.New("-out DIR is required")
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
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return nil, fmt.Errorf("-out: %w", err)
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
	var recs []replaycorpus.Recording
	for _, sc := range scs {
		recs = append(recs, replaycorpus.CorpusRecordings(sc)...)
	}
	fmt.Fprintf(a.stderr, "recording %d runs of %d scenarios against %s (%s)\n", len(recs), len(scs), srv.Address(), srv.Version())
	done, err := replaycorpus.Record(ctx, srv, *out, recs, nil)
	failed := a.printRecorded(done)
	switch {
	case err != nil:
		return nil, fmt.Errorf("writing the corpus: %w", err)
	case failed > 0:
		return nil, failError{fmt.Errorf("%d of %d runs were not recorded", failed, len(done))}
	}
	fmt.Fprintf(a.stdout, "replay them: %s replay %s\n", a.cfg.Command, shellQuote(*out))
	return nil, nil
}

// printRecorded prints a line per recording and returns how many failed.
func (a *app) printRecorded(done []replaycorpus.Recorded) int {
	paint := painter(a.stdoutTTY)
	failed := 0
	for _, d := range done {
		if d.Err != nil {
			failed++
			fmt.Fprintf(a.stdout, "%s %s %s: %s\n", paint(colorFault, "FAIL"), d.Scenario.Name, d.Label, oneLine(d.Err.Error()))
			continue
		}
		fmt.Fprintf(a.stdout, "%s %s: %s, %d events\n", paint(colorOK, "ok  "), d.Path, d.Result.Outcome, len(d.Result.History.GetEvents()))
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
