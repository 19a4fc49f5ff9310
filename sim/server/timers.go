package server

import (
	"container/heap"
	"time"
)

// timer is one server-side deadline. Cancelling marks it dead; the heap
// drops dead timers when they come up.
type timer struct {
	at   time.Time
	seq  uint64
	fire func()
	dead bool
}

func (t *timer) cancel() {
	if t != nil {
		t.dead = true
	}
}

// timerQueue orders timers by (time, sequence): timers due at the same
// instant fire in the order they were set, which the loop makes canonical.
type timerQueue struct {
	h   timerHeap
	seq uint64
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}

func (q *timerQueue) add(at time.Time, fire func()) *timer {
	q.seq++
	t := &timer{at: at, seq: q.seq, fire: fire}
	heap.Push(&q.h, t)
	return t
}

func (q *timerQueue) next() (time.Time, bool) {
	for len(q.h) > 0 && q.h[0].dead {
		heap.Pop(&q.h)
	}
	if len(q.h) == 0 {
		return time.Time{}, false
	}
	return q.h[0].at, true
}

// after sets a timer d after the server's current time.
func (s *Server) after(d time.Duration, fire func()) *timer {
	return s.timers.add(s.now.Add(d), fire)
}

// fireTimers fires every timer due at or before the server's time, in
// (time, seq) order, including timers that firing sets.
func (s *Server) fireTimers() {
	for {
		at, ok := s.timers.next()
		if !ok || at.After(s.now) {
			return
		}
		t := heap.Pop(&s.timers.h).(*timer)
		t.fire()
	}
}
