package sim

import (
	"errors"
	"testing"
)

// TestRefusesAgreesWithRun: Engine.Refuses names a kind exactly when the
// engine would refuse the plan, whichever kinds engine 2 carries out;
// engine 1 refuses only the kinds that need a worker that replays.
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
		kind1, ok1 := EngineTestEnv.Refuses(plan)
		err1 := engine1Refuses(plan)
		if ok1 != engine1Lacks[k] || ok1 != (err1 != nil) || (ok1 && kind1 != k) || (err1 != nil && !errors.Is(err1, ErrEngineLacksKind)) {
			t.Errorf("%s: engine 1 Refuses = %q, %v; engine 1 answers %v", k, kind1, ok1, err1)
		}
	}
	if _, ok := EngineServer.Refuses(Plan{}); ok {
		t.Error("engine 2 refuses the fault-free plan")
	}
	t.Logf("engine 2 refuses %d of %d fault kinds", refused, len(Kinds()))
}
