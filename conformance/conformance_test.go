package conformance

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
	srv := startServers(t)
	rn := &Runner{Server: srv.server}
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
	last, err := readLastTable(tablePath)
	if err != nil && !*update {
		t.Errorf("%s: %v; regenerate it with go test ./conformance -run TestConformance -update", tablePath, err)
	}
	results := runRows(t, rn, srv, rows, last)
	if slices.Contains(results, nil) {
		return // a row could not run; its subtest says why
	}
	for _, e := range sim.Engines() {
		c := Count(results, e)
		t.Logf("engine %s: %d rows, %d compared, %d not run (a fault kind it lacks), %d agree, %d differ as explained, %d differ unexplained; "+
			"%d of %d required rows run, %d outside the profile; %d run again slower",
			engineNum(e), c.Rows, c.Applicable, c.NotRun, c.Agreeing, c.Explained, c.Unexplained, c.RequiredRun, c.Required, c.Outside, reruns(results, e))
		if c.RequiredRun+c.RequiredNotRun != c.Required || (e == sim.EngineTestEnv && c.NotRun > 0) {
			t.Errorf("engine %s: %d of %d rows of the required kinds ran, %d not run", engineNum(e), c.RequiredRun, c.Required, c.RequiredNotRun)
		}
	}
	var doc bytes.Buffer
	if err := WriteTable(&doc, results, srv.version); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := writeFileAtomic(tablePath, doc.Bytes()); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(shapesPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeFileAtomic(shapesPath, recordShapes(results)); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(tablePath)
	if err != nil {
		return // reported above
	}
	if d := staleSections(string(old), doc.String()); d != "" {
		t.Errorf("%s does not match this run; if the change is meant, regenerate it with "+
			"go test ./conformance -run TestConformance -update\n%s", tablePath, d)
	}
}

// writeFileAtomic writes b to path through a temporary file and a rename,
// so that an interrupted run leaves the old table.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".conformance-*.md")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// rerunSlowdown is how much slower a row's second real run is than its
// first: a row already at real time (speed-up 1) reruns at a third of it.
const rerunSlowdown = 3

// parallelReruns is how many rows rerun at once. Reruns are the rows
// whose first run the machine's load unsettled; running fewer at once
// gives each more of the two cores, so that the server's latency, which
// the speed-up multiplies, shrinks as well as the speed-up.
const parallelReruns = 3

// runRows runs the applicable rows: first on each engine, one after
// another (those runs are CPU-bound), then on the server, parallelRows at
// a time (those wait on scaled timers). A row whose real run is unsettled
// (see unsettled) on either engine runs once more on the server,
// rerunSlowdown times slower and parallelReruns at a time, and that run
// counts: the server's latencies grow with the machine's load and the
// speed-up turns them into virtual time, while a difference the engine
// causes shows at any speed. Each row then gets a subtest that fails on
// what no known difference explains. The results hold each row once per
// engine, engine 1 first.
func runRows(t *testing.T, rn *Runner, srv *devServers, rows []Row, last *lastTable) []*RowResult {
	engine := make([][]EngineRun, len(rows))
	for i, row := range rows {
		if row.NotApplicable != "" {
			continue
		}
		runs, err := rn.Engines(t, row)
		if err != nil {
			t.Fatal(err)
		}
		engine[i] = runs
	}
	out := make([][]*RowResult, len(rows))
	errs := make([]error, len(rows))
	serverRuns(rn, srv, rows, engine, out, errs, parallelRows)
	slow := *rn
	slow.Timeout = rerunSlowdown * max(rn.Timeout, time.Minute)
	first := slices.Clone(out)
	firstErrs := slices.Clone(errs)
	again := rerun(rows, out, errs, last)
	serverRuns(&slow, srv, again, engine, out, errs, parallelReruns)
	// A row the second run left unsettled runs a last time, slower again
	// and alone: a load that stretched the server's latencies past the
	// second run's margins (heartbeat timeouts of a few real seconds at
	// load 13-15 on two cores) leaves it both cores and three times the
	// margin.
	slowest := slow
	slowest.Timeout = rerunSlowdown * slow.Timeout
	serverRuns(&slowest, srv, rerun(again, out, errs, last), engine, out, errs, 1)
	var results []*RowResult
	for i, row := range rows {
		if row.NotApplicable != "" {
			results = append(results, nowhere(row)...)
			continue
		}
		if again[i].NotApplicable == "" && errs[i] == nil {
			for j, r := range out[i] {
				r.FirstRun = firstRun(firstOf(first[i], j), firstErrs[i], row)
			}
		}
		t.Run(row.Name(), func(t *testing.T) {
			if errs[i] != nil {
				t.Fatal(errs[i])
			}
			for _, r := range out[i] {
				checkRow(t, r)
			}
		})
		if errs[i] != nil {
			results = append(results, nil)
			continue
		}
		results = append(results, out[i]...)
	}
	return results
}

// firstOf is the j-th engine's result of a row's first real run, nil when
// that run failed.
func firstOf(rs []*RowResult, j int) *RowResult {
	if j < len(rs) {
		return rs[j]
	}
	return nil
}

