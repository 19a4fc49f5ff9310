package scenarios

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine running after
// it returns. Runs inside testing/synctest bubbles are already held to that
// by synctest; this guards everything outside a bubble (real-clock SDK test
// environments, replayers, helpers).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
