package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// TestResultHistories: engine 2 gives one history per workflow run, the
// continue-as-new run included, in the JSON `temporal workflow show -o
// json` writes; engine 1 gives none and no fingerprint.
func TestResultHistories(t *testing.T) {
	again := func(ctx workflow.Context, n int) error {
		if err := workflow.Sleep(ctx, time.Hour); err != nil {
			return err
		}
		return workflow.NewContinueAsNewError(ctx, "wf", n+1)
	}
	sc := oneWorkflow("e2-can", 0, again)
	r, err := Run(t, sc, 1, Plan{}, &Options{Engine: EngineServer})
	require.NoError(t, err)
	hs := r.Histories()
	require.Len(t, hs, 2, "the first run and the one it continued as")
	total := 0
	for _, h := range hs {
		require.Equal(t, "e2-can", h.WorkflowID)
		require.NotEmpty(t, h.RunID)
		first := h.History.GetEvents()[0]
		require.Equal(t, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, first.GetEventType())
		b, err := h.JSON()
		require.NoError(t, err)
		back, err := client.HistoryFromJSON(bytes.NewReader(b), client.HistoryJSONOptions{})
		require.NoError(t, err)
		require.Len(t, back.GetEvents(), len(h.History.GetEvents()))
		total += len(back.GetEvents())
	}
	require.NotEqual(t, hs[0].RunID, hs[1].RunID)
	es := hs[0].History.GetEvents()
	require.Equal(t, enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, es[len(es)-1].GetEventType())
	require.Equal(t, total, r.HistoryEvents())

	sum, err := r.HistorySHA256()
	require.NoError(t, err)
	require.Equal(t, documentedSHA256(t, hs), sum)
	// Histories hands out copies: changing one changes nothing in r.
	hs[0].History.Events = hs[0].History.Events[:1]
	again2, err := r.HistorySHA256()
	require.NoError(t, err)
	require.Equal(t, sum, again2)

	r, err = Run(t, sc, 1, Plan{}, nil)
	require.NoError(t, err)
	require.Nil(t, r.Histories(), "engine 1 has no histories")
	require.Zero(t, r.HistoryEvents())
	sum, err = r.HistorySHA256()
	require.NoError(t, err)
	require.Empty(t, sum)
}

// documentedSHA256 computes the fingerprint as HistorySHA256's comment
// says it is made, from the exported histories.
func documentedSHA256(t *testing.T, hs []History) string {
	sum := sha256.New()
	for _, h := range hs {
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(h.History)
		require.NoError(t, err)
		for _, part := range []string{h.WorkflowID, h.RunID, string(b)} {
			require.NoError(t, binary.Write(sum, binary.BigEndian, uint64(len(part))))
			sum.Write([]byte(part))
		}
	}
	return hex.EncodeToString(sum.Sum(nil))
}

// TestHistorySHA256SameAtAnyGOMAXPROCS: the same seed gives the same
// history fingerprint at GOMAXPROCS 1 and 8, and a different run (one
// more failed attempt) a different one.
func TestHistorySHA256SameAtAnyGOMAXPROCS(t *testing.T) {
	sha := func(procs, fails int) string {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		r, err := Run(t, flakyScenario(fails), 7, Plan{}, &Options{Engine: EngineServer})
		require.NoError(t, err)
		s, err := r.HistorySHA256()
		require.NoError(t, err)
		return s
	}
	want := sha(1, 2)
	for range 3 {
		require.Equal(t, want, sha(8, 2), "GOMAXPROCS 8")
		require.Equal(t, want, sha(1, 2), "GOMAXPROCS 1")
	}
	require.NotEqual(t, want, sha(1, 3), "one more failed attempt must change the histories' fingerprint")
}

// TestEngineLacksKindIsExported: through Run, callers can tell engine
// 2's refusal of a fault kind from a failure of the scenario, by the
// exported error and the kind's name.
func TestEngineLacksKindIsExported(t *testing.T) {
	lackKind(t, WorkerCrash)
	sc := flakyScenario(0)
	sc.Profile = Profile{Kinds: Kinds()}
	for _, k := range Kinds() {
		if engine2Kinds[k] || sc.Profile.targets(k) != nil {
			continue // runs, or needs a target this scenario lacks
		}
		plan := Plan{Faults: []Fault{{ID: 1, Kind: k, At: time.Second}}}
		_, err := Run(t, sc, 1, plan, &Options{Engine: EngineServer})
		require.ErrorIs(t, err, ErrEngineLacksKind)
		require.ErrorContains(t, err, string(k))
		return
	}
	t.Skip("engine 2 runs every kind that needs no target: nothing to refuse")
}
