package harness

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// This file is the harness's one dependence on rapid's internals (rapid
// v1.3.0): the names and types of its flags, the divisor it applies to
// -rapid.checks under -short, the text of its failure message (the only
// place it names its seed and fail file), where it writes fail files, and
// the prefix of its fail-file log lines. TestRapidInternalsGuard fails,
// naming rapid's version, when any of them moves (docs/architecture.md,
// "Dependencies on other projects' internals").

const (
	rapidChecksFlag  = "rapid.checks" // an int
	rapidSeedFlag    = "rapid.seed"   // a uint64
	rapidVerboseFlag = "rapid.v"      // a bool
	rapidSeedEnv     = "RAPID_SEED"
	// rapidShortDivisor is what rapid divides -rapid.checks by under
	// -short; Checks has already made its own count smaller there.
	rapidShortDivisor = 5
	// rapidIgnoringPrefix starts the lines where rapid says it ignores a
	// fail file (stale, or from another rapid version): always shown.
	rapidIgnoringPrefix = "[rapid] ignoring"
)

// rapidVersion is the version of the rapid module this binary was built
// with, read from the path of its source file, which the module cache
// (and -trimpath) name with the version.
var rapidVersion = sync.OnceValue(func() string {
	pc := reflect.ValueOf(rapid.Check).Pointer()
	file, _ := runtime.FuncForPC(pc).FileLine(pc)
	if m := regexp.MustCompile(`pgregory\.net/rapid@(v[^/]+)/`).FindStringSubmatch(filepath.ToSlash(file)); m != nil {
		return m[1]
	}
	return "(version unknown: not built from the module cache)"
})

// rapidFlagsMu serialises Checks while they set rapid's flags: rapid
// reads -rapid.checks and -rapid.seed once, when its Check starts (before
// the first property call), so the flags are restored as soon as the
// property first runs.
var rapidFlagsMu sync.Mutex

// rapidSeedGiven reports whether the user chose rapid's seed, on the
// command line or in RAPID_SEED; SearchSeed does not override that.
var rapidSeedGiven = sync.OnceValue(func() bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == rapidSeedFlag })
	_, env := envLookup(rapidSeedEnv)
	return given || env
})

// runRapid runs rapid.Check with -rapid.checks (and -rapid.seed, for a
// SearchSeed) set for this Check. A flag rapid no longer has is an error
// naming rapid's version, never a silently ignored setting.
func runRapid(tb *rapidTB, c config, prop func(*rapid.T)) error {
	checks := c.checks
	if testing.Short() {
		checks *= rapidShortDivisor
	}
	set := [][2]string{{rapidChecksFlag, strconv.Itoa(checks)}}
	if c.searchSeed != 0 && !rapidSeedGiven() {
		set = append(set, [2]string{rapidSeedFlag, strconv.FormatUint(c.searchSeed, 10)})
	}
	rapidFlagsMu.Lock()
	var old [][2]string
	release := sync.OnceFunc(func() {
		for _, kv := range old {
			_ = flag.Lookup(kv[0]).Value.Set(kv[1]) // a value it held
		}
		rapidFlagsMu.Unlock()
	})
	defer release()
	for _, kv := range set {
		f := flag.Lookup(kv[0])
		if f == nil {
			return fmt.Errorf("harness: pgregory.net/rapid %s has no -%s flag; update harness/rapidflags.go for it, or use the version in temporalsim's go.mod", rapidVersion(), kv[0])
		}
		prev := f.Value.String()
		if err := f.Value.Set(kv[1]); err != nil {
			return fmt.Errorf("harness: pgregory.net/rapid %s: -%s=%s: %v; update harness/rapidflags.go for it", rapidVersion(), kv[0], kv[1], err)
		}
		old = append(old, [2]string{kv[0], prev})
	}
	rapid.Check(tb, func(rt *rapid.T) {
		release()
		prop(rt)
	})
	return nil
}

var (
	rapidSeedRE     = regexp.MustCompile(`-rapid\.seed=(\d+)`)
	rapidFailFileRE = regexp.MustCompile(`-rapid\.failfile=("(?:[^"\\]|\\.)*")`)
)

// reproduction reads rapid's seed and fail file out of its failure
// message ("To reproduce, specify -run=... -rapid.failfile=... (or
// -rapid.seed=N)"); rapid exposes them no other way.
func (r *rapidTB) reproduction() (seed uint64, failfile string) {
	for _, m := range r.msgs {
		if sm := rapidSeedRE.FindStringSubmatch(m); sm != nil {
			seed, _ = strconv.ParseUint(sm[1], 10, 64)
		}
		if fm := rapidFailFileRE.FindStringSubmatch(m); fm != nil {
			failfile, _ = strconv.Unquote(fm[1])
		}
	}
	return seed, failfile
}

// removeNewFailFile deletes the fail file rapid wrote for this failure,
// and the directories it made for it, for a Check told to save nothing
// (PlanDir("")). A fail file rapid replayed is the user's and stays: rapid
// names a seed only for a failure it found, and wrote, itself.
func (r *rapidTB) removeNewFailFile() {
	seed, path := r.reproduction()
	if seed == 0 || path == "" || os.Remove(path) != nil {
		return
	}
	for dir := filepath.Dir(path); dir != "." && filepath.Base(dir) != ".."; dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty: something else is there
			return
		}
		if filepath.Base(dir) == "testdata" {
			return
		}
	}
}

func rapidVerbose() bool {
	f := flag.Lookup(rapidVerboseFlag)
	return f != nil && f.Value.String() == "true"
}
