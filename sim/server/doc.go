// Package server is an in-process Temporal server for deterministic
// simulation: a real go.temporal.io/sdk client.Client and worker.Worker
// talk to it inside one testing/synctest bubble, on the bubble's virtual
// clock, with no sockets and no serialization.
//
// # Connecting
//
// New starts a server inside the bubble. Server.Handle is a gRPC unary
// client interceptor that answers every WorkflowService call without
// calling the invoker. Server.DialOptions wraps it for a client: pass them
// as client.ConnectionOptions.DialOptions with HostPort
// "passthrough:///any". With them a call that succeeds skips the SDK's own
// gRPC interceptors, which only act on errors, metrics and headers, and a
// call that fails goes through them (dial.go);
// grpc.WithChainUnaryInterceptor(srv.Handle) sends every call through them.
// Stop the worker, close the client, then call Server.Stop; afterwards
// Server.Histories returns every run's []*historypb.HistoryEvent and
// Server.AttemptTimeouts the activity attempts the server timed out
// (histories keep only an activity's last attempt). Options.OnScheduled,
// if set, hears of every activity scheduled and child run started, in the
// loop's deterministic order (callers number calls by it).
//
// # What it implements
//
// RPCs: GetSystemInfo, DescribeNamespace, StartWorkflowExecution,
// SignalWorkflowExecution, RequestCancelWorkflowExecution,
// TerminateWorkflowExecution, GetWorkflowExecutionHistory (one page; a
// long poll for the close event is held until the run closes),
// DescribeWorkflowExecution, PollWorkflowTaskQueue,
// RespondWorkflowTaskCompleted/Failed, PollActivityTaskQueue,
// RespondActivityTaskCompleted/Failed/Canceled (and ById),
// RecordActivityTaskHeartbeat (and ById), ShutdownWorker,
// ResetStickyTaskQueue. Any other method is answered codes.Unimplemented,
// naming it.
//
// Commands: ScheduleActivityTask, RequestCancelActivityTask, StartTimer,
// CancelTimer, Complete/Fail/CancelWorkflowExecution,
// ContinueAsNewWorkflowExecution, StartChildWorkflowExecution (started and
// closed events in the parent, parent close policies),
// SignalExternalWorkflowExecution, RequestCancelExternalWorkflowExecution,
// RecordMarker, UpsertWorkflowSearchAttributes, ModifyWorkflowProperties.
// A workflow task carrying any other command (updates' protocol messages,
// Nexus) is refused with Unimplemented and listed by Server.Unsupported.
//
// Semantics follow the Temporal server: the execution timeout spans a
// continue-as-new chain (each run gets what is left of it); events that arrive while a workflow
// task runs are buffered and written after its completion; a close command
// that would hide them fails the task (UnhandledCommand). Workflow tasks
// time out after the run's task timeout and are retried with the attempt
// count; a worker's sticky queue receives only the events after its last
// completed task, the normal queue the whole history, and a task nobody
// takes from a sticky queue within the worker's schedule-to-start timeout
// (or whose worker called ShutdownWorker) moves to the normal queue.
// Activities retry on the server with its default policy (initial interval
// 1s, coefficient 2, maximum interval 100x the initial one, unlimited
// attempts), honour the four activity timeouts on the virtual clock, keep
// the last heartbeat details (none included), deliver cancellation in the
// heartbeat response, and write ActivityTaskStarted (with the attempt
// count and last failure) only when the activity ends. A first attempt the
// worker asks to run eagerly (RequestEagerExecution) starts at once and
// comes back in the RespondWorkflowTaskCompleted response, as with the
// server's eager activity execution on; retries go through the queue.
//
// Not implemented: queries, updates, signal-with-start, workflow retry
// policies, cron schedules and start delays (StartWorkflowExecution with
// them is refused with Unimplemented), visibility (List/Count), schedules,
// Nexus, worker versioning, history paging, transient workflow tasks (every
// attempt's events are written), eager workflow start.
//
// # Determinism
//
// One goroutine, the loop, owns all state. A handler enqueues its call and
// blocks. When a call arrives or a timer is due, the loop notes the time B,
// lets the bubble run until every goroutine is durably blocked
// (synctest.Wait), then takes everything that arrived, fires due timers in
// (time, sequence) order and applies the calls sorted by a key built from
// their content (task token, workflow id, queue name; never arrival order),
// stamping every event with B. Tasks are handed to held polls only once the
// whole batch is applied, so events of one instant (two activities
// completing together) share a workflow task, as on a real server. Calls
// that arrive while a step runs wait for the next one. The workflow polls
// a step answered are woken one at a time, each once the bubble has
// settled from the last, tasks before empty answers and sticky queues
// before normal ones (activity polls all at once, before them): the SDK's
// workflow worker passes every polled task (an empty answer too) through a
// fixed rate limiter that starts the tasks of one instant 10us apart, and
// spaces its polls 1ms apart, so pollers woken together would pick by
// goroutine order which task starts first, and so when its completion
// arrives and what time its step stamps. Run ids and
// request ids come from a counter seeded by Options.IDSeed; the SDK's
// random request ids and worker keys never reach a history, and its flag
// lists (map order) are sorted. History hashes (HistorySHA256) are taken
// over deterministic binary protobuf (CanonicalHistory), never JSON text.
//
// Heartbeats are the exception to the loop: the SDK holds a lock across the
// heartbeat RPC that the activity's own goroutine may be waiting for, a
// wait synctest.Wait cannot see past, so heartbeats are answered at once on
// the caller's goroutine. A heartbeat only sees cancel requests made at an
// earlier virtual instant, which keeps its answer independent of goroutine
// order.
//
// What callers must do: set worker.Options.BuildID (the default is a hash
// of the binary) and a fixed client Identity; set
// worker.Options.WorkerActivitiesPerSecond to math.Inf(1), or the SDK
// spaces activity starts 10us apart in an order the scheduler picks; never
// call synctest.Wait while the server runs (only one goroutine of a bubble
// may); and mind that the SDK's sticky workflow cache is process-wide, so
// bubbles running at the same time should use different IDSeeds.
//
// Idle cost is nil: polls are held until a task exists, the worker's
// ShutdownWorker, or server stop (a cancelled poll gets an empty answer; a
// poll past its deadline stays held, since the deadline carries no
// information, and takes the next task as the poll its worker would have
// sent next; a worker that crashed is Disconnected, and one that stops
// sends ShutdownWorker or cancels its polls), and history long polls until
// the close event. A worker that stops without ShutdownWorker after its
// polls' deadlines, its connection kept, is the one case this gets wrong:
// a task can go to a poll nobody reads, and waits out its timeout.
package server
