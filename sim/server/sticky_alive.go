package server

import "time"

// stickyPollerWindow is how long after its last poll a sticky queue's
// worker counts as alive. A real server's matching service answers a
// workflow task aimed at a sticky queue that has had no poller for this
// long with StickyWorkerUnavailable, and the task goes to the normal queue
// at once; within the window a task for a worker that has died waits for
// the sticky schedule-to-start timeout (see docs/architecture.md).
const stickyPollerWindow = 10 * time.Second

// stickySeen notes that the sticky queue name saw its worker now.
func (s *Server) stickySeen(name string) {
	if s.stickyPolls == nil {
		s.stickyPolls = map[string]time.Time{}
	}
	s.stickyPolls[name] = s.now
}

// stickyAlive reports whether the sticky queue name has a poller now or
// had one within the window.
func (s *Server) stickyAlive(name string) bool {
	if q := s.queues[queueKey{workflowQueue, name}]; q != nil && len(q.polls) > 0 {
		return true
	}
	seen, ok := s.stickyPolls[name]
	return ok && s.now.Sub(seen) < stickyPollerWindow
}
