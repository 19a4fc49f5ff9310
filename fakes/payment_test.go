package fakes_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/benbjohnson/clock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/temporalsim/temporalsim/fakes"
)

type charge struct {
	key, account string
	cents        int64
}

func TestPaymentIdempotency(t *testing.T) {
	tests := []struct {
		name        string
		charges     []charge
		wantApplied int
		wantBalance int64 // of account "a"
		wantDups    []string
		wantErr     error // of the last charge
	}{
		{"same key applies once", []charge{{"k1", "a", 100}, {"k1", "a", 100}}, 1, 100, nil, nil},
		{"empty key applies every time", []charge{{"", "a", 100}, {"", "a", 100}}, 2, 200, []string{"charge/a/100"}, nil},
		{"fresh key per retry is a duplicate", []charge{{"k1", "a", 100}, {"k2", "a", 100}}, 2, 200, []string{"charge/a/100"}, nil},
		{"different amounts are different charges", []charge{{"", "a", 100}, {"", "a", 250}}, 2, 350, nil, nil},
		{"key reused for another amount", []charge{{"k1", "a", 100}, {"k1", "a", 999}}, 1, 100, nil, fakes.ErrIdempotencyKeyReused},
		{"key reused for another account", []charge{{"k1", "a", 100}, {"k1", "b", 100}}, 1, 100, nil, fakes.ErrIdempotencyKeyReused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakes.NewPaymentService(clock.NewMock(), nil, nil)
			var ids []string
			var err error
			for _, c := range tt.charges {
				var id string
				id, err = s.Charge(t.Context(), c.key, c.account, c.cents)
				ids = append(ids, id)
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Len(t, s.Applied(), tt.wantApplied)
			assert.Equal(t, tt.wantBalance, s.Balance("a"))
			var dups []string
			for _, d := range s.DuplicateApplies() {
				dups = append(dups, d.Identity)
			}
			assert.Equal(t, tt.wantDups, dups)
			if tt.wantApplied == 1 && tt.wantErr == nil {
				assert.Equal(t, ids[0], ids[1], "a replayed key must return the original charge id")
			}
		})
	}
}

// TestPaymentLostResponseRetry is the double-charge bug in miniature: the
// first charge succeeds but its response is lost, and the activity retries.
func TestPaymentLostResponseRetry(t *testing.T) {
	lost := errors.New("connection reset")
	for _, tt := range []struct {
		key         string
		wantApplied int
	}{{"order-1", 1}, {"", 2}} {
		t.Run(fmt.Sprintf("key=%q", tt.key), func(t *testing.T) {
			s := fakes.NewPaymentService(clock.NewMock(), nil, &fakes.PaymentConfig{
				LoseResponse: func(op string, attempt int) error {
					if attempt == 1 {
						return lost
					}
					return nil
				},
			})
			_, err := s.Charge(t.Context(), tt.key, "a", 500)
			require.ErrorIs(t, err, lost)
			_, err = s.Charge(t.Context(), tt.key, "a", 500)
			require.NoError(t, err)
			assert.Equal(t, tt.wantApplied, s.AppliedCount(tt.key))
			assert.Equal(t, int64(500*tt.wantApplied), s.Balance("a"))
			assert.Len(t, s.DuplicateApplies(), tt.wantApplied-1)
		})
	}
}

func TestPaymentFailBeforeApply(t *testing.T) {
	refused := errors.New("503")
	var seen []string
	s := fakes.NewPaymentService(clock.NewMock(), nil, &fakes.PaymentConfig{
		Fail: func(op string, attempt int) error {
			seen = append(seen, fmt.Sprintf("%s#%d", op, attempt))
			if attempt == 1 {
				return refused
			}
			return nil
		},
	})
	_, err := s.Charge(t.Context(), "k", "a", 100)
	require.ErrorIs(t, err, refused)
	assert.Empty(t, s.Applied(), "a refused request must not take effect")
	_, err = s.Charge(t.Context(), "k", "a", 100)
	require.NoError(t, err)
	assert.Equal(t, 1, s.AppliedCount("k"))
	assert.Equal(t, []string{"charge#1", "charge#2"}, seen)
	var outcomes []string
	for _, c := range s.Calls() {
		outcomes = append(outcomes, c.Outcome)
	}
	assert.ElementsMatch(t, []string{"failed", "applied"}, outcomes)
}

