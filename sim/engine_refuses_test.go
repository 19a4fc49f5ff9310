package sim

import (
	"errors"
	"testing"
)

// TestRefusesAgreesWithRun: Engine.Refuses names a kind exactly when engine
// 2 would refuse the plan, whichever kinds engine 2 carries out; engine 1
// refuses only deploy, which needs a worker that replays.
func TestRefusesAgreesWithRun(t *testing.T) {
	refused := 0
	for _, k := range Kinds() {
		plan := Plan{Faults: []Fault{{ID: 1, Kind: k}}}
		kind, ok := EngineServer.Refuses(plan)
		err := engine2Refuses(plan)
		if ok != (err != nil) || (ok && kind != k) || (err != nil && !errors.Is(err, errEngine2Kind)) {
			t.Errorf("%s: Refuses = %q, %v; engine 2 answers %v", k, kind, ok, err)
		}
		if ok {
			refused++
		}
		if k1, ok := EngineTestEnv.Refuses(plan); ok != (k == Deploy) || (ok && k1 != k) {
			t.Errorf("engine 1 refuses %s: %v; want only deploy refused", k, ok)
		}
		if err := engine1Refuses(plan); (err != nil) != (k == Deploy) || (err != nil && !errors.Is(err, ErrEngineLacksKind)) {
			t.Errorf("engine 1 answers %s with %v", k, err)
		}
	}
	if _, ok := EngineServer.Refuses(Plan{}); ok {
		t.Error("engine 2 refuses the fault-free plan")
	}
	t.Logf("engine 2 refuses %d of %d fault kinds", refused, len(Kinds()))
}
