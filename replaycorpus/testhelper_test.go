package replaycorpus

import (
	"fmt"
	"strings"
	"testing"
)

// TestReplay is the way a user replays a corpus: one subtest per file,
// expectations from testdata/order/manifest.json.
func TestReplay(t *testing.T) {
	Test(t, "testdata/order", Options{NamedWorkflows: map[string]any{orderWorkflowType: orderWorkflow}})
}

// fakeT records what checkResult reports.
type fakeT struct {
	name   string
	errors []string
}

func (f *fakeT) Helper()      {}
func (f *fakeT) Name() string { return f.name }
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

func TestCheckResultReportsFailures(t *testing.T) {
	r := newOrderReplayer(t, mutantRemoveTimer)
	results := r.ReplayFiles([]string{"testdata/order/order.json"})

	ft := &fakeT{name: "TestReplay/order.json"}
	checkResult(ft, results[0])
	if len(ft.errors) != 1 {
		t.Fatalf("checkResult reported %d errors, want 1", len(ft.errors))
	}
	for _, want := range []string{
		"replay testdata/order/order.json: got fail:missing-command, want pass",
		"workflow type: OrderWorkflow",
		"kind:          missing-command",
		"event id:      11",
		"message:       event 11 TimerStarted (TimerId 11) in the history; the code issued no command for it",
		"sdk message:   [TMPRL1100] During replay, a matching Timer command was expected in history event position 11",
		"To reproduce: go test -run '^TestReplay$/^order\\.json$'",
		"or: simrun replay testdata/order/order.json",
	} {
		if !strings.Contains(ft.errors[0], want) {
			t.Errorf("report lacks %q:\n%s", want, ft.errors[0])
		}
	}

	// order_v0.json expects extra-command; the code it was recorded from
	// replays it cleanly, which is not what the manifest says either.
	results = newOrderReplayer(t, reserveOnly).ReplayFiles([]string{"testdata/order/order_v0.json"})
	ft = &fakeT{name: "TestReplay/order_v0.json"}
	checkResult(ft, results[0])
	if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "got pass, want fail:extra-command") {
		t.Errorf("checkResult on an unexpected pass reported %q", ft.errors)
	}
}

func TestRunPattern(t *testing.T) {
	if got, want := runPattern("TestReplay/sub/a.b+c.json"), `^TestReplay$/^sub$/^a\.b\+c\.json$`; got != want {
		t.Errorf("runPattern = %q, want %q", got, want)
	}
}