func TestPaymentRefund(t *testing.T) {
	ctx := t.Context()
	s := fakes.NewPaymentService(clock.NewMock(), nil, nil)
	id, err := s.Charge(ctx, "c1", "a", 700)
	require.NoError(t, err)

	require.NoError(t, s.Refund(ctx, "r1", id))
	require.NoError(t, s.Refund(ctx, "r1", id), "replaying a refund key is fine")
	assert.Equal(t, int64(0), s.Balance("a"))
	assert.Empty(t, s.DuplicateApplies())

	require.NoError(t, s.Refund(ctx, "r2", id), "a compensation run twice with fresh keys")
	assert.Equal(t, int64(-700), s.Balance("a"))
	dups := s.DuplicateApplies()
	require.Len(t, dups, 1)
	assert.Equal(t, "refund/"+id, dups[0].Identity)

	require.ErrorIs(t, s.Refund(ctx, "r3", "ch_nope"), fakes.ErrUnknownCharge)
	require.ErrorIs(t, s.Refund(ctx, "c1", id), fakes.ErrIdempotencyKeyReused, "a charge key cannot be replayed as a refund")
}

func TestPaymentLatencyOnMockClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mock := clock.NewMock()
		s := fakes.NewPaymentService(mock, nil, &fakes.PaymentConfig{Latency: fakes.Fixed(50 * time.Millisecond)})
		done := make(chan error)
		go func() {
			_, err := s.Charge(context.Background(), "k", "a", 100)
			done <- err
		}()
		synctest.Wait()
		mock.Add(49 * time.Millisecond)
		synctest.Wait()
		assert.Empty(t, s.Applied(), "nothing may apply before the latency has passed")

		mock.Add(time.Hour)
		require.NoError(t, <-done)
		applied := s.Applied()
		require.Len(t, applied, 1)
		assert.Equal(t, epoch.Add(50*time.Millisecond), applied[0].At,
			"the record carries the instant the call finished, not where the test moved the clock")
	})
}

func TestPaymentCancelDuringLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mock := clock.NewMock()
		s := fakes.NewPaymentService(mock, nil, &fakes.PaymentConfig{Latency: fakes.Fixed(time.Second)})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() {
			_, err := s.Charge(ctx, "k", "a", 100)
			done <- err
		}()
		synctest.Wait()
		mock.Add(500 * time.Millisecond)
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)

		mock.Add(time.Hour)
		assert.Empty(t, s.Applied())
		calls := s.Calls()
		require.Len(t, calls, 1)
		assert.Equal(t, "failed", calls[0].Outcome)
		assert.Equal(t, epoch.Add(500*time.Millisecond), calls[0].At)
	})
}

// TestPaymentConcurrentCanonicalOrder makes many calls at one virtual
// instant, including identical keyless ones, and requires the same records
// and charge ids whichever goroutine arrives first.
func TestPaymentConcurrentCanonicalOrder(t *testing.T) {
	run := func(reverse bool) []fakes.Apply {
		var applied []fakes.Apply
		synctest.Test(t, func(t *testing.T) {
			mock := clock.NewMock()
			s := fakes.NewPaymentService(mock, nil, &fakes.PaymentConfig{Latency: fakes.Fixed(time.Second)})
			go concurrently(12, reverse, func(i int) {
				key := ""
				if i%3 != 0 {
					key = fmt.Sprintf("k%d", i%4)
				}
				_, _ = s.Charge(context.Background(), key, fmt.Sprintf("acct-%d", i%2), 100)
			})
			synctest.Wait()
			mock.Add(time.Second)
			synctest.Wait()
			applied = s.Applied()
		})
		return applied
	}
	applied := requireOrderFree(t, run)
	assert.Len(t, applied, 8, "4 keyless charges and 4 distinct keys")
}

func TestPaymentRealClock(t *testing.T) {
	s := fakes.NewPaymentService(clock.New(), seeded(1), &fakes.PaymentConfig{
		Latency: fakes.Uniform(time.Millisecond, 3*time.Millisecond),
	})
	start := time.Now()
	id, err := s.Charge(t.Context(), "k", "a", 100)
	require.NoError(t, err)
	applied := s.Applied()
	require.Len(t, applied, 1)
	assert.Equal(t, id, applied[0].ChargeID)
	assert.GreaterOrEqual(t, applied[0].At.Sub(start), time.Millisecond)

	ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
	defer cancel()
	slow := fakes.NewPaymentService(clock.New(), nil, &fakes.PaymentConfig{Latency: fakes.Fixed(time.Hour)})
	_, err = slow.Charge(ctx, "k", "a", 100)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Empty(t, slow.Applied())
}
