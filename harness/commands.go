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
	test := goTestCommand(f.Test)
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
