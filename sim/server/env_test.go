package server

import (
	"context"
	"log/slog"
	"math"
	"testing"
	"testing/synctest"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.uber.org/goleak"

	"github.com/temporalsim/temporalsim/internal/presize"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testQueue = "tq"

var quiet = log.NewStructuredLogger(slog.New(slog.DiscardHandler))

// dial connects a real SDK client to srv in-process.
func dial(srv *Server) (client.Client, error) {
	return client.Dial(client.Options{
		HostPort: "passthrough:///temporalsim",
		Identity: "test-client",
		Logger:   quiet,
		// As the sim driver does: no worker heartbeats, which the server
		// does not take.
		WorkerHeartbeatInterval: -1,
		// As the sim driver does: successful calls skip the SDK's gRPC
		// interceptors (dial.go).
		ConnectionOptions: client.ConnectionOptions{DialOptions: srv.DialOptions()},
	})
}

// inBubble runs body against a server, a client and one worker (registered
// by reg) inside a fresh synctest bubble, stops them all, and returns the
// histories.
func inBubble(t *testing.T, reg func(workerRegistry), body func(t *testing.T, c client.Client)) []RunHistory {
	t.Helper()
	var hist []RunHistory
	synctest.Test(t, func(t *testing.T) {
		hist = runOnce(t, reg, body)
	})
	return hist
}

func runOnce(t testing.TB, reg func(workerRegistry), body func(t *testing.T, c client.Client)) []RunHistory {
	srv := New(&Options{IDSeed: 7})
	c, err := dial(srv)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	w := newTestWorker(c)
	reg(w)
	if err := w.Start(); err != nil {
		t.Fatalf("worker start: %v", err)
	}
	if tt, ok := t.(*testing.T); ok {
		body(tt, c)
	} else {
		body(nil, c)
	}
	w.Stop()
	c.Close()
	srv.Stop()
	return srv.Histories()
}

// execute starts wf and waits for its result into out.
func execute(ctx context.Context, c client.Client, id string, wf any, out any, args ...any) error {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: testQueue}, wf, args...)
	if err != nil {
		return err
	}
	return run.Get(ctx, out)
}

type historyEvent = historypb.HistoryEvent

type historyT = historypb.History

func newTestWorker(c client.Client) worker.Worker {
	tuner, err := presize.Tuner()
	if err != nil {
		panic(err)
	}
	//lint:ignore SA1019 a fixed build id keeps the binary's hash out of the worker's requests
	return worker.New(c, testQueue, worker.Options{BuildID: "temporalsim-test", Identity: "test-worker",
		// An unlimited activity rate keeps the SDK from spacing activity
		// starts 10us apart in an order goroutine scheduling picks.
		WorkerActivitiesPerSecond: math.Inf(1),
		// As the sim driver does: task goroutines start with room for the
		// SDK's payload visitor (internal/presize).
		Tuner: tuner})
}

// workerRegistry is what both a worker and a TestWorkflowEnvironment offer
// for registration, so tests and benchmarks share their setup.
type workerRegistry interface {
	RegisterWorkflow(w any)
	RegisterActivity(a any)
}
