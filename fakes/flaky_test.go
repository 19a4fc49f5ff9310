package fakes_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/temporalsim/temporalsim/fakes"
)

// TestFlakyReadiness polls once a minute on a mock clock and checks which
// polls see the service ready.
func TestFlakyReadiness(t *testing.T) {
	tests := []struct {
		name      string
		cfg       *fakes.FlakyConfig
		wantReady []bool // one per poll, a minute apart, starting at the epoch
	}{
		{"ready at once", nil, []bool{true, true}},
		{"ready at a time", &fakes.FlakyConfig{ReadyAt: epoch.Add(2 * time.Minute)}, []bool{false, false, true, true}},
		{"ready after calls", &fakes.FlakyConfig{ReadyAfter: 3}, []bool{false, false, false, true}},
		{"both must hold, time last", &fakes.FlakyConfig{ReadyAt: epoch.Add(3 * time.Minute), ReadyAfter: 1}, []bool{false, false, false, true}},
		{"both must hold, calls last", &fakes.FlakyConfig{ReadyAt: epoch.Add(time.Minute), ReadyAfter: 3}, []bool{false, false, false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mock := clock.NewMock()
			s := fakes.NewFlakyService(mock, nil, tt.cfg)
			var got []bool
			for range tt.wantReady {
				res, err := s.Poll(t.Context())
				if err != nil {
					require.ErrorIs(t, err, fakes.ErrNotReady)
				} else {
					assert.Equal(t, "ready", res)
				}
				got = append(got, err == nil)
				mock.Add(time.Minute)
			}
			assert.Equal(t, tt.wantReady, got)
			assert.Equal(t, len(tt.wantReady), s.Count())
			assert.Len(t, s.Polls(), len(tt.wantReady))
		})
	}
}

// TestFlakyLatencyCrossesReadyAt shows readiness is judged when the poll
// completes: a poll sent before ReadyAt that lands after it succeeds.
func TestFlakyLatencyCrossesReadyAt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mock := clock.NewMock()
		s := fakes.NewFlakyService(mock, nil, &fakes.FlakyConfig{
			ReadyAt: epoch.Add(time.Second), Result: "job-7 done", Latency: fakes.Fixed(1500 * time.Millisecond),
		})
		type answer struct {
			res string
			err error
		}
		done := make(chan answer)
		go func() {
			res, err := s.Poll(context.Background())
			done <- answer{res, err}
		}()
		synctest.Wait()
		assert.Equal(t, 0, s.Count(), "the poll is still in flight")
		mock.Add(2 * time.Second)
		got := <-done
		require.NoError(t, got.err)
		assert.Equal(t, "job-7 done", got.res)
		assert.Equal(t, []fakes.Poll{{At: epoch.Add(1500 * time.Millisecond), Ready: true}}, s.Polls())
	})
}

func TestFlakyCancelDuringLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mock := clock.NewMock()
		s := fakes.NewFlakyService(mock, nil, &fakes.FlakyConfig{Latency: fakes.Fixed(time.Minute)})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := s.Poll(ctx)
			done <- err
		}()
		synctest.Wait()
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		assert.Equal(t, 0, s.Count(), "a cancelled poll does not count towards ReadyAfter")
		assert.Equal(t, []fakes.Poll{{At: epoch, Err: context.Canceled.Error()}}, s.Polls())
	})
}

func TestFlakyFailHook(t *testing.T) {
	outage := errors.New("502 bad gateway")
	s := fakes.NewFlakyService(clock.NewMock(), nil, &fakes.FlakyConfig{
		Fail: func(call int) error {
			if call == 2 {
				return outage
			}
			return nil
		},
	})
	_, err := s.Poll(t.Context())
	require.NoError(t, err)
	_, err = s.Poll(t.Context())
	require.ErrorIs(t, err, outage)
	_, err = s.Poll(t.Context())
	require.NoError(t, err)
}

func TestFlakyConcurrentCanonicalOrder(t *testing.T) {
	polls := requireOrderFree(t, func(reverse bool) []fakes.Poll {
		s := fakes.NewFlakyService(clock.NewMock(), nil, &fakes.FlakyConfig{ReadyAfter: 4})
		concurrently(9, reverse, func(int) { _, _ = s.Poll(context.Background()) })
		return s.Polls()
	})
	require.Len(t, polls, 9)
	assert.False(t, polls[3].Ready)
	assert.True(t, polls[4].Ready, "4 not-ready polls sort before the 5 ready ones")
}

func TestFlakyRealClock(t *testing.T) {
	clk := clock.New()
	s := fakes.NewFlakyService(clk, nil, &fakes.FlakyConfig{
		ReadyAt: clk.Now().Add(5 * time.Millisecond), Latency: fakes.Fixed(time.Millisecond),
	})
	for {
		_, err := s.Poll(t.Context())
		if err == nil {
			break
		}
		require.ErrorIs(t, err, fakes.ErrNotReady)
	}
	polls := s.Polls()
	assert.True(t, polls[len(polls)-1].Ready)
	assert.GreaterOrEqual(t, len(polls), 2, "5ms at 1ms a poll needs several polls")
}
