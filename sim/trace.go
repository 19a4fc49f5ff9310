package sim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Event is one line of a trace. Only virtual time is recorded: no wall
// clock, goroutine ids or random UUIDs, so the same seed and plan give the
// same bytes.
type Event struct {
	T       int64  `json:"t"`                 // virtual milliseconds since the run started
	Kind    string `json:"kind"`              // e.g. act.attempt, timer.fire, fault, wf.end
	WF      string `json:"wf,omitempty"`      // workflow id
	Name    string `json:"name,omitempty"`    // activity type, timer id, signal/update/query name
	ID      string `json:"id,omitempty"`      // activity key, child workflow id
	Attempt int    `json:"attempt,omitempty"` // activity attempt number
	Fault   int    `json:"fault,omitempty"`   // id of the fault that caused this event
	Result  string `json:"result,omitempty"`  // ok, error type, timeout type, canceled...
	Detail  string `json:"detail,omitempty"`  // anything else worth reading
}

// String renders one event for a terminal: virtual time, kind, then the
// fields that are set; faults are marked with "!".
func (e Event) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%12s  %-18s", FormatOffset(e.T), e.Kind)
	add := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", k, v)
		}
	}
	add("wf", e.WF)
	add("name", e.Name)
	add("id", e.ID)
	if e.Attempt != 0 {
		add("attempt", fmt.Sprint(e.Attempt))
	}
	add("result", e.Result)
	if e.Fault != 0 {
		fmt.Fprintf(&b, " !fault=f%d", e.Fault)
	}
	add("detail", e.Detail)
	return b.String()
}

// FormatOffset renders a virtual offset in milliseconds as a duration.
func FormatOffset(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).String()
}

// Trace collects the events of one run. Events from the workflow side are
// appended in the order the SDK's single event loop produces them. Events
// from an activity are held in a buffer of their own and appended when the
// engine releases that activity's completion, in canonical order; so no
// event's position depends on goroutine scheduling. Events finally sort
// by virtual time, stably.
type Trace struct {
	mu      sync.Mutex
	origin  time.Time
	events  []Event
	pending map[string][]Event
}

func newTrace(origin time.Time) *Trace {
	return &Trace{origin: origin, pending: map[string][]Event{}}
}

func (t *Trace) offset(now time.Time) int64 { return now.Sub(t.origin).Milliseconds() }

// add appends an event stamped with virtual time now.
func (t *Trace) add(now time.Time, e Event) {
	e.T = t.offset(now)
	t.mu.Lock()
	t.events = append(t.events, e)
	t.mu.Unlock()
}

// hold buffers an event of the activity with the given key.
func (t *Trace) hold(key string, now time.Time, e Event) {
	e.T = t.offset(now)
	t.mu.Lock()
	t.pending[key] = append(t.pending[key], e)
	t.mu.Unlock()
}

// holdStamped buffers an event whose T is already set.
func (t *Trace) holdStamped(key string, e Event) {
	t.mu.Lock()
	t.pending[key] = append(t.pending[key], e)
	t.mu.Unlock()
}

// flush appends the buffered events of key.
func (t *Trace) flush(key string) {
	t.mu.Lock()
	t.events = append(t.events, t.pending[key]...)
	delete(t.pending, key)
	t.mu.Unlock()
}

// flushAll appends what is still buffered, in key order: activities that
// never completed (a stuck run).
func (t *Trace) flushAll() {
	t.mu.Lock()
	keys := make([]string, 0, len(t.pending))
	for k := range t.pending {
		keys = append(keys, k)
	}
	t.mu.Unlock()
	sort.Strings(keys)
	for _, k := range keys {
		t.flush(k)
	}
}

// Events returns the events sorted by virtual time (stable).
func (t *Trace) Events() []Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := append([]Event(nil), t.events...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].T < out[j].T })
	return out
}

// EncodeJSONL writes events as canonical JSON lines.
func EncodeJSONL(events []Event) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, e := range events {
		_ = enc.Encode(e) // an Event always encodes
	}
	return buf.Bytes()
}

// DecodeJSONL reads events written by EncodeJSONL.
func DecodeJSONL(data []byte) ([]Event, error) {
	var out []Event
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	for dec.More() {
		var e Event
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("trace line %d: %w", len(out)+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// TraceSHA256 is the hex SHA-256 of the canonical JSON lines of events:
// the fingerprint determinism is checked on.
func TraceSHA256(events []Event) string {
	sum := sha256.Sum256(EncodeJSONL(events))
	return hex.EncodeToString(sum[:])
}

// FirstDifference returns the index of the first event that differs
// between a and b, or -1 when they are equal.
func FirstDifference(a, b []Event) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}
