package sim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFanOutCompletes(t *testing.T) {
	r, err := Run(t, fanOutScenario(4), 1, Plan{}, nil)
	require.NoError(t, err)
	for _, e := range r.Events {
		t.Log(e)
	}
	require.Equal(t, Completed, r.Outcome, "err=%v", r.Err)
	require.Equal(t, `["w0@1","w1@1","w2@1","w3@1"]`, r.Output)
}
