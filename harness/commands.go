package harness

import "fmt"

// planCommand is the go test line that runs the failure's plan file with
// its seed, which gives Result again trace for trace; "" when there is no
// plan file, or when Result ran under a swarm configuration (whose
// run.config line a plan file does not carry: its seed's line reruns it).
func (f *Failure) planCommand() string {
	if f.PlanFile == "" || f.Result == nil || f.Result.Config != nil {
		return ""
	}
	test := goTestCommand(f.Test, f.engine)
	if f.Divergence != nil {
		test += " -sim.checkdeterminism"
	}
	return fmt.Sprintf("%s -sim.seed=%d -sim.plan=%s", test, f.Seed, shellQuote(f.PlanFile))
}

// exactCommand is the go test line that reruns Result itself: the one
// the HTML timeline prints.
func (f *Failure) exactCommand() string {
	if c := f.planCommand(); c != "" {
		return c
	}
	return f.Commands()[0]
}

// shrinkFlag is " -sim.shrink" for a failure of -sim.seed or -sim.swarm
// that -sim.shrink shrank, so its seed's line reports the same run. Such
// a run is recognised by having no swarm configuration: a seed's swarm
// plan runs under one, the shrinker's candidates do not.
func (f *Failure) shrinkFlag() string {
	if f.Result == nil || f.Result.Config != nil || f.Divergence != nil {
		return ""
	}
	return " -sim.shrink"
}

// planFileCommand reruns a failure of -sim.plan: its saved plan when it
// has one, or else the plan file given, shrunk again.
func (f *Failure) planFileCommand(test string) string {
	if c := f.planCommand(); c != "" {
		return c
	}
	return fmt.Sprintf("%s -sim.seed=%d -sim.plan=%s -sim.shrink", test, f.FoundSeed, shellQuote(runFlags.plan))
}
