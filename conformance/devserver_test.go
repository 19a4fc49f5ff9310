package conformance

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/temporalsim/temporalsim/realserver"
)

// maxRestarts is how many times the conformance test replaces a dev
// server that stopped answering before it gives up, and how many times a
// row runs again for that reason.
const maxRestarts = 3

// devServers is the conformance test's dev server, with a namespace per
// plan kind so that a scenario's rows, which share workflow ids, can run
// at once. Once, with four CPU-bound loops beside the whole test suite, a
// dev server stopped answering after the first row, and every later row
// failed to start its worker ("failed reaching server: context deadline
// exceeded"): a server that fails is not a difference between the engine
// and Temporal. So a row whose real run fails while the server does not
// answer gets a new dev server and runs again (recover), and the test
// logs why the old one was replaced.
type devServers struct {
	t       *testing.T
	cli     string
	version string

	mu     sync.Mutex
	main   *realserver.Server
	byKind map[PlanKind]*realserver.Server
	gen    int
	// replaced says why each replaced server was replaced.
	replaced []string
}

// startServers starts the conformance test's dev server; it is stopped
// when t ends.
func startServers(t *testing.T) *devServers {
	cli, err := findCLI()
	if err != nil {
		t.Fatal(err)
	}
	d := &devServers{t: t, cli: cli}
	if err := d.start(); err != nil {
		t.Fatal(err)
	}
	d.version = d.main.Version()
	t.Cleanup(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if err := d.main.Stop(); err != nil {
			t.Error(err)
		}
		if len(d.replaced) > 0 {
			t.Logf("dev servers replaced: %d, because:\n%s", len(d.replaced), strings.Join(d.replaced, "\n"))
		}
	})
	return d
}

// start starts a dev server with the namespaces; the caller holds mu
// (or has not shared d yet).
func (d *devServers) start() error {
	var args []string
	for _, k := range PlanKinds() {
		args = append(args, "--namespace", namespaceOf(k))
	}
	ctx := context.Background()
	main, err := realserver.Start(ctx, realserver.ServerOptions{CLI: d.cli, ExtraArgs: args})
	if err != nil {
		return err
	}
	byKind := map[PlanKind]*realserver.Server{}
	for _, k := range PlanKinds() {
		s, err := realserver.Start(ctx, realserver.ServerOptions{Address: main.Address(), Namespace: namespaceOf(k)})
		if err != nil {
			_ = main.Stop()
			return err
		}
		byKind[k] = s
	}
	d.main, d.byKind = main, byKind
	d.gen++
	return nil
}

// server is the server of a row's kind: Runner.Server.
func (d *devServers) server(r Row) *realserver.Server {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.byKind[r.Kind]
}

// generation numbers the current dev server: a row notes it before it
// runs, and recover tells by it whether the server the row ran on has
// been replaced since.
func (d *devServers) generation() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gen
}

// recover is called when a row's real run, started on generation gen,
// failed. It reports whether the row should run again: the server it ran
// on has been replaced, or it does not answer within checkTimeout and a
// new one has started in its place. A server that answers leaves the
// failure to the row. After maxRestarts replacements it replaces no more.
func (d *devServers) recover(gen int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen != gen {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), checkTimeout)
	err := d.main.Check(ctx)
	cancel()
	if err == nil || len(d.replaced) >= maxRestarts {
		return false
	}
	d.t.Logf("replacing the dev server: %v", err)
	if err := d.main.Stop(); err != nil {
		d.t.Logf("stopping it: %v", err)
	}
	if serr := d.start(); serr != nil {
		d.t.Errorf("starting a dev server to replace one that %v: %v", err, serr)
		return false
	}
	d.replaced = append(d.replaced, firstLine(err.Error()))
	return true
}

// checkTimeout is how long recover waits for a dev server to answer
// before it replaces it: under load a server answers slowly, and a
// replacement costs every row running on it at the time.
const checkTimeout = 30 * time.Second

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func namespaceOf(k PlanKind) string { return "conformance-" + string(k) }

// findCLI finds the temporal CLI: $TEMPORAL_CLI, the repository's
// .tools/bin/temporal (where scripts/install-temporal-cli.sh puts it),
// then temporal on PATH.
func findCLI() (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return realserver.FindCLI(p)
	}
	local, _ := filepath.Abs(filepath.Join("..", ".tools", "bin", "temporal"))
	if p, err := realserver.FindCLI(local); err == nil {
		return p, nil
	}
	p, err := realserver.FindCLI("")
	if errors.Is(err, realserver.ErrNoCLI) {
		return "", errors.New("the conformance test needs the Temporal CLI dev server and found none: " +
			"run scripts/install-temporal-cli.sh (it installs .tools/bin/temporal), or set TEMPORAL_CLI")
	}
	return p, err
}

// TestDevServersRecover shows a row's failure replacing a dev server that
// no longer answers, and only that: a failure on a server that answers
// stays the row's, and rows that failed on a server already replaced run
// again without another replacement.
func TestDevServersRecover(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two dev servers; run it without -short")
	}
	d := startServers(t)
	gen := d.generation()
	if d.recover(gen) {
		t.Fatal("recover replaced a dev server that answers")
	}
	d.mu.Lock()
	old := d.main
	d.mu.Unlock()
	if err := old.Stop(); err != nil { // the server dies under the rows
		t.Fatal(err)
	}
	if !d.recover(gen) {
		t.Fatal("recover kept a dev server that has exited")
	}
	if d.generation() != gen+1 || len(d.replaced) != 1 || !strings.Contains(d.replaced[0], "exited") {
		t.Fatalf("after one replacement: generation %d (was %d), replaced %q", d.generation(), gen, d.replaced)
	}
	if !d.recover(gen) || d.generation() != gen+1 {
		t.Errorf("a second row failing on the replaced server must run again on the new one, without another replacement (generation %d)", d.generation())
	}
	row := Row{Kind: PlanKinds()[0]}
	if err := d.server(row).Check(context.Background()); err != nil {
		t.Errorf("the new dev server's %s namespace: %v", row.Kind, err)
	}
}
