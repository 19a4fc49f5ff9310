package server

// Scheduled is an activity scheduled, or a child workflow run started, as
// Options.OnScheduled reports it.
type Scheduled struct {
	// Child is false for an activity, true for a child workflow run.
	Child bool
	// RunID is the scheduling workflow's run for an activity, the child's
	// own first run for a child.
	RunID string
	// ID is the activity id, or the child's workflow id.
	ID string
	// Type is the activity or workflow type.
	Type string
}

// scheduled reports sc to Options.OnScheduled. It runs on the loop, in
// the order the loop applies commands, which never depends on goroutine
// order: a caller that numbers calls from it numbers them the same way
// every run.
func (s *Server) scheduled(sc Scheduled) {
	if s.observe != nil {
		s.observe(sc)
	}
}
