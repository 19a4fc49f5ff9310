package sim

import (
	"errors"
	"strings"
	"testing"
)

// sdkBlocked is the dump of a bubble the SDK test environment left with a
// child run's event loop waiting (as it did for continued-as-new children).
const sdkBlocked = `goroutine 7 [running]:
testing.tRunner.func1()
	/usr/local/go/src/testing/testing.go:1977 +0x349

goroutine 21 [chan receive (durable), synctest bubble 1]:
go.temporal.io/sdk/internal.(*testWorkflowEnvironmentImpl).startMainLoop(0x1cc6f3870388?)
	/root/go/pkg/mod/go.temporal.io/sdk@v1.50.0/internal/internal_workflow_testsuite.go:1104 +0x77
go.temporal.io/sdk/internal.(*testWorkflowEnvironmentImpl).executeWorkflowInternal(0x1cc6f3870388, 0x0, {0x13e3bec, 0xd}, 0x1cc6f3606ec0)
	/root/go/pkg/mod/go.temporal.io/sdk@v1.50.0/internal/internal_workflow_testsuite.go:834 +0x5de
created by go.temporal.io/sdk/internal.(*testWorkflowEnvironmentImpl).executeChildWorkflowWithDelay in goroutine 11
	/root/go/pkg/mod/go.temporal.io/sdk@v1.50.0/internal/internal_workflow_testsuite.go:2918 +0x247
`

// userBlocked adds an activity that waits on a channel, ignoring its
// context.
const userBlocked = sdkBlocked + `
goroutine 30 [select (durable), synctest bubble 1]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/proc.go:435 +0xce
runtime.selectgo(0xc000, 0xc000, 0x0?, 0x0, 0x0?, 0x1)
	/usr/local/go/src/runtime/select.go:351 +0x837
example.com/shop.(*Stock).Wait(0xc0001)
	/src/shop/stock.go:40 +0x10
github.com/temporalsim/temporalsim/sim.(*engine).runAttempt.func1()
	/work/sim/attempt.go:137 +0x9a
`

func TestEngineDeadlockBlamesTheEngineOnlyForItsOwnGoroutines(t *testing.T) {
	sc := &Scenario{Name: "chain"}
	deadlock := errors.New("deadlock: main bubble goroutine has exited but blocked goroutines remain")
	err := engineDeadlock(sc, 3, deadlock, sdkBlocked)
	if err == nil || !strings.Contains(err.Error(), "not of the scenario's code") || !strings.Contains(err.Error(), "startMainLoop") {
		t.Errorf("SDK goroutines left blocked: got %v; want an error that names them and clears the scenario's code", err)
	}
	if err := engineDeadlock(sc, 3, deadlock, userBlocked); err != nil {
		t.Errorf("an activity blocked in the scenario's code: got %v; want the panic to go on", err)
	}
	if err := engineDeadlock(sc, 3, "some other panic", sdkBlocked); err != nil {
		t.Errorf("a panic that is not a deadlock: got %v; want it to go on", err)
	}
	if where, _ := blockedIn(userBlocked); !strings.Contains(where, "example.com/shop.(*Stock).Wait") {
		t.Errorf("blockedIn named %q; want the activity's own function", where)
	}
}
