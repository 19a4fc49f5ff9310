package server

import (
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
	ctx    context.Context
	name   string
	req    proto.Message
	key    string
	resp   proto.Message
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

func (c *call) answer(resp proto.Message) {
	if c.over {
		return
	}
	c.over = true
	c.resp = resp
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
	slices.SortStableFunc(batch, func(a, b *call) int { return strings.Compare(a.key, b.key) })
}

// callKey derives a call's sort key from the request content. The SDK puts
// random UUIDs in request ids and worker keys, so those are left out.
func callKey(name string, req proto.Message) string {
	switch r := req.(type) {
	case *workflowservice.PollWorkflowTaskQueueRequest:
		return name + "|" + r.GetTaskQueue().GetNormalName() + "|" + r.GetTaskQueue().GetKind().String()
	case *workflowservice.PollActivityTaskQueueRequest:
		return name + "|" + r.GetTaskQueue().GetName()
	case interface{ GetTaskToken() []byte }:
		// Two completions of one attempt in one instant (an async
		// completer's duplicate) differ only after the token.
		return name + "|" + string(r.GetTaskToken()) + "|" + contentKey(req)
	}
	return name + "|" + contentKey(req)
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
