package fakes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/benbjohnson/clock"
)

// ErrUnknownJob is returned for a job ID that was never submitted.
var ErrUnknownJob = errors.New("fakes: unknown job")

// JobState is where a job is in its life.
type JobState int

// Job states. A job is Running until its finish time, then Done or Failed;
// Cancelled only if Cancel came first.
const (
	JobRunning JobState = iota + 1
	JobDone
	JobFailed
	JobCancelled
)

// String returns the state's lower-case name, as it appears in records.
func (s JobState) String() string {
	switch s {
	case JobRunning:
		return "running"
	case JobDone:
		return "done"
	case JobFailed:
		return "failed"
	case JobCancelled:
		return "cancelled"
	}
	return fmt.Sprintf("JobState(%d)", int(s))
}

// JobStatus is a job as seen at one virtual instant.
type JobStatus struct {
	ID          string
	State       JobState
	SubmittedAt time.Time
	FinishAt    time.Time
	// Progress is the elapsed fraction of the job's duration, in [0, 1], for
	// activities that report it in heartbeats.
	Progress float64
	// Err is the failure of a Failed job.
	Err error
}

// JobConfig configures a JobService. A nil *JobConfig means no latency and
// every job succeeds.
type JobConfig struct {
	// Latency is slept on the clock before Submit, Status and Cancel act.
	Latency Latency
	// Fail, if set, is asked once when a job is first submitted; a non-nil
	// error makes the job end Failed with that error at its finish time. It
	// runs with the service locked and must not call it.
	Fail func(jobID string) error
}

// JobEvent is one call to the service and the job state it left or saw.
type JobEvent struct {
	At    time.Time
	Op    string // "submit", "resubmit", "status", "cancel" or "wait"
	JobID string
	State JobState
}

// JobService is a fake long-running job backend: a submitted job finishes at
// its submit time plus its duration on the clock, so polling and
// heartbeating activities can be driven in virtual time.
type JobService struct {
	clk clock.Clock
	cfg JobConfig

	mu     sync.Mutex
	rng    *rand.Rand
	jobs   map[string]*job
	events []JobEvent
}

type job struct {
	submittedAt, finishAt time.Time
	failErr               error
	wasCancelled          bool
	cancelled             chan struct{} // closed by Cancel to wake Wait
}

// NewJobService returns an empty JobService on clk. r feeds the Latency and
// may be nil when the latency does not draw.
func NewJobService(clk clock.Clock, r *rand.Rand, cfg *JobConfig) *JobService {
	mustClock("fakes.NewJobService", clk)
	s := &JobService{clk: clk, rng: r, jobs: map[string]*job{}}
	if cfg != nil {
		s.cfg = *cfg
	}
	return s
}

// Submit starts jobID to finish d after the call takes effect. Submitting a
// known ID again leaves the first job untouched, so an activity retried
// after a lost response does not restart or duplicate its job.
func (s *JobService) Submit(ctx context.Context, jobID string, d time.Duration) error {
	at, err := s.latency(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if j, ok := s.jobs[jobID]; ok {
		s.record(at, "resubmit", jobID, j.state(at))
		return nil
	}
	j := &job{submittedAt: at, finishAt: at.Add(d), cancelled: make(chan struct{})}
	if s.cfg.Fail != nil {
		j.failErr = s.cfg.Fail(jobID)
	}
	s.jobs[jobID] = j
	s.record(at, "submit", jobID, j.state(at))
	return nil
}

// Status returns jobID as it stands when the call takes effect.
func (s *JobService) Status(ctx context.Context, jobID string) (JobStatus, error) {
	at, err := s.latency(ctx)
	if err != nil {
		return JobStatus{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status(at, "status", jobID)
}

// Cancel stops a running job. Cancelling a finished job changes nothing and
// is not an error, as with most job APIs.
func (s *JobService) Cancel(ctx context.Context, jobID string) error {
	at, err := s.latency(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[jobID]
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownJob, jobID)
	}
	if j.state(at) == JobRunning {
		j.wasCancelled = true
		close(j.cancelled)
	}
	s.record(at, "cancel", jobID, j.state(at))
	return nil
}

// Wait blocks on the clock until jobID leaves Running, or ctx is done. It
// has no latency: it stands for a client that already knows the finish time.
func (s *JobService) Wait(ctx context.Context, jobID string) (JobStatus, error) {
	for {
		s.mu.Lock()
		j, ok := s.jobs[jobID]
		if !ok {
			s.mu.Unlock()
			return JobStatus{}, fmt.Errorf("%w: %q", ErrUnknownJob, jobID)
		}
		now := s.clk.Now()
		if j.state(now) != JobRunning {
			st, err := s.status(now, "wait", jobID)
			s.mu.Unlock()
			return st, err
		}
		remaining, cancelled := j.finishAt.Sub(now), j.cancelled
		s.mu.Unlock()

		t := s.clk.Timer(remaining)
		select {
		case <-t.C:
		case <-cancelled:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return JobStatus{}, ctx.Err()
		}
	}
}

// Events returns every call sorted by time, job ID, operation and state.
func (s *JobService) Events() []JobEvent {
	s.mu.Lock()
	out := slices.Clone(s.events)
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b JobEvent) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.JobID, b.JobID),
			cmp.Compare(a.Op, b.Op), cmp.Compare(a.State, b.State))
	})
	return out
}

func (s *JobService) latency(ctx context.Context) (time.Time, error) {
	s.mu.Lock()
	d := s.cfg.Latency.draw(s.rng)
	s.mu.Unlock()
	return sleep(ctx, s.clk, d)
}

func (s *JobService) status(at time.Time, op, jobID string) (JobStatus, error) {
	j, ok := s.jobs[jobID]
	if !ok {
		return JobStatus{}, fmt.Errorf("%w: %q", ErrUnknownJob, jobID)
	}
	st := JobStatus{ID: jobID, State: j.state(at), SubmittedAt: j.submittedAt, FinishAt: j.finishAt}
	switch {
	case st.State == JobFailed:
		st.Err = j.failErr
	case st.State == JobRunning && j.finishAt.After(j.submittedAt):
		st.Progress = float64(at.Sub(j.submittedAt)) / float64(j.finishAt.Sub(j.submittedAt))
	}
	if st.State == JobDone || st.State == JobFailed {
		st.Progress = 1
	}
	s.record(at, op, jobID, st.State)
	return st, nil
}

func (s *JobService) record(at time.Time, op, jobID string, st JobState) {
	s.events = append(s.events, JobEvent{At: at, Op: op, JobID: jobID, State: st})
}

// state is computed from the clock on every look, rather than by a timer
// that flips it, so no goroutine is needed and the answer depends only on
// the virtual instant asked about.
func (j *job) state(at time.Time) JobState {
	switch {
	case j.wasCancelled:
		return JobCancelled
	case at.Before(j.finishAt):
		return JobRunning
	case j.failErr != nil:
		return JobFailed
	default:
		return JobDone
	}
}
