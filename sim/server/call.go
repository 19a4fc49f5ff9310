package server

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// cancelNote is the pseudo-method a handler enqueues when its caller's
// context ends while the loop still holds the call.
const cancelNote = "~cancel"

// call is one RPC waiting for the loop's answer.
type call struct {
	ctx  context.Context
	name string
	req  proto.Message
	// key orders the call in its batch (sortCalls). When keyReq is set,
	// the full key is key followed by keyReq's contentKey, which is
	// computed only when a comparison needs it (fullKey).
	key     string
	keyReq  proto.Message
	keyTail *string
	// reply is the caller's response message; answer copies the answer
	// into it.
	reply  proto.Message
	err    error
	done   chan struct{}
	over   bool
	target *call // for cancelNote
	// held polls remember their queue and worker
	queue    *taskQueue
	instance string
	// note is what a driver's pseudo-call does on the loop (task_faults.go).
	note func(s *Server)
	// deferred is a poll answered at the end of a step: its caller is
	// woken by Server.release, not by answer.
	deferred bool
}

// answer ends the call with resp, copied into the caller's reply: the
// caller gets its own messages, never the server's history events, which
// the SDK's payload visitors rewrite in place. The copy is made here, on
// the loop (or a heartbeat's own goroutine) whose stack has long grown,
// rather than on the SDK's fresh per-poll goroutine after the answer.
func (c *call) answer(resp proto.Message) {
	if c.over {
		return
	}
	c.over = true
	if resp != nil && c.reply != nil {
		proto.Merge(c.reply, resp)
	}
	if !c.deferred {
		close(c.done)
	}
}

func (c *call) fail(err error) {
	if c.over {
		return
	}
	c.over = true
	c.err = err
	close(c.done)
}

// sortCalls puts a batch in canonical order: by key, which is built from the
// request's content. Calls with equal keys are interchangeable (the same
// poll from pollers of one worker), so their arrival order is never seen.
func sortCalls(batch []*call) {
	slices.SortStableFunc(batch, compareKeys)
}

// compareKeys orders two calls as strings.Compare orders their full keys,
// encoding a request's content only when the keys' heads cannot decide:
// when neither head is a prefix of the other, the first differing byte is
// in both heads.
func compareKeys(a, b *call) int {
	n := min(len(a.key), len(b.key))
	if r := strings.Compare(a.key[:n], b.key[:n]); r != 0 {
		return r
	}
	if a.keyReq == nil && b.keyReq == nil {
		return cmp.Compare(len(a.key), len(b.key))
	}
	return strings.Compare(a.fullKey(), b.fullKey())
}

// fullKey is the call's whole sort key. The request's content is encoded
// at most once, on the loop, while its caller waits for the answer.
func (c *call) fullKey() string {
	if c.keyReq == nil {
		return c.key
	}
	if c.keyTail == nil {
		t := contentKey(c.keyReq)
		c.keyTail = &t
	}
	return c.key + *c.keyTail
}

// setKey derives the call's sort key from the request content. The SDK puts
// random UUIDs in request ids and worker keys, so those are left out.
func (c *call) setKey() {
	name := c.name
	switch r := c.req.(type) {
	case *workflowservice.PollWorkflowTaskQueueRequest:
		c.key = name + "|" + r.GetTaskQueue().GetNormalName() + "|" + r.GetTaskQueue().GetKind().String()
		return
	case *workflowservice.PollActivityTaskQueueRequest:
		c.key = name + "|" + r.GetTaskQueue().GetName()
		return
	case interface{ GetTaskToken() []byte }:
		// Two completions of one attempt in one instant (an async
		// completer's duplicate) differ only after the token.
		c.key = name + "|" + string(r.GetTaskToken()) + "|"
	default:
		c.key = name + "|"
	}
	c.keyReq = c.req
}

// contentKey is the request's deterministic encoding without its random
// fields.
func contentKey(req proto.Message) string {
	m := proto.Clone(req)
	clearRandomFields(m.ProtoReflect())
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	return string(b)
}

// randomFields are request fields the SDK fills with random values.
var randomFields = map[protoreflect.Name]bool{
	"request_id": true, "identity": true, "worker_instance_key": true,
	"sticky_task_queue": true, "worker_heartbeat": true,
}

func clearRandomFields(m protoreflect.Message) {
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		if f := fields.Get(i); randomFields[f.Name()] {
			m.Clear(f)
		}
	}
}
