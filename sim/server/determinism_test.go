package server

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// FanOutWorkflow makes many things happen at one virtual instant: three
// activities, a child and a signal to itself, so same-instant calls race.
func FanOutWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var fs []workflow.Future
	for _, n := range []string{"a", "b", "c"} {
		fs = append(fs, workflow.ExecuteActivity(ctx, greet, n))
	}
	child := workflow.ExecuteChildWorkflow(ctx, TwoStepWorkflow, "child")
	out := ""
	for _, f := range append(fs, child) {
		var s string
		if err := f.Get(ctx, &s); err != nil {
			return "", err
		}
		out += s + ";"
	}
	return out, nil
}

func registerAll(w workerRegistry) {
	registerTwoStep(w)
	w.RegisterWorkflow(FanOutWorkflow)
}

// fanOutRun runs FanOutWorkflow once in a fresh bubble and returns the
// canonical bytes of every run's history.
func fanOutRun(t *testing.T) [][]byte {
	var out [][]byte
	synctest.Test(t, func(t *testing.T) {
		hist := runOnce(t, registerAll, func(t *testing.T, c client.Client) {
			var s string
			if err := execute(context.Background(), c, "fan", FanOutWorkflow, &s); err != nil {
				t.Fatalf("workflow: %v", err)
			}
		})
		for _, h := range hist {
			b, err := CanonicalHistory(h.Events)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
	})
	return out
}

func TestHistoriesAreDeterministic(t *testing.T) {
	runs := 200
	if testing.Short() {
		runs = 20
	}
	for _, procs := range []int{1, 8} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			first := fanOutRun(t)
			if len(first) != 2 {
				t.Fatalf("%d runs, want 2 (parent and child)", len(first))
			}
			for i := 1; i < runs; i++ {
				got := fanOutRun(t)
				for j := range first {
					if j >= len(got) || !bytes.Equal(first[j], got[j]) {
						t.Fatalf("run %d: history %d differs from the first run's", i, j)
					}
				}
			}
		})
	}
}

// TestDeterminismCheckCanFail shows the comparison above sees a change: a
// history with one event's time moved is not equal.
func TestDeterminismCheckCanFail(t *testing.T) {
	first := fanOutRun(t)
	var h historypb.History
	if err := proto.Unmarshal(first[0], &h); err != nil {
		t.Fatal(err)
	}
	h.Events[3].EventTime.Nanos++
	changed, err := CanonicalHistory(h.Events)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first[0], changed) {
		t.Fatal("a changed history encodes to the same bytes")
	}
}
