package harness

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/temporalsim/temporalsim/sim"
)

// PlanFile is a plan saved with what it takes to run it again: the
// scenario and the seed, in comment lines that sim.ParsePlan (and so
// simrun run -plan) skips.
//
//	# temporalsim plan v1
//	# scenario: parallel-activities/bug-lost-item
//	# seed: 42
//	# violated: results-sorted-and-complete: workflow returned ...
//	f1 activity-error target=Process call=2
type PlanFile struct {
	Scenario string
	Seed     sim.Seed
	Plan     sim.Plan
	// Notes are further comment lines, for the reader.
	Notes []string
}

const (
	scenarioKey = "# scenario: "
	seedKey     = "# seed: "
)

// String is the file's text.
func (pf PlanFile) String() string {
	var b strings.Builder
	b.WriteString(sim.PlanHeader + "\n")
	b.WriteString(scenarioKey + pf.Scenario + "\n")
	fmt.Fprintf(&b, "%s%d\n", seedKey, pf.Seed)
	for _, n := range pf.Notes {
		for _, line := range strings.Split(n, "\n") {
			b.WriteString("# " + line + "\n")
		}
	}
	plan := pf.Plan.String()
	b.WriteString(strings.TrimPrefix(plan, sim.PlanHeader+"\n"))
	return b.String()
}

// WritePlanFile writes pf to path atomically (a temporary file in the
// same directory, then a rename), creating the directory.
func WritePlanFile(path string, pf PlanFile) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".plan-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.WriteString(pf.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReadPlanFile reads a file WritePlanFile wrote. Errors name the file
// and, for a plan line that does not parse, the line.
func ReadPlanFile(path string) (PlanFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return PlanFile{}, err
	}
	pf, err := ParsePlanFile(string(data))
	if err != nil {
		return PlanFile{}, fmt.Errorf("%s: %w", path, err)
	}
	return pf, nil
}

// ParsePlanFile parses the text of a plan file.
func ParsePlanFile(text string) (PlanFile, error) {
	var pf PlanFile
	var haveSeed bool
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, scenarioKey):
			pf.Scenario = strings.TrimSpace(strings.TrimPrefix(line, scenarioKey))
		case strings.HasPrefix(line, seedKey):
			v := strings.TrimSpace(strings.TrimPrefix(line, seedKey))
			s, err := parseSeed(v)
			if err != nil {
				return PlanFile{}, fmt.Errorf("seed %q: %w", v, err)
			}
			pf.Seed, haveSeed = s, true
		case strings.HasPrefix(line, "# ") && line != sim.PlanHeader:
			pf.Notes = append(pf.Notes, strings.TrimPrefix(line, "# "))
		}
	}
	if pf.Scenario == "" || !haveSeed {
		return PlanFile{}, errors.New(`want "# scenario: NAME" and "# seed: N" lines before the faults`)
	}
	plan, err := sim.ParsePlan(text)
	if err != nil {
		return PlanFile{}, err
	}
	pf.Plan = plan
	return pf, nil
}

// planDir is where this test's plans are saved.
func (s *search) planDir() string {
	return filepath.Join(s.cfg.planDir, safeName(s.t.Name()))
}

// save writes the failure's shrunk plan under PlanDir and records where.
func (s *search) save(f *Failure) {
	s.t.Helper()
	if s.cfg.planDir == "" {
		return
	}
	path := filepath.Join(s.planDir(), fmt.Sprintf("%s-%d.plan", safeName(f.Scenario), f.Seed))
	notes := []string{fmt.Sprintf("found by %s in %s", f.Source, f.Test)}
	if f.Divergence != nil {
		notes = append(notes, "not deterministic: traces differ at event "+strconv.Itoa(f.Divergence.Index))
	} else {
		v := f.Result.Violations[0]
		notes = append(notes, "violated: "+v.Property+": "+firstLine(v.Message))
	}
	err := WritePlanFile(path, PlanFile{Scenario: f.Scenario, Seed: f.Seed, Plan: f.Plan, Notes: notes})
	if err != nil {
		s.t.Logf("temporalsim: could not save the failing plan: %v", err)
		return
	}
	f.PlanFile = path
}

// replaySaved runs this test's saved plans for the scenario, in name
// order, and returns the first that still fails.
func (s *search) replaySaved() (*Failure, error) {
	s.t.Helper()
	if s.cfg.planDir == "" {
		return nil, nil
	}
	paths, _ := filepath.Glob(filepath.Join(s.planDir(), "*.plan"))
	slices.Sort(paths)
	for _, p := range paths {
		pf, err := ReadPlanFile(p)
		if err != nil {
			return nil, fmt.Errorf("harness: saved plan %v (fix the file or delete it)", err)
		}
		if pf.Scenario != s.sc.Name {
			continue
		}
		f, err := s.conclude(s.trial(pf.Seed, nil, pf.Plan), SourceSaved)
		if err != nil || f != nil {
			if f != nil {
				f.PlanFile = p
			}
			return f, err
		}
		s.t.Logf("temporalsim: saved plan %s passes now; delete it once the fix is in", p)
	}
	return nil, nil
}

// safeName makes a test or scenario name a file name: letters, digits,
// '-', '_' and '.' stay, anything else becomes '_'.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
