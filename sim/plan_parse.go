package sim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParsePlan parses the text form written by Plan.String: one fault a line,
// "#" starts a comment, blank lines are ignored. Errors name the line and
// what is wrong with it. A parsed plan is valid (see Plan.Validate).
//
//	# temporalsim plan v1
//	f1 activity-error target=Charge call=1 attempt=2 value="card declined" nonretryable
//	f2 worker-shutdown at=1m30s dur=10s
func ParsePlan(text string) (Plan, error) {
	var p Plan
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f, err := parseFault(line)
		if err != nil {
			return Plan{}, fmt.Errorf("plan line %d: %w", i+1, err)
		}
		p.Faults = append(p.Faults, f)
	}
	if err := p.Validate(); err != nil {
		return Plan{}, err
	}
	return p, nil
}

func parseFault(line string) (Fault, error) {
	toks, err := tokenize(line)
	if err != nil {
		return Fault{}, err
	}
	if len(toks) < 2 {
		return Fault{}, errors.New("want \"f<id> <kind> key=value...\"")
	}
	var f Fault
	if !strings.HasPrefix(toks[0], "f") {
		return Fault{}, fmt.Errorf("fault id %q must look like f1", toks[0])
	}
	if f.ID, err = strconv.Atoi(toks[0][1:]); err != nil || f.ID <= 0 {
		return Fault{}, fmt.Errorf("fault id %q must look like f1", toks[0])
	}
	f.Kind = Kind(toks[1])
	if _, ok := kindSpecs[f.Kind]; !ok {
		return Fault{}, fmt.Errorf("unknown fault kind %q (known: %s)", toks[1], kindList())
	}
	seen := map[string]bool{}
	for _, tok := range toks[2:] {
		key, val, hasVal := strings.Cut(tok, "=")
		if seen[key] {
			return Fault{}, fmt.Errorf("f%d: %s given twice", f.ID, key)
		}
		seen[key] = true
		if err := setField(&f, key, val, hasVal); err != nil {
			return Fault{}, fmt.Errorf("f%d: %w", f.ID, err)
		}
	}
	return f, nil
}

func setField(f *Fault, key, val string, hasVal bool) error {
	if key == "nonretryable" {
		if hasVal {
			return errors.New("nonretryable takes no value")
		}
		f.NonRetryable = true
		return nil
	}
	if !hasVal {
		return fmt.Errorf("%q: want key=value", key)
	}
	var err error
	switch key {
	case "at":
		f.At, err = parseDur(val)
	case "dur":
		f.Dur, err = parseDur(val)
	case "target":
		f.Target = val
	case "value":
		f.Value = val
	case "call":
		f.Call, err = parseCount(val)
	case "attempt":
		f.Attempt, err = parseCount(val)
	default:
		return fmt.Errorf("unknown key %q (keys: at, target, call, attempt, dur, value, nonretryable)", key)
	}
	if err != nil {
		return fmt.Errorf("%s=%s: %w", key, val, err)
	}
	return nil
}

func parseDur(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("not a duration (like 90s or 1m30s)")
	}
	if d < 0 {
		return 0, errors.New("negative duration")
	}
	return d, nil
}

func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errors.New("not a non-negative whole number")
	}
	return n, nil
}

// tokenize splits on blanks; a value may be double-quoted (Go syntax), as
// in value="card declined".
func tokenize(line string) ([]string, error) {
	var toks []string
	for len(line) > 0 {
		line = strings.TrimLeft(line, " \t")
		if line == "" {
			break
		}
		end := strings.IndexAny(line, " \t\"")
		if end < 0 {
			toks = append(toks, line)
			break
		}
		if line[end] != '"' {
			toks = append(toks, line[:end])
			line = line[end:]
			continue
		}
		prefix := line[:end]
		quoted, err := strconv.QuotedPrefix(line[end:])
		if err != nil {
			return nil, fmt.Errorf("unterminated or bad quoted value after %q", prefix)
		}
		uq, _ := strconv.Unquote(quoted)
		rest := line[end+len(quoted):]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return nil, fmt.Errorf("text right after quoted value %s", quoted)
		}
		toks = append(toks, prefix+uq)
		line = rest
	}
	return toks, nil
}
