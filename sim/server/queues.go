package server

import (
	"cmp"
	"fmt"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"slices"
	"strconv"
	"strings"
)

// queueKind tells workflow-task queues from activity-task queues: the two
// share names but never tasks.
type queueKind int

const (
	workflowQueue queueKind = iota
	activityQueue
)

type queueKey struct {
	kind queueKind
	name string
}

// taskQueue holds tasks nobody polled yet and polls no task answered yet,
// both first in first out. A dispatch pairs them while both exist; during
// a step it waits for the step's end (Server.step).
type taskQueue struct {
	srv    *Server
	key    queueKey
	sticky bool
	tasks  []dispatcher
	polls  []*call
}

// dispatcher is a pending task: valid reports whether it still wants a
// worker, start hands it to the poll and returns the poll's response.
type dispatcher interface {
	valid() bool
	start(poll *call)
}

func (s *Server) queue(kind queueKind, name string, sticky bool) *taskQueue {
	k := queueKey{kind, name}
	q := s.queues[k]
	if q == nil {
		q = &taskQueue{srv: s, key: k, sticky: sticky}
		s.queues[k] = q
	}
	return q
}

func (s *Server) sortedQueueKeys() []queueKey {
	keys := make([]queueKey, 0, len(s.queues))
	for k := range s.queues {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b queueKey) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), strings.Compare(a.name, b.name))
	})
	return keys
}

func (q *taskQueue) push(t dispatcher) {
	q.tasks = append(q.tasks, t)
	if !q.srv.stepping {
		q.dispatch()
	}
}

func (q *taskQueue) park(c *call) {
	c.queue = q
	q.polls = append(q.polls, c)
	if !q.srv.stepping {
		q.dispatch()
	}
}

// dispatch pairs tasks with polls. A poll whose context has ended (held
// past its deadline, or its worker gone) gets an empty answer instead of a
// task, as its long poll would have ended on a real server: a crashed
// worker's polls must not swallow tasks.
func (q *taskQueue) dispatch() {
	for len(q.polls) > 0 && len(q.tasks) > 0 {
		p := q.polls[0]
		if p.ctx != nil && p.ctx.Err() != nil {
			q.srv.hold(p, q, false)
			q.unpark(p)
			continue
		}
		t := q.tasks[0]
		q.tasks = q.tasks[1:]
		if !t.valid() {
			continue
		}
		q.polls = q.polls[1:]
		p.queue = nil
		q.srv.hold(p, q, true)
		t.start(p)
	}
	if len(q.tasks) == 0 {
		q.tasks = nil
	}
}

// unpark removes a held poll and answers it with an empty response.
func (q *taskQueue) unpark(c *call) {
	if i := slices.Index(q.polls, c); i >= 0 {
		q.polls = slices.Delete(q.polls, i, i+1)
	}
	c.queue = nil
	c.answer(nil)
}

// cancelHeld answers a call whose caller went away, if the loop still
// holds it; a call already answered keeps its answer.
func (s *Server) cancelHeld(c *call) {
	if c.over {
		return
	}
	if c.queue != nil {
		c.queue.unpark(c)
		return
	}
	for _, ex := range s.runs {
		if i := slices.Index(ex.waiters, c); i >= 0 {
			ex.waiters = slices.Delete(ex.waiters, i, i+1)
			c.fail(status.Error(codes.Canceled, "temporalsim server: history long poll cancelled"))
			return
		}
	}
	c.answer(nil)
}

// token is the content of a task token: which run, which scheduled event,
// which attempt. It is made from server state only, so it is canonical.
type token struct {
	kind    byte // 'w' workflow task, 'a' activity task
	runID   string
	sched   int64
	attempt int32
}

func (t token) bytes() []byte {
	return fmt.Appendf(nil, "%c|%s|%d|%d", t.kind, t.runID, t.sched, t.attempt)
}

func parseToken(b []byte) (token, bool) {
	parts := strings.Split(string(b), "|")
	if len(parts) != 4 || len(parts[0]) != 1 {
		return token{}, false
	}
	sched, err1 := strconv.ParseInt(parts[2], 10, 64)
	att, err2 := strconv.ParseInt(parts[3], 10, 32)
	if err1 != nil || err2 != nil {
		return token{}, false
	}
	return token{kind: parts[0][0], runID: parts[1], sched: sched, attempt: int32(att)}, true
}

// newID returns the next server id: a UUID-shaped string derived from the
// server's seed and a counter (splitmix64), so runs repeat exactly.
func (s *Server) newID() string {
	s.ids++
	a := mix(s.idSeed ^ mix(s.ids))
	b := mix(a ^ 0x9e3779b97f4a7c15)
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, b>>52, b&0xffffffffffff)
}

func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
