// Package timeline draws a run as a self-contained HTML page on its
// virtual time axis. The simrun CLI (run -html, swarm -html) and the go
// test flag -sim.html share it, so both render the same bytes for the
// same run.
package timeline
