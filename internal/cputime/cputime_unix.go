//go:build unix

package cputime

import (
	"syscall"
	"time"
)

// Reported tells whether the system reports the process's CPU time.
const Reported = true

// Used is the user and system CPU time the process has used (0 if the
// system call fails).
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
