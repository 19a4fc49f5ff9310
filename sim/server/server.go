package server

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing/synctest"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// servicePrefix is the full-method prefix of every WorkflowService RPC.
const servicePrefix = "/temporal.api.workflowservice.v1.WorkflowService/"

// Options configures a Server. The zero value (or nil) means defaults.
type Options struct {
	// Namespace is the only namespace the server knows; "default" when empty.
	Namespace string
	// IDSeed seeds the run ids and request ids the server hands out. Two
	// servers with the same seed hand out the same ids in the same order.
	IDSeed uint64
	// OnScheduled, when set, is called on the server's loop for every
	// activity scheduled and every child workflow run started, in an order
	// that is the same every run (see Scheduled). It must not block or
	// call the server.
	OnScheduled func(Scheduled)
	// OnTaskRetry, when set, is called on the server's loop for every
	// workflow task scheduled as a retry (attempt 2 and up), with the
	// step's time and the run's workflow id. It must not block or call the
	// server.
	OnTaskRetry func(at time.Time, workflowID string, attempt int32)
	// OnWorkflowTaskFailed, when set, is called on the server's loop for
	// every workflow task a worker fails (RespondWorkflowTaskFailed), after
	// its WorkflowTaskFailed event is written. When it returns true the run
	// is held: no next attempt is scheduled, and the run stays open until
	// the caller ends it (a driver that stops at a nondeterminism error,
	// where a real server would retry the task forever). It must not block
	// or call the server.
	OnWorkflowTaskFailed func(WorkflowTaskFailure) (hold bool)
}

// Server is an in-process Temporal frontend for one synctest bubble. One
// goroutine, the owner loop, holds all state; RPC handlers only enqueue
// their request and wait for the loop's answer. See doc.go.
type Server struct {
	ns     string
	idSeed uint64
	// observe is Options.OnScheduled.
	observe func(Scheduled)
	// onRetry is Options.OnTaskRetry.
	onRetry func(at time.Time, workflowID string, attempt int32)
	// taskFailed is Options.OnWorkflowTaskFailed.
	taskFailed func(WorkflowTaskFailure) bool

	mu    sync.Mutex
	inbox []*call
	// state guards the loop's state against the calls answered at once
	// (heartbeats); the loop holds it during a step, never while waiting.
	state  sync.Mutex
	closed bool
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	// failedCalls counts the calls DialOptions sent on through the SDK's
	// interceptors.
	failedCalls atomic.Int64

	// Everything below is owned by the loop goroutine.
	now      time.Time
	timers   timerQueue
	ids      uint64
	runs     []*execution
	byRun    map[string]*execution // run id -> run
	current  map[string]*execution // workflow id -> latest run
	queues   map[queueKey]*taskQueue
	shutdown map[string]bool // worker instance keys that called ShutdownWorker
	// deadSticky holds sticky queues whose worker shut down.
	deadSticky map[string]bool
	// unsupported lists what workers asked for that the server cannot do.
	unsupported []string
	stats       Stats
	stepping    bool // a step is applying its batch: dispatch waits for its end
	// collecting is set while a step hands tasks to polls; outbox holds
	// those answers until release wakes their callers (release.go).
	collecting bool
	outbox     []heldAnswer
	// timeouts lists the activity attempts the server timed out.
	timeouts []AttemptTimeout
	protos   protocols // queries and updates (query.go, update.go)
	// stickyPolls is when each sticky queue last saw its worker.
	stickyPolls map[string]time.Time
	// taskFaults are the armed workflow-task faults (task_faults.go).
	taskFaults []pendingTaskFault
}

// Stats counts what the server did, for tests and benchmarks.
type Stats struct {
	Calls               int // RPCs answered
	Steps               int // loop steps
	FullHistoryTasks    int // workflow tasks sent with the whole history
	PartialHistoryTasks int // workflow tasks sent from a sticky queue with the new events only
	EagerActivityTasks  int // activity tasks started eagerly, in a RespondWorkflowTaskCompleted response
	FailedCalls         int // calls through DialOptions whose first answer was an error (they went on through the SDK's interceptors)
}

// Stats returns the server's counters. Call it after Stop.
func (s *Server) Stats() Stats {
	st := s.stats
	st.FailedCalls = int(s.failedCalls.Load())
	return st
}

// New starts a server. It must be called from inside the synctest bubble
// that runs the client and workers, because its loop waits for the
// bubble's quiescence (synctest.Wait). Callers must not call synctest.Wait
// themselves while the server runs: only one goroutine of a bubble may.
func New(opts *Options) *Server {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	s := &Server{
		ns:         o.Namespace,
		idSeed:     o.IDSeed,
		observe:    o.OnScheduled,
		onRetry:    o.OnTaskRetry,
		taskFailed: o.OnWorkflowTaskFailed,
		wake:       make(chan struct{}, 1),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		now:        time.Now(),
		byRun:      map[string]*execution{},
		current:    map[string]*execution{},
		queues:     map[queueKey]*taskQueue{},
		shutdown:   map[string]bool{},
		deadSticky: map[string]bool{},
	}
	go s.loop()
	return s
}

