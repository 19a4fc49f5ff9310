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
// race, one poll a millisecond. So the polls a step answers are woken one
// at a time, in a canonical order, each after the bubble has settled from
// the last: every poller has handed its task to its worker's limiter, and
// taken its next poll's place in line, before the next poller wakes.

// heldAnswer is a poll answered at the end of a step, waiting for release.
type heldAnswer struct {
	c    *call
	rank int // release order: lower first, then the order answered
}

// hold marks a poll the step's dispatch is about to answer, so that its
// caller waits for release. Tasks go before empty answers (a poll held
// past its deadline), so a worker's empty answer never takes a limiter
// slot ahead of a task of the same instant; sticky queues go before normal
// ones, by kind, not by name (a sticky queue's name holds the host's name).
func (s *Server) hold(c *call, q *taskQueue, task bool) {
	if !s.collecting {
		return
	}
	rank := 0
	if !q.sticky {
		rank++
	}
	if !task {
		rank += 2
	}
	c.deferred = true
	s.outbox = append(s.outbox, heldAnswer{c, rank})
}

// takeOutbox returns the step's held answers in release order.
func (s *Server) takeOutbox() []heldAnswer {
	out := s.outbox
	s.outbox = nil
	slices.SortStableFunc(out, func(a, b heldAnswer) int { return cmp.Compare(a.rank, b.rank) })
	return out
}

// release wakes the callers of held answers one at a time, letting the
// bubble settle between two. The loop calls it without holding the state
// lock: a heartbeat waiting for that lock is not durably blocked, so
// synctest.Wait would wait for it forever.
func release(out []heldAnswer) {
	for i, h := range out {
		if i > 0 {
			synctest.Wait()
		}
		close(h.c.done)
	}
}
