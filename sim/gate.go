package sim

import (
	"sort"
	"sync"
	"testing/synctest"
)

// gate releases activity completions in a canonical order. Activities run
// on their own goroutines, so two that finish at the same virtual instant
// would reach the workflow in goroutine order. Each finished activity
// waits at the gate; a releaser goroutine waits until every other
// goroutine in the bubble is blocked (so everything that will finish at
// this instant has arrived), then lets the smallest key through, waits for
// the workflow to settle again, and repeats. Time cannot advance while the
// releaser works, so the order is (virtual time, key).
type gate struct {
	mu       sync.Mutex
	waiting  []*gateWaiter
	barriers []chan struct{}
	closed   bool
	kick     chan struct{}
	done     chan struct{}
	exited   chan struct{}
	onPass   func(key string)
}

type gateWaiter struct {
	key     string
	release chan struct{}
}

func newGate(onPass func(key string)) *gate {
	g := &gate{kick: make(chan struct{}, 1), done: make(chan struct{}), exited: make(chan struct{}), onPass: onPass}
	go g.run()
	return g
}

// pass blocks until the releaser lets key through.
func (g *gate) pass(key string) {
	w := &gateWaiter{key: key, release: make(chan struct{})}
	g.mu.Lock()
	if g.closed {
		// The run is over; the trace flushes what is left in key order.
		g.mu.Unlock()
		return
	}
	g.waiting = append(g.waiting, w)
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
	}
	<-w.release
}

// barrier blocks until every goroutine in the bubble is blocked. Callers
// then decide from virtual time and state alone. Unlike pass, all callers
// at one instant are let go together.
func (g *gate) barrier() {
	ch := make(chan struct{})
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.barriers = append(g.barriers, ch)
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
	}
	<-ch
}

func (g *gate) run() {
	defer close(g.exited)
	for {
		select {
		case <-g.kick:
		case <-g.done:
			g.openBarriers()
			g.releaseAll()
			return
		}
		for {
			synctest.Wait()
			if g.openBarriers() {
				continue
			}
			w := g.next()
			if w == nil {
				break
			}
			g.onPass(w.key)
			close(w.release)
		}
	}
}

func (g *gate) openBarriers() bool {
	g.mu.Lock()
	bs := g.barriers
	g.barriers = nil
	g.mu.Unlock()
	for _, ch := range bs {
		close(ch)
	}
	return len(bs) > 0
}

func (g *gate) next() *gateWaiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiting) == 0 {
		return nil
	}
	sort.Slice(g.waiting, func(i, j int) bool { return g.waiting[i].key < g.waiting[j].key })
	w := g.waiting[0]
	g.waiting = g.waiting[1:]
	return w
}

// releaseAll lets every waiter through in key order (the run is over).
func (g *gate) releaseAll() {
	for w := g.next(); w != nil; w = g.next() {
		g.onPass(w.key)
		close(w.release)
	}
}

// close stops the releaser and waits for it.
func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	close(g.done)
	<-g.exited
}
