package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/temporalsim/temporalsim/sim"
)

// checkHistoryDir checks run -history before the run: engine 1 keeps no
// histories, and a directory that cannot be made is bad input, not a
// failure after the simulation.
func (a *app) checkHistoryDir(dir string) error {
	if dir == "" {
		return nil
	}
	if a.engineName() != sim.EngineServer {
		return fmt.Errorf("-history: engine 1 (testenv) keeps no histories: add -engine %s", sim.EngineServer)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("-history: %w", err)
	}
	return nil
}

// writeHistories writes each workflow run's history of r into dir (none
// when dir is empty), one file a run, each through a temporary file.
func writeHistories(r *sim.Result, dir string) error {
	if dir == "" {
		return nil
	}
	hs := r.Histories()
	for i, h := range hs {
		b, err := h.JSON()
		if err != nil {
			return fmt.Errorf("encoding the history of %s run %s: %w", h.WorkflowID, h.RunID, err)
		}
		if err := writeFileAtomic(filepath.Join(dir, historyFileName(i, len(hs), h)), b); err != nil {
			return fmt.Errorf("writing history: %w", err)
		}
	}
	return nil
}

// historyFileName is NN-WORKFLOWID-RUNID.json: numbered in the order the
// runs started, so a listing reads in that order. The server's run ids
// come from the scenario and seed, so the names repeat with the run.
func historyFileName(i, n int, h sim.History) string {
	width := max(2, len(strconv.Itoa(n)))
	return fmt.Sprintf("%0*d-%s-%s.json", width, i+1, fileStem(h.WorkflowID), fileStem(h.RunID))
}
