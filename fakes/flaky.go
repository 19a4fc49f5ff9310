package fakes

import (
	"cmp"
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// ErrNotReady is returned by FlakyService.Poll until the service is ready.
// Polling activities treat it as "try again later".
var ErrNotReady = errors.New("fakes: not ready")

// FlakyConfig configures a FlakyService. A nil *FlakyConfig means ready at
// once with result "ready".
type FlakyConfig struct {
	// ReadyAt, if non-zero, is the virtual instant from which polls succeed.
	ReadyAt time.Time
	// ReadyAfter, if positive, is how many polls fail before one succeeds:
	// poll ReadyAfter+1 is the first that can. It counts polls in arrival
	// order, so use it with a single poller when runs must repeat exactly.
	// When both ReadyAt and ReadyAfter are set, both must hold.
	ReadyAfter int
	// Result is what a successful poll returns; "" means "ready".
	Result string
	// Latency is slept on the clock before readiness is judged, so a poll
	// that starts just before ReadyAt can still succeed.
	Latency Latency
	// Fail, if set, is asked on every poll that got through its latency; a
	// non-nil error is returned in place of the normal answer. call counts
	// polls from 1. It runs with the service locked and must not call it.
	Fail func(call int) error
}

// Poll is one completed call to FlakyService.Poll.
type Poll struct {
	At    time.Time
	Ready bool
	Err   string
}

// FlakyService is a fake dependency for polling workflows: it answers
// ErrNotReady until a virtual time or a number of polls, then a result.
type FlakyService struct {
	clk clock.Clock
	cfg FlakyConfig

	mu    sync.Mutex
	rng   *rand.Rand
	n     int
	polls []Poll
}

// NewFlakyService returns a FlakyService on clk. r feeds the Latency and may
// be nil when the latency does not draw.
func NewFlakyService(clk clock.Clock, r *rand.Rand, cfg *FlakyConfig) *FlakyService {
	mustClock("fakes.NewFlakyService", clk)
	s := &FlakyService{clk: clk, rng: r}
	if cfg != nil {
		s.cfg = *cfg
	}
	if s.cfg.Result == "" {
		s.cfg.Result = "ready"
	}
	return s
}

// Poll returns the result once the service is ready and ErrNotReady before.
// A context done during the latency returns ctx.Err() and is recorded.
func (s *FlakyService) Poll(ctx context.Context) (string, error) {
	s.mu.Lock()
	d := s.cfg.Latency.draw(s.rng)
	s.mu.Unlock()
	at, err := sleep(ctx, s.clk, d)

	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.polls = append(s.polls, Poll{At: at, Err: err.Error()})
		return "", err
	}
	s.n++
	if s.cfg.Fail != nil {
		if err := s.cfg.Fail(s.n); err != nil {
			s.polls = append(s.polls, Poll{At: at, Err: err.Error()})
			return "", err
		}
	}
	ready := (s.cfg.ReadyAt.IsZero() || !at.Before(s.cfg.ReadyAt)) &&
		(s.cfg.ReadyAfter <= 0 || s.n > s.cfg.ReadyAfter)
	if !ready {
		s.polls = append(s.polls, Poll{At: at, Err: ErrNotReady.Error()})
		return "", ErrNotReady
	}
	s.polls = append(s.polls, Poll{At: at, Ready: true})
	return s.cfg.Result, nil
}

// Polls returns every poll sorted by time, then not-ready before ready, then
// error text. Concurrent polls at one instant therefore record the same list
// whichever goroutine arrived first.
func (s *FlakyService) Polls() []Poll {
	s.mu.Lock()
	out := slices.Clone(s.polls)
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b Poll) int {
		return cmp.Or(a.At.Compare(b.At), compareBool(a.Ready, b.Ready), cmp.Compare(a.Err, b.Err))
	})
	return out
}

// Count returns how many polls got through their latency, that is, how many
// the service counted towards ReadyAfter.
func (s *FlakyService) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	default:
		return 1
	}
}
