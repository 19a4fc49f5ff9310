package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/temporalsim/temporalsim/replaycorpus"
)

// replayJSON is what replay -json prints.
type replayJSON struct {
	replaycorpus.Summary
	Results []replayFileJSON `json:"results"`
}

type replayFileJSON struct {
	File         string `json:"file"`
	WorkflowType string `json:"workflow_type,omitempty"`
	Events       int    `json:"events"`
	Expected     string `json:"expected"`
	Result       string `json:"result"` // "pass" or "fail:KIND"
	Pass         bool   `json:"pass"`   // the result is the expected one
	ErrorKind    string `json:"error_kind,omitempty"`
	EventID      int64  `json:"event_id,omitempty"`
	Message      string `json:"message,omitempty"`     // short: the event and the command, side by side
	SDKMessage   string `json:"sdk_message,omitempty"` // the SDK's full text
	Hint         string `json:"hint,omitempty"`
}

// replay is `replay PATH...`: replay recorded histories.
func (a *app) replay(args []string) (job, error) {
	fs := a.flags("replay", "PATH... [-catalogue] [-json]", `
Replay history files (JSON, as temporal workflow show -o json writes them),
directories of them, or glob patterns, against the registered workflows, and
compare each result with the manifest.json next to the file (a clean replay
when a file has no entry). Failures are classified by kind (missing-command,
extra-command, command-mismatch, result-mismatch, unknown-event,
unregistered-workflow-type, deadlock, malformed, other) with the event id.
A history recorded from a scenario (simrun record) replays against that
scenario's workflows; any other history replays against none (and reports
unregistered-workflow-type) unless -catalogue is given.
Exits 1 when a history's replay is not what its manifest expects.`)
	asJSON := fs.Bool("json", false, "print one JSON object with the totals and a result per file")
	useCatalogue := fs.Bool("catalogue", false, "replay histories not recorded from a scenario against the workflows the scenarios register")
	paths, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, errors.New("want at least one history file, directory or pattern")
	}
	files, err := expandPaths(paths)
	if err != nil {
		return nil, err
	}
	// Replay needs no simulation bubble: it runs here, outside host.Run.
	results, err := a.replayFiles(files, *useCatalogue)
	if err != nil {
		return nil, err
	}
	sum := replaycorpus.Summarize(results)
	if *asJSON {
		out := replayJSON{Summary: sum, Results: []replayFileJSON{}}
		for _, r := range results {
			out.Results = append(out.Results, replayFileJSONOf(r))
		}
		a.printJSON(out)
	} else {
		a.printReplay(results, sum, *useCatalogue)
	}
	if !sum.OK() {
		return nil, failError{fmt.Errorf("%d of %d histories did not replay as expected", sum.Unexpected, sum.Files)}
	}
	return nil, nil
}

// expandPaths turns the command line into history files, as
// replaycorpus's ReplayPaths does, but reports a path that does not exist
// (or a pattern that matches nothing) as bad input instead of a failed
// replay.
func expandPaths(paths []string) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	add := func(fs ...string) {
		for _, f := range fs {
			if !seen[filepath.Clean(f)] {
				seen[filepath.Clean(f)] = true
				files = append(files, f)
			}
		}
	}
	for _, p := range paths {
		info, statErr := os.Stat(p)
		switch {
		case statErr == nil && info.IsDir():
			found, err := replaycorpus.HistoryFiles(p)
			if err != nil {
				return nil, err
			}
			if len(found) == 0 {
				return nil, fmt.Errorf("%s: no histories (*.json) in this directory", p)
			}
			add(found...)
		case statErr == nil:
			add(p)
		case strings.ContainsAny(p, "*?["):
			matches, err := filepath.Glob(p)
			matches = slices.DeleteFunc(matches, func(m string) bool { return filepath.Base(m) == replaycorpus.ManifestFile })
			if err != nil || len(matches) == 0 {
				return nil, fmt.Errorf("%s: no files match this pattern", p)
			}
			sub, err := expandPaths(matches)
			if err != nil {
				return nil, err
			}
			add(sub...)
		case errors.Is(statErr, os.ErrNotExist):
			return nil, fmt.Errorf("%s: no such file or directory", p)
		default:
			return nil, fmt.Errorf("%s: %v", p, statErr)
		}
	}
	return files, nil
}

func replayFileJSONOf(r replaycorpus.Result) replayFileJSON {
	out := replayFileJSON{File: r.File, WorkflowType: r.WorkflowType, Events: r.Events, Expected: r.Expected.String(), Result: "pass", Pass: r.Pass}
	if e := r.Err; e != nil {
		out.Result = "fail:" + string(e.Kind)
		out.ErrorKind, out.EventID, out.Message = string(e.Kind), e.EventID, oneLine(e.Message)
		out.SDKMessage, out.Hint = e.SDKMessage, e.Hint
	}
	return out
}

func (a *app) printReplay(results []replaycorpus.Result, sum replaycorpus.Summary, catalogue bool) {
	paint := painter(a.stdoutTTY)
	for _, r := range results {
		j := replayFileJSONOf(r)
		status := paint(colorOK, "ok  ")
		if !r.Pass {
			status = paint(colorFault, "FAIL")
		}
		line := fmt.Sprintf("%s %s: %s", status, r.File, j.Result)
		if j.Expected != j.Result || !r.Pass {
			line += " (expected " + j.Expected + ")"
		}
		if r.WorkflowType != "" {
			line += fmt.Sprintf(", %s, %d events", r.WorkflowType, r.Events)
		}
		fmt.Fprintln(a.stdout, line)
		if e := r.Err; e != nil && !r.Pass {
			where := ""
			if e.EventID > 0 {
				where = fmt.Sprintf(" at event %d", e.EventID)
			}
			fmt.Fprintf(a.stdout, "     %s%s: %s\n", e.Kind, where, oneLine(e.Message))
			if e.Hint != "" {
				fmt.Fprintf(a.stdout, "     hint: %s\n", e.Hint)
			}
		}
	}
	fmt.Fprintln(a.stdout, sum)
	if a.cfg.Replay == nil && slices.ContainsFunc(results, func(r replaycorpus.Result) bool {
		return r.Err != nil && r.Err.Kind == replaycorpus.UnregisteredWorkflowType && !r.Pass
	}) {
		a.printRegisterNote(catalogue)
	}
}

// printRegisterNote says how to replay histories whose workflow type is
// not registered: this binary registers only what its scenarios register.
func (a *app) printRegisterNote(catalogue bool) {
	if !catalogue {
		fmt.Fprintf(a.stdout, "note: %s replays a history against the scenarios' workflows only when it was recorded from a scenario (%s record), or with -catalogue\n", a.cfg.Command, a.cfg.Command)
	}
	fmt.Fprintf(a.stdout, "note: to replay your own workflows, call replaycorpus.Test or replaycorpus.NewReplayer with Options{Workflows: ...} in a test, or build your own simrun with cli.Config.Replay (see go doc %s)\n",
		"github.com/temporalsim/temporalsim/cmd/simrun")
}
