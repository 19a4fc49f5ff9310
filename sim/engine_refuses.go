package sim

// Refuses names the first fault kind of plan that engine e does not carry
// out, which Run would refuse before the run starts (with an error that is
// ErrEngineLacksKind); refused is false when e runs every fault of plan.
// Engine 1 runs every kind but those that need a worker that replays
// (deploy, cache-eviction, workflow-task-failure, workflow-task-timeout);
// engine 2 runs the kinds it has learned. Tools that compare the engines
// (package conformance) use it to show a row an engine cannot run as not
// run, rather than as a failure of the scenario.
func (e Engine) Refuses(plan Plan) (kind Kind, refused bool) {
	for _, f := range plan.Faults {
		if e == EngineServer && !engine2Kinds[f.Kind] || e != EngineServer && engine1Lacks[f.Kind] {
			return f.Kind, true
		}
	}
	return "", false
}
