package server

import (
	"slices"
	"testing"
	"testing/synctest"
)

// TestReleaseWakesPollsOneAtATime: the polls a step answers are not woken
// by their answers but by release, activity polls first, then workflow
// polls in a canonical order (tasks before empty answers, sticky queues
// before normal ones, then the order answered), each once the bubble has
// settled from the last, so each caller runs until it blocks before the
// next one wakes.
func TestReleaseWakesPollsOneAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &Server{}
		normal := &taskQueue{srv: s, key: queueKey{workflowQueue, "q"}}
		sticky := &taskQueue{srv: s, key: queueKey{workflowQueue, "host:sticky"}, sticky: true}
		activities := &taskQueue{srv: s, key: queueKey{activityQueue, "q"}}
		held := []struct {
			name string
			q    *taskQueue
			task bool
		}{
			{"empty-normal", normal, false},
			{"task-normal-1", normal, true},
			{"empty-sticky", sticky, false},
			{"task-sticky", sticky, true},
			{"activity", activities, true},
			{"task-normal-2", normal, true},
		}
		// Each caller, once woken, takes the next place in line, as a
		// poller takes its worker's next rate-limiter slot.
		line := make(chan string, len(held))
		s.collecting = true
		for _, h := range held {
			c := &call{name: h.name, done: make(chan struct{})}
			s.hold(c, h.q, h.task)
			c.answer(nil)
			go func() {
				<-c.done
				line <- c.name
			}()
		}
		s.collecting = false
		synctest.Wait()
		if len(line) != 0 {
			t.Fatalf("%s woke before release", <-line)
		}
		release(s.takeOutbox())
		synctest.Wait()
		close(line)
		var got []string
		for n := range line {
			got = append(got, n)
		}
		want := []string{"activity", "task-sticky", "task-normal-1", "task-normal-2", "empty-sticky", "empty-normal"}
		if !slices.Equal(got, want) {
			t.Errorf("woken in order %v, want %v", got, want)
		}
		if len(s.outbox) != 0 {
			t.Errorf("the outbox keeps %d answers after takeOutbox", len(s.outbox))
		}
	})
}

// TestAnswerOutsideAStepWakesAtOnce: a poll answered outside a step's
// dispatch (a cancelled poll, a disconnected worker) is not held.
func TestAnswerOutsideAStepWakesAtOnce(t *testing.T) {
	s := &Server{}
	c := &call{name: "poll", done: make(chan struct{})}
	s.hold(c, &taskQueue{srv: s, key: queueKey{workflowQueue, "q"}}, true)
	c.answer(nil)
	select {
	case <-c.done:
	default:
		t.Fatal("an answer outside a step's dispatch was held")
	}
}
