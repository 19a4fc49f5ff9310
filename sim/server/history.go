package server

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"time"

	failurepb "go.temporal.io/api/failure/v1"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"google.golang.org/protobuf/proto"
)

// RunHistory is the history of one workflow run.
type RunHistory struct {
	WorkflowID string
	RunID      string
	Events     []*historypb.HistoryEvent
}

// Histories returns every run's history in the order the runs started
// (children and continue-as-new runs included). Call it after Stop: the
// loop owns the state while it runs.
func (s *Server) Histories() []RunHistory {
	out := make([]RunHistory, 0, len(s.runs))
	for _, ex := range s.runs {
		out = append(out, RunHistory{WorkflowID: ex.wfID, RunID: ex.runID, Events: slices.Clip(ex.events)})
	}
	return out
}

// AttemptTimeout is an activity attempt the server timed out (start-to-close
// or heartbeat). Histories hold only an activity's last attempt, so a
// driver that reports every attempt needs these.
type AttemptTimeout struct {
	RunID, ActivityID string
	Attempt           int32
	At                time.Time
	Failure           *failurepb.Failure
}

// AttemptTimeouts lists the attempts the server timed out, in the order
// it did. Call it after Stop.
func (s *Server) AttemptTimeouts() []AttemptTimeout { return slices.Clone(s.timeouts) }

// Unsupported lists, in the order met, what workers asked of the server
// that it does not implement (commands it refused). Call it after Stop.
func (s *Server) Unsupported() []string { return slices.Clone(s.unsupported) }

// WriteHistoryJSON writes events in the format `temporal workflow show -o
// json` writes, which client.HistoryFromJSON and the replayer read.
func WriteHistoryJSON(w io.Writer, events []*historypb.HistoryEvent) error {
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&historypb.History{Events: events})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// CanonicalHistory is the canonical encoding of a history: deterministic
// binary protobuf. JSON text is not canonical (protojson varies its
// whitespace between builds on purpose).
func CanonicalHistory(events []*historypb.HistoryEvent) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(&historypb.History{Events: events})
}

// HistorySHA256 is the hex SHA-256 of CanonicalHistory.
func HistorySHA256(events []*historypb.HistoryEvent) (string, error) {
	b, err := CanonicalHistory(events)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
