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

func TestNotificationSendRecords(t *testing.T) {
	mock := clock.NewMock()
	s := fakes.NewNotificationSink(mock, nil, nil)
	require.NoError(t, s.Send(t.Context(), "bob@example.com", "receipt", "paid 5.00"))
	mock.Add(time.Minute)
	require.NoError(t, s.Send(t.Context(), "alice@example.com", "receipt", "paid 19.99"))

	assert.Equal(t, []fakes.Message{
		{At: epoch, To: "bob@example.com", Subject: "receipt", Body: "paid 5.00"},
		{At: epoch.Add(time.Minute), To: "alice@example.com", Subject: "receipt", Body: "paid 19.99"},
	}, s.Sent(), "time comes before recipient in the order")
	assert.Equal(t, 2, s.Count())
	assert.Len(t, s.SentTo("alice@example.com"), 1)
}

func TestNotificationFailHook(t *testing.T) {
	bounce := errors.New("mailbox full")
	tests := []struct {
		name      string
		failUntil int // attempts 1..failUntil fail
		sends     int
		wantCount int
		wantErr   error
	}{
		{"no faults", 0, 1, 1, nil},
		{"first attempt fails, retry delivers", 1, 2, 1, nil},
		{"every attempt fails", 99, 3, 0, bounce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakes.NewNotificationSink(clock.NewMock(), nil, &fakes.NotificationConfig{
				Fail: func(m fakes.Message, attempt int) error {
					if attempt <= tt.failUntil {
						return bounce
					}
					return nil
				},
			})
			var err error
			for range tt.sends {
				if err = s.Send(t.Context(), "bob", "hi", "body"); err == nil {
					break
				}
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.wantCount, s.Count())
			assert.Equal(t, min(tt.sends, tt.failUntil+1), s.Calls())
		})
	}
}

func TestNotificationLatencyAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mock := clock.NewMock()
		s := fakes.NewNotificationSink(mock, nil, &fakes.NotificationConfig{Latency: fakes.Fixed(2 * time.Second)})
		ctx, cancel := context.WithCancel(context.Background())
		errs := make(chan error, 2)
		go func() { errs <- s.Send(context.Background(), "a", "delivered", "") }()
		go func() { errs <- s.Send(ctx, "b", "cancelled", "") }()
		synctest.Wait()
		mock.Add(time.Second)
		cancel()
		require.ErrorIs(t, <-errs, context.Canceled)
		assert.Equal(t, 0, s.Count())

		mock.Add(time.Second)
		require.NoError(t, <-errs)
		assert.Equal(t, []fakes.Message{{At: epoch.Add(2 * time.Second), To: "a", Subject: "delivered"}}, s.Sent())
		assert.Equal(t, 2, s.Calls())
	})
}

func TestNotificationConcurrentCanonicalOrder(t *testing.T) {
	sent := requireOrderFree(t, func(reverse bool) []fakes.Message {
		s := fakes.NewNotificationSink(clock.NewMock(), nil, nil)
		concurrently(10, reverse, func(i int) {
			_ = s.Send(context.Background(), fmt.Sprintf("user%d", i%4), "alert", fmt.Sprintf("#%d", i))
		})
		return s.Sent()
	})
	assert.Len(t, sent, 10)
}

func TestNotificationRealClock(t *testing.T) {
	s := fakes.NewNotificationSink(clock.New(), nil, &fakes.NotificationConfig{Latency: fakes.Fixed(2 * time.Millisecond)})
	start := time.Now()
	require.NoError(t, s.Send(t.Context(), "bob", "hi", "there"))
	sent := s.Sent()
	require.Len(t, sent, 1)
	assert.GreaterOrEqual(t, sent[0].At.Sub(start), 2*time.Millisecond)
}
