package sim

import "time"

// FaultWindow is the scenario profile's fault window, defaults applied.
func FaultWindow(pr Profile) time.Duration { return pr.withDefaults().Window }
