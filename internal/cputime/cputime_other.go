//go:build !unix

package cputime

import "time"

// Reported tells whether the system reports the process's CPU time: not
// where getrusage is missing.
const Reported = false

// Used is 0 where the system does not report CPU time.
func Used() time.Duration { return 0 }
