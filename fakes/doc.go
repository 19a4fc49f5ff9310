// Package fakes provides deterministic stand-ins for the services Temporal
// activities call, so a simulated run exercises real activity code against
// dependencies whose latency, failures and side effects repeat exactly.
//
// The fakes, one a file:
//
//   - PaymentService (payment.go): charges and refunds with idempotency
//     keys; reports every logical operation that took effect twice.
//   - NotificationSink (notification.go): records delivered messages.
//   - FlakyService (flaky.go): answers ErrNotReady until a virtual time or
//     a number of polls, for polling workflows.
//   - JobService (job.go): long-running jobs that finish on the clock.
//   - KeyStore (keystore.go): AES-256 keys for a payload encryption codec,
//     with rotation and injectable codec failures.
//   - MetricsSink (metrics.go, metrics_handler.go): counters, gauges and
//     histograms, also usable as a client.MetricsHandler.
//
// Latency (latency.go) is shared: Fixed or Uniform, slept on the clock.
//
// Interceptors:
//
//   - Recorder (intercept_record*.go): probes that wrap the layers of a
//     user's interceptor stack and record every call, entry, exit, error,
//     panic and header in the trace, for harness.VerifyInterceptors.
//   - Reference interceptors (intercept_ref*.go), modelled on what users
//     write: LogInterceptor, MetricsInterceptor, TenantPropagator,
//     AuthInterceptor, ActivityTimeout and CircuitBreaker.
//
// # Determinism contract
//
// Clock and rand in, canonical order out. Every fake reads time only from
// the github.com/benbjohnson/clock Clock it is built with (the simulator's
// virtual clock, clock.NewMock() in unit tests, clock.New() in production)
// and draws randomness only from the *rand.Rand it is given, never from the
// global source. Everything a fake returns or records comes back sorted by
// virtual time and then by content, never in goroutine or map order, so two
// runs that make the same calls at the same virtual instants see the same
// records even when calls at one instant race.
//
// What the fakes cannot fix is arrival order itself: random latencies are
// drawn, and fault hooks count attempts, in the order calls reach the fake.
// The simulator releases activity results in a canonical order, but
// activity code that runs at the same virtual instant still runs
// concurrently, so calls from parallel activities at one instant reach a
// fake in goroutine order. When such calls draw latencies or count
// attempts, give each caller its own fake or rand (w.Rand("payments/"+key))
// or use fixed latencies.
//
// Every fake is safe for concurrent use. Fault hooks in the configs run
// with the fake locked and must not call back into it.
package fakes
