package fakes_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package if a fake leaves a goroutine behind, such as a
// sleeper whose timer was never stopped on cancellation.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// epoch is where clock.NewMock starts.
var epoch = time.Unix(0, 0)

func seeded(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0))
}

// requireOrderFree runs run with goroutines launched forward and reversed,
// several times each, and requires one result: a record that depended on
// arrival order would differ between the runs.
func requireOrderFree[T any](t *testing.T, run func(reverse bool) T) T {
	t.Helper()
	want := run(false)
	for i := range 6 {
		require.Equal(t, want, run(i%2 == 0), "run %d gave a different result; records must not depend on goroutine order", i)
	}
	return want
}

// concurrently runs f(0..n-1) on n goroutines started in forward or reverse
// order and waits for all of them.
func concurrently(n int, reverse bool, f func(i int)) {
	var wg sync.WaitGroup
	for j := range n {
		i := j
		if reverse {
			i = n - 1 - j
		}
		wg.Go(func() { f(i) })
	}
	wg.Wait()
}
