package server

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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

// dispatch pairs tasks with polls. A poll its worker cancelled (the SDK
// does at Stop) gets an empty answer instead of a task: a stopped worker's
// polls must not swallow tasks (a crashed worker's are dropped by
// Disconnect). A poll held past its long-poll deadline takes a task: it
// stands for the poll its worker would have sent next, since on a real
// server the long poll ends empty at its deadline and the SDK polls again
// at once. Answering it empty instead cost every long sleep a second poll
// and a second step (TestExpiredPollTakesTheTask).
func (q *taskQueue) dispatch() {
	for len(q.polls) > 0 && len(q.tasks) > 0 {
		p := q.polls[0]
		if p.ctx != nil && errors.Is(p.ctx.Err(), context.Canceled) {
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
	b := make([]byte, 0, 3+len(t.runID)+24)
	b = append(b, t.kind, '|')
	b = append(b, t.runID...)
	b = append(b, '|')
	b = strconv.AppendInt(b, t.sched, 10)
	b = append(b, '|')
	return strconv.AppendInt(b, int64(t.attempt), 10)
}

func parseToken(b []byte) (token, bool) {
	s := string(b)
	if strings.Count(s, "|") != 3 {
		return token{}, false
	}
	kind, rest, _ := strings.Cut(s, "|")
	runID, rest, _ := strings.Cut(rest, "|")
	sched, att, _ := strings.Cut(rest, "|")
	if len(kind) != 1 {
		return token{}, false
	}
	n, err1 := strconv.ParseInt(sched, 10, 64)
	a, err2 := strconv.ParseInt(att, 10, 32)
	if err1 != nil || err2 != nil {
		return token{}, false
	}
	return token{kind: kind[0], runID: runID, sched: n, attempt: int32(a)}, true
}

// newID returns the next server id: a UUID-shaped string derived from the
// server's seed and a counter (splitmix64), so runs repeat exactly.
func (s *Server) newID() string {
	s.ids++
	a := mix(s.idSeed ^ mix(s.ids))
	b := mix(a ^ 0x9e3779b97f4a7c15)
	// The layout of fmt's "%08x-%04x-4%03x-8%03x-%012x", written by hand:
	// newID runs for every workflow task and activity attempt.
	id := make([]byte, 0, 36)
	id = appendHex(id, a>>32, 8)
	id = append(id, '-')
	id = appendHex(id, (a>>16)&0xffff, 4)
	id = append(id, '-', '4')
	id = appendHex(id, a&0xfff, 3)
	id = append(id, '-', '8')
	id = appendHex(id, b>>52, 3)
	id = append(id, '-')
	id = appendHex(id, b&0xffffffffffff, 12)
	return string(id)
}

// appendHex appends the low 4*digits bits of v as lower-case hex digits.
func appendHex(b []byte, v uint64, digits int) []byte {
	for i := digits - 1; i >= 0; i-- {
		b = append(b, "0123456789abcdef"[(v>>(4*uint(i)))&0xf])
	}
	return b
}

func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
