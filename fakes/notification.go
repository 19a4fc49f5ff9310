package fakes

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// NotificationConfig configures a NotificationSink. A nil *NotificationConfig
// means no latency and no faults.
type NotificationConfig struct {
	// Latency is slept on the clock before the message is delivered.
	Latency Latency
	// Fail, if set, is asked before delivery; a non-nil error is returned and
	// the message is not delivered. attempt counts sends of the same
	// recipient, subject and body, starting at 1, in arrival order. It runs
	// with the sink locked and must not call the sink.
	Fail func(m Message, attempt int) error
}

// Message is one delivered notification.
type Message struct {
	At      time.Time
	To      string
	Subject string
	Body    string
}

// NotificationSink is a fake email or notification provider that records
// what it delivered, so a test can check that a message went out exactly once.
type NotificationSink struct {
	clk clock.Clock
	cfg NotificationConfig

	mu       sync.Mutex
	rng      *rand.Rand
	sent     []Message
	attempts map[Message]int // At zeroed: counts the same message across time
	calls    int
}

// NewNotificationSink returns an empty NotificationSink on clk. r feeds the
// Latency and may be nil when the latency does not draw.
func NewNotificationSink(clk clock.Clock, r *rand.Rand, cfg *NotificationConfig) *NotificationSink {
	mustClock("fakes.NewNotificationSink", clk)
	s := &NotificationSink{clk: clk, rng: r, attempts: map[Message]int{}}
	if cfg != nil {
		s.cfg = *cfg
	}
	return s
}

// Send delivers one message after the configured latency. A context done
// before delivery returns ctx.Err() and delivers nothing.
func (s *NotificationSink) Send(ctx context.Context, to, subject, body string) error {
	s.mu.Lock()
	d := s.cfg.Latency.draw(s.rng)
	s.mu.Unlock()
	at, err := sleep(ctx, s.clk, d)

	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if err != nil {
		return err
	}
	m := Message{To: to, Subject: subject, Body: body}
	s.attempts[m]++
	attempt := s.attempts[m]
	m.At = at
	if s.cfg.Fail != nil {
		if err := s.cfg.Fail(m, attempt); err != nil {
			return err
		}
	}
	s.sent = append(s.sent, m)
	return nil
}

// Sent returns every delivered message sorted by time, recipient, subject
// and body, so the order never depends on goroutine scheduling.
func (s *NotificationSink) Sent() []Message {
	s.mu.Lock()
	out := slices.Clone(s.sent)
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Message) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.To, b.To),
			cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Body, b.Body))
	})
	return out
}

// SentTo returns the delivered messages for one recipient, in Sent order.
func (s *NotificationSink) SentTo(to string) []Message {
	return slices.DeleteFunc(s.Sent(), func(m Message) bool { return m.To != to })
}

// Count returns how many messages were delivered.
func (s *NotificationSink) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent)
}

// Calls returns how many times Send was called, delivered or not, so a test
// can tell retries from deliveries.
func (s *NotificationSink) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}
