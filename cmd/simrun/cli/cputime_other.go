//go:build !unix

package cli

import "time"

// cpuTime reports no CPU time where getrusage is missing; bench then
// prints no CPU-time ratio.
func cpuTime() (time.Duration, bool) { return 0, false }
