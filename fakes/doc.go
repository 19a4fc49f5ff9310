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
// Under the simulator, which releases activities in a canonical order, that
// order repeats; elsewhere, give each concurrent caller its own fake or
// fixed latencies when runs must match exactly.
//
// Every fake is safe for concurrent use. Fault hooks in the configs run
// with the fake locked and must not call back into it.
package fakes
