package harness

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestRapidInternalsGuard fails, naming rapid's version, when rapid moves
// anything harness/rapidflags.go depends on: its flags, its -short
// divisor, the seed and fail file in its failure message, where it writes
// fail files, and the prefix of its fail-file log lines.
func TestRapidInternalsGuard(t *testing.T) {
	v := rapidVersion()
	if !strings.HasPrefix(v, "v") {
		t.Fatalf("rapid's version is not in the path of its source: %s", v)
	}
	fatalf := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("pgregory.net/rapid %s: %s; update harness/rapidflags.go", v, fmt.Sprintf(format, args...))
	}
	for _, c := range [][2]string{{rapidChecksFlag, "7"}, {rapidSeedFlag, "18446744073709551615"}, {rapidVerboseFlag, "true"}} {
		f := flag.Lookup(c[0])
		if f == nil {
			fatalf("no -%s flag", c[0])
		}
		old := f.Value.String()
		err := f.Value.Set(c[1])
		got := f.Value.String()
		_ = f.Value.Set(old)
		if err != nil || got != c[1] {
			fatalf("-%s=%s reads back %q (%v): not the type the harness sets", c[0], c[1], got, err)
		}
	}
	for _, short := range []bool{false, true} {
		setShort(t, short)
		n, tb := 0, &rapidTB{t: t}
		if err := runRapid(tb, config{checks: 7}, func(*rapid.T) { n++ }); err != nil {
			t.Fatal(err)
		}
		if n != 7 || tb.failed {
			fatalf("7 checks with -short=%v ran the property %d times (failed: %v %q); rapid's -short divisor is no longer %d", short, n, tb.failed, tb.msgs, rapidShortDivisor)
		}
	}
	setShort(t, false)
	checkRapidSeed(t, fatalf)
	checkRapidFailure(t, fatalf)
	checkRapidIgnoring(t, fatalf)
}

// checkRapidSeed checks that rapid draws from -rapid.seed as set by
// SearchSeed, unless the user gave rapid a seed of their own.
func checkRapidSeed(t *testing.T, fatalf func(string, ...any)) {
	first := func(seed uint64) uint64 {
		var got uint64
		drawn := false
		tb := &rapidTB{t: t}
		if err := runRapid(tb, config{checks: 1, searchSeed: seed}, func(rt *rapid.T) {
			if !drawn {
				got, drawn = rapid.Uint64().Draw(rt, "x"), true
			}
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	a, b, c := first(42), first(42), first(43)
	if rapidSeedGiven() {
		if a != c {
			fatalf("with -rapid.seed given, SearchSeed changed rapid's draws (%d, %d)", a, c)
		}
		return
	}
	if a != b || a == c {
		fatalf("-rapid.seed is not what rapid draws from: seed 42 drew %d then %d, seed 43 drew %d", a, b, c)
	}
}

// checkRapidFailure checks that a failure's message names the seed and
// the fail file, and that removeNewFailFile removes what rapid wrote.
func checkRapidFailure(t *testing.T, fatalf func(string, ...any)) {
	tb := &rapidTB{t: t}
	if err := runRapid(tb, config{checks: 5, searchSeed: 42}, func(rt *rapid.T) {
		rt.Fatalf("planted failure")
	}); err != nil {
		t.Fatal(err)
	}
	seed, file := tb.reproduction()
	if !tb.failed || seed == 0 || file == "" {
		fatalf("a failure's message gave seed %d and fail file %q (failed: %v):\n%s", seed, file, tb.failed, strings.Join(tb.msgs, "\n"))
	}
	if _, err := os.Stat(file); err != nil {
		fatalf("the fail file named in the message is not there: %v", err)
	}
	tb.removeNewFailFile()
	dir := filepath.Join("testdata", "rapid", t.Name())
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		os.RemoveAll(dir)
		fatalf("fail file %s is not under %s, or more was written there (%v)", file, dir, err)
	}
}

// checkRapidIgnoring checks the prefix of the line where rapid says it
// ignores a fail file, which the harness always shows.
func checkRapidIgnoring(t *testing.T, fatalf func(string, ...any)) {
	f := flag.Lookup("rapid.failfile")
	if f == nil {
		fatalf("no -rapid.failfile flag")
	}
	old := f.Value.String()
	_ = f.Value.Set(filepath.Join(t.TempDir(), "missing.fail"))
	defer func() { _ = f.Value.Set(old) }()
	rec := &logRecorder{T: t}
	rapid.Check(rec, func(*rapid.T) {})
	for _, l := range rec.lines {
		if strings.HasPrefix(l, rapidIgnoringPrefix) {
			return
		}
	}
	fatalf("no log line starts with %q for a missing fail file: %q", rapidIgnoringPrefix, rec.lines)
}

// logRecorder keeps rapid's log lines.
type logRecorder struct {
	*testing.T
	lines []string
}

func (r *logRecorder) Logf(format string, args ...any) {
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}
func (r *logRecorder) Log(args ...any) { r.Logf("%s", fmt.Sprint(args...)) }

// setShort sets -test.short for the rest of the test (testing.Short reads
// the flag); the test is not parallel, so no other test sees it.
func setShort(t *testing.T, on bool) {
	f := flag.Lookup("test.short")
	old := f.Value.String()
	if err := f.Value.Set(strconv.FormatBool(on)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}
