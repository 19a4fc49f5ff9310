// Package cputime reads the CPU time the process has used, for the
// benchmarks and simrun bench, which report CPU-time ratios beside wall-time
// ones: on a shared machine the CPU ratio is the steadier figure. Nothing
// here feeds a trace.
package cputime
