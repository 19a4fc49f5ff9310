package sim

// Refuses names the first fault kind of plan that engine e does not carry
// out, which Run would refuse before the run starts; refused is false when e
// runs every fault of plan. Engine 1 runs every kind. Tools that compare
// the engines (package conformance) use it to show a row engine 2 cannot
// run yet as not run, rather than as a failure of the scenario.
func (e Engine) Refuses(plan Plan) (kind Kind, refused bool) {
	if e != EngineServer {
		return "", false
	}
	for _, f := range plan.Faults {
		if !engine2Kinds[f.Kind] {
			return f.Kind, true
		}
	}
	return "", false
}