// serverRuns runs the applicable rows on the server, n at a time, into
// out and errs. A row whose run fails on a dev server that no longer
// answers runs again on the one that replaces it (devServers.recover).
func serverRuns(rn *Runner, srv *devServers, rows []Row, engine [][]EngineRun, out [][]*RowResult, errs []error, n int) {
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, row := range rows {
		if row.NotApplicable != "" {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			for try := 0; ; try++ {
				gen := srv.generation()
				out[i], errs[i] = rn.RunServer(context.Background(), row, engine[i])
				if errs[i] == nil || try == maxRestarts || !srv.recover(gen) {
					return
				}
			}
		})
	}
	wg.Wait()
}

// unsettledRow reports whether a row's real run must run again: it failed,
// or it is unsettled for one of the engines.
func unsettledRow(rs []*RowResult, err error, last *lastTable) bool {
	if err != nil {
		return true
	}
	return slices.ContainsFunc(rs, func(r *RowResult) bool { return unsettled(r, nil, last) })
}

// unsettled reports whether a row's real run must run again before it
// counts: it failed, it differs in a way no known difference explains,
// it broke a property it is held to, or its matrix verdict (timing-dependent
// differences aside) is not the last table's.
func unsettled(r *RowResult, err error, last *lastTable) bool {
	if err != nil || len(r.Unexplained()) > 0 || (!r.OutsideProfile && len(r.ServerViolations) > 0) || shapeUnlisted(r) {
		return true
	}
	for _, d := range r.Diffs {
		if emulatedMatch(r.On, r.Row, d) != nil {
			return true
		}
	}
	if last == nil {
		return false
	}
	want, ok := last.verdicts[cellKey(r.On, r.Name())]
	return ok && stableCell(want) != stableCell(verdict(r))
}

// rerun is rows with each applicable row whose result is unsettled
// slowed down (slower) and every other row marked not applicable, so that
// serverRuns keeps its result.
func rerun(rows []Row, out [][]*RowResult, errs []error, last *lastTable) []Row {
	again := make([]Row, len(rows))
	for i, row := range rows {
		again[i] = row
		again[i].NotApplicable = "settled"
		if row.NotApplicable == "" && unsettledRow(out[i], errs[i], last) {
			again[i] = slower(row)
		}
	}
	return again
}

// slower is row at a third of its speed-up; a row at real time reruns
// slower than real time, as its timed faults' margins and its timeouts
// are virtual time, which the server's latency eats into at any speed-up.
func slower(row Row) Row {
	k := row.Scale
	if k == 0 {
		k = realserver.DefaultScale(row.Scenario)
	}
	row.Scale = k / rerunSlowdown
	return row
}

// firstRun says what a row's first real run showed on one engine.
func firstRun(r *RowResult, err error, row Row) string {
	if err != nil || r == nil {
		return fmt.Sprintf("the first real run, at speed-up %.3g, failed: %v", row.Scale, err)
	}
	what := []string{verdict(r)}
	for _, d := range r.Unexplained() {
		what = append(what, d.String())
	}
	for _, v := range r.ServerViolations {
		what = append(what, "broke "+v.String())
	}
	return fmt.Sprintf("the first real run, at speed-up %.3g, showed %s", r.Scale, strings.Join(what, "; "))
}

func reruns(results []*RowResult, e sim.Engine) int {
	n := 0
	for _, r := range results {
		if r.On == e && r.FirstRun != "" {
			n++
		}
	}
	return n
}

// checkRow fails t for what no known difference explains on r's engine,
// and for a history shape that differs unlisted.
func checkRow(t *testing.T, r *RowResult) {
	if r.NotRun != "" {
		return
	}
	on := "engine " + engineNum(r.On)
	if r.FirstRun != "" && r.On == sim.EngineTestEnv {
		t.Logf("run again at speed-up %.3g: %s", r.Scale, r.FirstRun)
	}
	failed := t.Failed()
	for _, d := range r.Diffs {
		if k := emulatedMatch(r.On, r.Row, d); k != nil {
			t.Errorf("%s: %s matches %s, a difference the engine emulates: the emulation broke", on, d, k.ID)
		}
	}
	for _, d := range r.Unexplained() {
		t.Errorf("%s: unexplained difference: %s\n(plan: %s)", on, d, planLine(r.Plan))
	}
	if !r.OutsideProfile {
		for _, v := range r.ServerViolations {
			if r.On == sim.EngineTestEnv { // once a row
				t.Errorf("the real run broke %s", v)
			}
		}
		for _, v := range r.EngineViolations {
			t.Errorf("the %s run broke %s", on, v)
		}
	}
	checkShapes(t, r)
	if t.Failed() && !failed {
		t.Logf("the real run's attempts (scale %.3g):\n%s", r.Scale, strings.Join(r.ServerAttempts, "\n"))
	}
}

func planLine(p sim.Plan) string {
	s := strings.TrimSpace(strings.TrimPrefix(p.String(), sim.PlanHeader))
	if s == "" {
		return "no faults"
	}
	return strings.ReplaceAll(s, "\n", "; ")
}
