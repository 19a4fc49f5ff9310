package server

import (
	"cmp"
	"slices"
	"testing/synctest"
)

// The SDK's workflow worker passes every polled task, an empty poll answer
// included, through a rate limiter of its own (100,000 tasks a second,
// burst 1, with no option to change it): the tasks of one instant start
// 10us apart, in the order its pollers hand them over. Woken together,
// the pollers of one worker race for those slots, so which task ran first,
// and so when its completion arrived and what base time its step stamped,
// was goroutine order. The limit on polls (1,000 a second) is the same
// race, one poll a millisecond. So the workflow polls a step answers are
// woken one at a time, in a canonical order, each after the bubble has
// settled from the last: every poller has handed its task to its worker's
// limiter, and taken its next poll's place in line, before the next poller
// wakes.

// heldAnswer is a poll answered at the end of a step, waiting for release.
type heldAnswer struct {
	c    *call
	rank int // release order: lower first, then the order answered
	// alone: the caller is woken on its own, once the bubble has settled
	// from the callers woken before it.
	alone bool
}

// hold marks a poll the step's dispatch is about to answer, so that its
// caller waits for release. Activity polls go first, all at once: the
// drivers lift the SDK's activity rate limit (see doc.go), and activity
// polls are interchangeable, so which poller polls again first is never
// seen. Workflow polls follow one at a time: tasks before empty answers
// (a poll held past its deadline), so a worker's empty answer never takes
// a limiter place ahead of a task of the same instant, and sticky queues
// before normal ones, by kind, not by name (a sticky queue's name holds
// the host's name).
func (s *Server) hold(c *call, q *taskQueue, task bool) {
	if !s.collecting {
		return
	}
	h := heldAnswer{c: c}
	if q.key.kind == workflowQueue {
		h.alone = true
		h.rank = 1
		if !q.sticky {
			h.rank++
		}
		if !task {
			h.rank += 2
		}
	}
	c.deferred = true
	s.outbox = append(s.outbox, h)
}

// takeOutbox returns the step's held answers in release order.
func (s *Server) takeOutbox() []heldAnswer {
	out := s.outbox
	s.outbox = nil
	slices.SortStableFunc(out, func(a, b heldAnswer) int { return cmp.Compare(a.rank, b.rank) })
	return out
}

// release wakes the callers of held answers, letting the bubble settle
// before each one woken alone. The loop calls it without holding the
// state lock: a heartbeat waiting for that lock is not durably blocked, so
// synctest.Wait would wait for it forever.
func release(out []heldAnswer) {
	for i, h := range out {
		if i > 0 && h.alone {
			synctest.Wait()
		}
		close(h.c.done)
	}
}
