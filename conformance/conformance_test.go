package conformance

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/temporalsim/temporalsim/realserver"
	"github.com/temporalsim/temporalsim/scenarios"
	"github.com/temporalsim/temporalsim/sim"
)

var update = flag.Bool("update", false, "rewrite docs/conformance.md from this run")

// tablePath is the conformance table, from this package's directory.
const tablePath = "../docs/conformance.md"

// parallelRows is how many rows run at once. Real runs mostly wait on
// scaled timers, so more than the two cores run; many more would add
// scheduling latency, which time scaling multiplies.
const parallelRows = 10

// TestConformance runs every catalogue scenario under a plan of each
// kind on the engine and on a Temporal dev server, and checks that every
// row agrees or differs only as a known difference explains.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("the conformance matrix runs a Temporal dev server for about two minutes; run it without -short")
	}
	version, srvFor := startServers(t)
	rn := &Runner{Server: func(r Row) *realserver.Server { return srvFor[r.Kind] }}
	var rows []Row
	for _, sc := range scenarios.Correct() {
		scRows, base, err := rn.Rows(t, sc)
		if err != nil {
			t.Fatalf("%s: fault-free engine run: %v", sc.Name, err)
		}
		if base.Failed() {
			t.Errorf("%s: the fault-free engine run broke %v", sc.Name, base.Violations)
		}
		rows = append(rows, scRows...)
	}
	results := runRows(t, rn, rows)
	if slices.Contains(results, nil) {
		return // a row could not run; its subtest says why
	}
	c := Count(results)
	t.Logf("%d rows, %d compared, %d agree, %d differ as explained, %d differ unexplained; %d of %d required rows run, %d outside the profile",
		c.Rows, c.Applicable, c.Agreeing, c.Explained, c.Unexplained, c.RequiredRun, c.Required, c.Outside)
	if c.RequiredRun != c.Required {
		t.Errorf("%d of %d rows of the required kinds ran", c.RequiredRun, c.Required)
	}
	var doc bytes.Buffer
	if err := WriteTable(&doc, results, version); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(tablePath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(tablePath, doc.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Latencies may tip a row between runs; a stale table is reported,
	// not failed.
	if old, err := os.ReadFile(tablePath); err != nil || matrixOf(string(old)) != matrixOf(doc.String()) {
		t.Logf("%s does not match this run's matrix; go test ./conformance -run TestConformance -update rewrites it", tablePath)
	}
}

// matrixOf is a table's matrix section.
func matrixOf(doc string) string {
	_, rest, _ := strings.Cut(doc, "## Matrix")
	m, _, _ := strings.Cut(rest, "## ")
	return m
}

// runRows runs the applicable rows: first on the engine, one after
// another (those runs are CPU-bound), then on the server, parallelRows at
// a time (those wait on scaled timers, and CPU contention would delay
// their heartbeats), each as a subtest that fails on an unexplained
// difference or property violation.
func runRows(t *testing.T, rn *Runner, rows []Row) []*RowResult {
	engine := make([]*sim.Result, len(rows))
	for i, row := range rows {
		if row.NotApplicable != "" {
			continue
		}
		er, err := rn.Engine(t, row)
		if err != nil {
			t.Fatal(err)
		}
		engine[i] = er
	}
	out := make([]*RowResult, len(rows))
	sem := make(chan struct{}, parallelRows)
	var wg sync.WaitGroup
	for i, row := range rows {
		if row.NotApplicable != "" {
			out[i] = &RowResult{Row: row}
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(row.Name(), func(t *testing.T) {
				res, err := rn.RunServer(context.Background(), row, engine[i])
				if err != nil {
					t.Fatal(err)
				}
				out[i] = res
				checkRow(t, res)
			})
		})
	}
	wg.Wait()
	return out
}

// checkRow fails t for what no known difference explains.
func checkRow(t *testing.T, r *RowResult) {
	for _, d := range r.Unexplained() {
		t.Errorf("unexplained difference: %s\n(plan: %s)", d, planLine(r.Plan))
	}
	if !r.OutsideProfile {
		for _, v := range r.ServerViolations {
			t.Errorf("the real run broke %s", v)
		}
		for _, v := range r.EngineViolations {
			t.Errorf("the engine run broke %s", v)
		}
	}
	if t.Failed() {
		t.Logf("the real run's attempts (scale %.0f):\n%s", r.Scale, strings.Join(r.ServerAttempts, "\n"))
	}
}

func planLine(p sim.Plan) string {
	s := strings.TrimSpace(strings.TrimPrefix(p.String(), sim.PlanHeader))
	if s == "" {
		return "no faults"
	}
	return strings.ReplaceAll(s, "\n", "; ")
}

// startServers starts one dev server with a namespace per plan kind, so
// that a scenario's rows, which share workflow ids, can run at once.
func startServers(t *testing.T) (version string, byKind map[PlanKind]*realserver.Server) {
	cli, err := findCLI()
	if err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, k := range PlanKinds() {
		args = append(args, "--namespace", namespaceOf(k))
	}
	ctx := context.Background()
	main, err := realserver.Start(ctx, realserver.ServerOptions{CLI: cli, ExtraArgs: args})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := main.Stop(); err != nil {
			t.Error(err)
		}
	})
	byKind = map[PlanKind]*realserver.Server{}
	for _, k := range PlanKinds() {
		s, err := realserver.Start(ctx, realserver.ServerOptions{Address: main.Address(), Namespace: namespaceOf(k)})
		if err != nil {
			t.Fatal(err)
		}
		byKind[k] = s
	}
	return main.Version(), byKind
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
