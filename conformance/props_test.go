package conformance

import (
	"testing"

	"github.com/temporalsim/temporalsim/sim"
)

// TestOwnResults: properties on the server side see what an attempt that
// outlived its workflow ran to, as the engine's properties do, and the
// comparison's view keeps its after-close mark.
func TestOwnResults(t *testing.T) {
	view := &sim.Result{Activities: []sim.ActivityRecord{{Type: "Debit", Attempts: []sim.AttemptRecord{{N: 1, Result: "after-close:ok"}, {N: 2, Result: "ApplicationError"}}}}}
	got := ownResults(view)
	if r := got.Activities[0].Attempts[0].Result; r != "ok" {
		t.Errorf("own result %q, want ok", r)
	}
	if r := got.Activities[0].Attempts[1].Result; r != "ApplicationError" {
		t.Errorf("own result %q, want ApplicationError", r)
	}
	if r := view.Activities[0].Attempts[0].Result; r != "after-close:ok" {
		t.Errorf("the comparison's view changed to %q", r)
	}
}
