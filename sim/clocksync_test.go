//lint:file-ignore U1000 the look-alike types below are read through reflect only

package sim

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	fbclock "github.com/facebookgo/clock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// TestSDKInternalsGuard fails, naming the SDK version, when an SDK upgrade
// moves or retypes a field of the test environment that clocksync.go reads.
func TestSDKInternalsGuard(t *testing.T) {
	if _, err := resolveEnvLayout(reflect.TypeFor[testsuite.TestWorkflowEnvironment]()); err != nil {
		t.Fatalf("%v\nupdate sim/clocksync.go for this SDK version", err)
	}
	env := (&testsuite.WorkflowTestSuite{}).NewTestWorkflowEnvironment()
	h, err := hookEnv(env)
	if err != nil {
		t.Fatalf("go.temporal.io/sdk %s: %v", temporal.SDKVersion, err)
	}
	if h.mock == nil || h.mock.Now() != env.Now() {
		t.Fatalf("go.temporal.io/sdk %s: the mock clock read through the test environment (%v) is not the one env.Now reads (%v); update sim/clocksync.go", temporal.SDKVersion, h.mock, env.Now())
	}
	before := *h.runningCount
	h.pinRunning()
	if *h.runningCount != before+1 {
		t.Fatalf("go.temporal.io/sdk %s: pinRunning did not change the running count", temporal.SDKVersion)
	}
}

// Look-alikes of the SDK's test environment types, laid out as in v1.50.0,
// with one field renamed or retyped in each variant.
type (
	fakeShared[H any] struct {
		mockClock        *fbclock.Mock
		runningWorkflows map[string]*H
		runningCount     int
	}
	fakeImpl struct {
		*fakeShared[fakeHandle[fakeImpl]]
		workflowDef         interface{ Close() }
		isWorkflowCompleted bool
		doneChannel         chan struct{}
		doneChannelOnce     sync.Once
	}
	fakeHandle[I any] struct{ env *I }
	fakeEnv[I any]    struct{ impl *I }

	renamedImpl     struct{ implementation *fakeImpl }
	renamedDoneOnce struct {
		*fakeShared[fakeHandle[renamedDoneOnce]]
		workflowDef         interface{ Close() }
		isWorkflowCompleted bool
		doneChannel         chan struct{}
		doneOnce            sync.Once
	}
	retypedShared struct {
		mockClock        *fbclock.Mock
		runningWorkflows map[string]*fakeHandle[retypedCount]
		runningCount     int32
	}
	retypedCount struct {
		*retypedShared
		workflowDef         interface{ Close() }
		isWorkflowCompleted bool
		doneChannel         chan struct{}
		doneChannelOnce     sync.Once
	}
	wrongHandle struct {
		*fakeShared[fakeHandle[fakeImpl]] // handles point at another type
		workflowDef                       interface{ Close() }
		isWorkflowCompleted               bool
		doneChannel                       chan struct{}
		doneChannelOnce                   sync.Once
	}
)

// TestEnvLayoutRejectsMovedField shows the guard can fail: a look-alike
// laid out like the SDK resolves, and each variant with a field renamed or
// retyped is an error that names the field and the SDK version.
func TestEnvLayoutRejectsMovedField(t *testing.T) {
	if _, err := resolveEnvLayout(reflect.TypeFor[fakeEnv[fakeImpl]]()); err != nil {
		t.Fatalf("the look-alike of the SDK layout does not resolve: %v", err)
	}
	for _, c := range []struct {
		name string
		env  reflect.Type
		want string
	}{
		{"impl renamed", reflect.TypeFor[renamedImpl](), "impl not found"},
		{"doneChannelOnce renamed", reflect.TypeFor[fakeEnv[renamedDoneOnce]](), "doneChannelOnce not found"},
		{"runningCount retyped", reflect.TypeFor[fakeEnv[retypedCount]](), "runningCount is int32, want int"},
		{"handle env retyped", reflect.TypeFor[fakeEnv[wrongHandle]](), "env is *sim.fakeImpl, want *sim.wrongHandle"},
	} {
		_, err := resolveEnvLayout(c.env)
		if err == nil {
			t.Errorf("%s: resolved; want an error", c.name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || !strings.Contains(msg, temporal.SDKVersion) {
			t.Errorf("%s: error %q; want it to contain %q and the SDK version %s", c.name, msg, c.want, temporal.SDKVersion)
		}
	}
}