// Stop ends the loop: every held call is answered (polls with an empty
// response) and later calls fail with FailedPrecondition, which the SDK
// does not retry: a worker's last reports after its Stop must end, not
// back off forever inside the bubble. Stop waits for the loop
// to exit and is safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

// Handle is a grpc.UnaryClientInterceptor that answers WorkflowService
// calls in-process and never calls invoker; pass it to the SDK with
// grpc.WithChainUnaryInterceptor so it is the innermost interceptor.
func (s *Server) Handle(ctx context.Context, method string, req, reply any, _ *grpc.ClientConn, _ grpc.UnaryInvoker, _ ...grpc.CallOption) error {
	name, ok := strings.CutPrefix(method, servicePrefix)
	if !ok || (handlers[name] == nil && immediate[name] == nil) {
		return status.Errorf(codes.Unimplemented, "temporalsim server: method %s is not implemented", method)
	}
	c := &call{ctx: ctx, name: name, req: req.(proto.Message), reply: reply.(proto.Message), done: make(chan struct{})}
	proto.Reset(c.reply)
	if im := immediate[name]; im != nil {
		return s.answerNow(c, im)
	}
	c.setKey()
	if !s.enqueue(c) {
		return stopped(name)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		// A cancelled caller gets an empty answer (the loop decides, so no
		// task is handed to a caller that has gone). A call held past its
		// deadline stays held: the SDK's long-poll deadlines carry no
		// information, and waking at each would cost wall time (dispatch
		// answers such a poll empty rather than give it a task).
		if errors.Is(ctx.Err(), context.Canceled) {
			s.enqueue(&call{name: cancelNote, target: c, key: "~"})
		}
		<-c.done
	}
	return c.err
}

// answerNow handles a call on the caller's goroutine. Heartbeats need it:
// the SDK holds a lock across the heartbeat RPC that the activity's own
// goroutine may be waiting for, a wait synctest.Wait cannot see past, so a
// heartbeat held for the loop's quiescence would never be answered.
func (s *Server) answerNow(c *call, h func(*Server, *call, time.Time)) error {
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return stopped(c.name)
	}
	s.state.Lock()
	s.stats.Calls++
	h(s, c, time.Now())
	s.state.Unlock()
	return c.err
}

func (s *Server) enqueue(c *call) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.inbox = append(s.inbox, c)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return true
}

// loop is the owner goroutine. A step starts when a call arrives or a timer
// is due, at base time B; it lets the bubble run until every goroutine is
// blocked, takes everything that arrived, fires the timers due by B in
// (time, seq) order, and applies the calls in canonical order (never
// arrival order), all stamped B. The workflow polls it answered are then
// woken one at a time in a canonical order (release.go), so the SDK's rate
// limiters do not pick, by goroutine order, which task of an instant runs
// first.
func (s *Server) loop() {
	defer close(s.done)
	t := time.NewTimer(time.Hour)
	t.Stop()
	for {
		select {
		case <-s.wake:
		case <-t.C:
		case <-s.stop:
			s.state.Lock()
			s.shutdownAll()
			s.state.Unlock()
			return
		}
		base := time.Now()
		synctest.Wait()
		select {
		case <-s.wake:
		default:
		}
		s.mu.Lock()
		batch := s.inbox
		s.inbox = nil
		s.mu.Unlock()
		s.state.Lock()
		s.step(base, batch)
		next, ok := s.timers.next()
		out := s.takeOutbox()
		s.state.Unlock()
		release(out)
		if ok {
			t.Reset(time.Until(next))
		} else {
			t.Stop()
		}
	}
}

// step applies one batch. Calls that arrive while it runs wait for the
// next step, so what a step sees never depends on goroutine timing. Tasks
// are handed to polls only when the whole batch is applied: on a real
// server, events of one instant (two activities completing together) are
// recorded before a poll's answer records its workflow task started, so
// they land in one workflow task, not one each.
func (s *Server) step(base time.Time, batch []*call) {
	s.now = base
	s.stats.Steps++
	s.stepping = true
	s.fireTimers()
	sortCalls(batch)
	for _, c := range batch {
		s.apply(c)
	}
	s.dispatchQueries()
	s.stepping = false
	s.collecting = true
	for _, k := range s.sortedQueueKeys() {
		s.queues[k].dispatch()
	}
	s.collecting = false
}

func (s *Server) apply(c *call) {
	if c.name == cancelNote {
		s.cancelHeld(c.target)
		return
	}
	s.stats.Calls++
	handlers[c.name](s, c)
}

// shutdownAll answers every held and queued call at server stop.
func (s *Server) shutdownAll() {
	s.mu.Lock()
	s.closed = true
	batch := s.inbox
	s.inbox = nil
	s.mu.Unlock()
	for _, c := range batch {
		if c.name == cancelNote {
			continue
		}
		c.fail(stopped(c.name))
	}
	s.stopProtocols()
	for _, k := range s.sortedQueueKeys() {
		q := s.queues[k]
		for _, p := range q.polls {
			p.answer(nil)
		}
		q.polls = nil
	}
	for _, ex := range s.runs {
		for _, w := range ex.waiters {
			w.answer(nil)
		}
		ex.waiters = nil
	}
}

func stopped(method string) error {
	return status.Errorf(codes.FailedPrecondition, "temporalsim server: stopped before %s", method)
}
