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

func TestJobLifecycle(t *testing.T) {
	crashed := errors.New("out of memory")
	tests := []struct {
		name      string
		fail      error
		cancelAt  time.Duration // 0: never cancelled
		wantState fakes.JobState
		wantErr   error
	}{
		{"finishes", nil, 0, fakes.JobDone, nil},
		{"fails at its finish time", crashed, 0, fakes.JobFailed, crashed},
		{"cancelled while running", nil, 4 * time.Minute, fakes.JobCancelled, nil},
		{"cancel after finish changes nothing", nil, 20 * time.Minute, fakes.JobDone, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			mock := clock.NewMock()
			s := fakes.NewJobService(mock, nil, &fakes.JobConfig{Fail: func(string) error { return tt.fail }})
			require.NoError(t, s.Submit(ctx, "j1", 10*time.Minute))

			mock.Add(2 * time.Minute)
			st, err := s.Status(ctx, "j1")
			require.NoError(t, err)
			assert.Equal(t, fakes.JobRunning, st.State)
			assert.InDelta(t, 0.2, st.Progress, 1e-9)
			assert.Equal(t, epoch.Add(10*time.Minute), st.FinishAt)

			if tt.cancelAt > 0 {
				mock.Set(epoch.Add(tt.cancelAt))
				require.NoError(t, s.Cancel(ctx, "j1"))
			}
			mock.Set(epoch.Add(time.Hour))
			st, err = s.Status(ctx, "j1")
			require.NoError(t, err)
			assert.Equal(t, tt.wantState, st.State)
			assert.Equal(t, tt.wantErr, st.Err)
		})
	}
}

func TestJobResubmitKeepsFirstJob(t *testing.T) {
	mock := clock.NewMock()
	s := fakes.NewJobService(mock, nil, nil)
	require.NoError(t, s.Submit(t.Context(), "j1", time.Minute))
	mock.Add(30 * time.Second)
	require.NoError(t, s.Submit(t.Context(), "j1", time.Hour), "a retried submit must not restart the job")
	mock.Add(30 * time.Second)
	st, err := s.Status(t.Context(), "j1")
	require.NoError(t, err)
	assert.Equal(t, fakes.JobDone, st.State)

	assert.Equal(t, []fakes.JobEvent{
		{At: epoch, Op: "submit", JobID: "j1", State: fakes.JobRunning},
		{At: epoch.Add(30 * time.Second), Op: "resubmit", JobID: "j1", State: fakes.JobRunning},
		{At: epoch.Add(time.Minute), Op: "status", JobID: "j1", State: fakes.JobDone},
	}, s.Events())
}

func TestJobUnknown(t *testing.T) {
	s := fakes.NewJobService(clock.NewMock(), nil, nil)
	_, err := s.Status(t.Context(), "nope")
	require.ErrorIs(t, err, fakes.ErrUnknownJob)
	_, err = s.Wait(t.Context(), "nope")
	require.ErrorIs(t, err, fakes.ErrUnknownJob)
	require.ErrorIs(t, s.Cancel(t.Context(), "nope"), fakes.ErrUnknownJob)
}

// TestJobWait covers the three ways Wait returns: the job finishes on the
// clock, another caller cancels the job, or the waiter's context ends.
func TestJobWait(t *testing.T) {
	tests := []struct {
		name      string
		act       func(s *fakes.JobService, mock *clock.Mock, cancel context.CancelFunc)
		wantState fakes.JobState
		wantErr   error
	}{
		{"job finishes", func(_ *fakes.JobService, mock *clock.Mock, _ context.CancelFunc) {
			mock.Add(9 * time.Minute)
			mock.Add(time.Minute)
		}, fakes.JobDone, nil},
		{"job cancelled", func(s *fakes.JobService, mock *clock.Mock, _ context.CancelFunc) {
			mock.Add(time.Minute)
			_ = s.Cancel(context.Background(), "j1")
		}, fakes.JobCancelled, nil},
		{"waiter gives up", func(_ *fakes.JobService, _ *clock.Mock, cancel context.CancelFunc) {
			cancel()
		}, 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				mock := clock.NewMock()
				s := fakes.NewJobService(mock, nil, nil)
				require.NoError(t, s.Submit(context.Background(), "j1", 10*time.Minute))
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				type result struct {
					st  fakes.JobStatus
					err error
				}
				done := make(chan result)
				go func() {
					st, err := s.Wait(ctx, "j1")
					done <- result{st, err}
				}()
				synctest.Wait()
				tt.act(s, mock, cancel)
				got := <-done
				require.ErrorIs(t, got.err, tt.wantErr)
				assert.Equal(t, tt.wantState, got.st.State)
			})
		})
	}
}

func TestJobConcurrentCanonicalOrder(t *testing.T) {
	events := requireOrderFree(t, func(reverse bool) []fakes.JobEvent {
		mock := clock.NewMock()
		s := fakes.NewJobService(mock, nil, nil)
		concurrently(6, reverse, func(i int) {
			_ = s.Submit(context.Background(), fmt.Sprintf("j%d", i%3), time.Duration(i%3+1)*time.Second)
		})
		mock.Add(10 * time.Second)
		concurrently(3, reverse, func(i int) { _, _ = s.Status(context.Background(), fmt.Sprintf("j%d", i)) })
		return s.Events()
	})
	assert.Len(t, events, 9)
}

func TestJobRealClock(t *testing.T) {
	s := fakes.NewJobService(clock.New(), nil, &fakes.JobConfig{Latency: fakes.Fixed(time.Millisecond)})
	require.NoError(t, s.Submit(t.Context(), "j1", 3*time.Millisecond))
	st, err := s.Wait(t.Context(), "j1")
	require.NoError(t, err)
	assert.Equal(t, fakes.JobDone, st.State)
	assert.Equal(t, 1.0, st.Progress)
}
