package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"

	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/proto"

	"github.com/temporalsim/temporalsim/sim/server"
)

// History is the event history of one workflow run of a scenario, as
// engine 2's server recorded it: the same events a Temporal server would
// give `temporal workflow show`.
type History struct {
	WorkflowID string
	RunID      string
	History    *historypb.History
}

// JSON is the history in the format `temporal workflow show -o json`
// writes (protojson of history.v1.History), which client.HistoryFromJSON,
// the SDK's replayer and simrun replay read.
func (h History) JSON() ([]byte, error) {
	var b bytes.Buffer
	if err := server.WriteHistoryJSON(&b, h.History.GetEvents()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Histories returns the history of every workflow run of the scenario
// (children and continue-as-new runs included) in the order the runs
// started. Engine 1 has no server and so no histories: it returns nil.
// The histories are copies; changing them changes nothing in r.
func (r *Result) Histories() []History {
	if len(r.histories) == 0 {
		return nil
	}
	out := make([]History, 0, len(r.histories))
	for _, h := range r.histories {
		hist := &historypb.History{Events: h.Events}
		out = append(out, History{WorkflowID: h.WorkflowID, RunID: h.RunID, History: proto.Clone(hist).(*historypb.History)})
	}
	return out
}

// HistoryEvents is the number of events in all of the run's histories; 0
// on engine 1.
func (r *Result) HistoryEvents() int {
	n := 0
	for _, h := range r.histories {
		n += len(h.Events)
	}
	return n
}

// HistorySHA256 is the fingerprint of all of the run's histories, the
// empty string on engine 1. It is the hex SHA-256 of, for each history in
// the order Histories gives them, the workflow id, the run id and the
// history's deterministic binary protobuf encoding
// (proto.MarshalOptions{Deterministic: true} of a history.v1.History),
// each preceded by its length as 8 bytes big-endian. JSON text would not
// do: protojson varies its whitespace between builds on purpose.
func (r *Result) HistorySHA256() (string, error) {
	if len(r.histories) == 0 {
		return "", nil
	}
	sum := sha256.New()
	for _, h := range r.histories {
		b, err := server.CanonicalHistory(h.Events)
		if err != nil {
			return "", err
		}
		for _, part := range [][]byte{[]byte(h.WorkflowID), []byte(h.RunID), b} {
			writePart(sum, part)
		}
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}

// writePart writes p length-prefixed, so no two lists of parts hash alike.
func writePart(h hash.Hash, p []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(p)))
	h.Write(n[:])
	h.Write(p)
}
