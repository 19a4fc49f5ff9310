package sim

// Refuses names the first fault kind of plan that engine e does not carry
// out, which Run would refuse before the run starts; refused is false when e
// runs every fault of plan. Engine 1 lacks the kinds that need a worker
// that replays (cache-eviction, workflow-task-failure,
// workflow-task-timeout). Tools that compare the engines (package
// conformance) use it to show a row an engine cannot run as not run,
// rather than as a failure of the scenario.
func (e Engine) Refuses(plan Plan) (kind Kind, refused bool) {
	if e != EngineServer {
		for _, f := range plan.Faults {
			if engine1Lacks[f.Kind] {
				return f.Kind, true
			}
		}
		return "", false
	}
	for _, f := range plan.Faults {
		if !engine2Kinds[f.Kind] {
			return f.Kind, true
		}
	}
	return "", false
}
