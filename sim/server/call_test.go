package server

import (
	"slices"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/proto"
)

// TestLazyKeysOrderAsFullKeys: sorting by compareKeys, which encodes a
// request only when the key heads cannot decide, gives the order that
// sorting by the whole key strings gives, for heads that are prefixes of
// one another, equal heads with different contents, and calls without
// content.
func TestLazyKeysOrderAsFullKeys(t *testing.T) {
	var calls []*call
	add := func(name string, req proto.Message) {
		c := &call{name: name, req: req}
		c.setKey()
		calls = append(calls, c)
	}
	for _, tok := range []string{"a|r|5|1", "a|r|5|12", "a|r|5", "w|r|5|1", "w|r2|5|1", "", "a|r|5|1|"} {
		for _, res := range []string{"x", "y", "", "x\x00"} {
			add("RespondActivityTaskCompleted", &workflowservice.RespondActivityTaskCompletedRequest{
				TaskToken: []byte(tok), Identity: "random-" + res,
				Result: &commonpb.Payloads{Payloads: []*commonpb.Payload{{Data: []byte(res)}}},
			})
		}
	}
	for _, id := range []string{"b", "a", "ab", ""} {
		add("SignalWorkflowExecution", &workflowservice.SignalWorkflowExecutionRequest{SignalName: id, RequestId: "r" + id})
		add("SignalWorkflowExecutio", &workflowservice.SignalWorkflowExecutionRequest{SignalName: id})
	}
	for _, q := range []string{"q", "q|", "", "q2"} {
		add("PollActivityTaskQueue", &workflowservice.PollActivityTaskQueueRequest{TaskQueue: &taskqueuepb.TaskQueue{Name: q}})
		add("PollWorkflowTaskQueue", &workflowservice.PollWorkflowTaskQueueRequest{TaskQueue: &taskqueuepb.TaskQueue{Name: q, NormalName: q}})
	}
	want := make([]string, len(calls))
	for i, c := range calls {
		want[i] = fullKeyEager(c)
	}
	slices.SortStableFunc(want, strings.Compare)
	// Several starting orders: the result must not depend on them.
	for shift := range 5 {
		batch := slices.Clone(calls)
		for i := range batch {
			j := (i*7 + shift) % len(batch)
			batch[i], batch[j] = batch[j], batch[i]
		}
		sortCalls(batch)
		got := make([]string, len(batch))
		for i, c := range batch {
			got[i] = c.fullKey()
		}
		if !slices.Equal(got, want) {
			t.Fatalf("order %d differs from the full-key order:\n%q\n%q", shift, got, want)
		}
	}
	// Content is encoded only where heads tie: distinct tokens never need it.
	a, b := &call{name: "RespondActivityTaskCompleted", req: &workflowservice.RespondActivityTaskCompletedRequest{TaskToken: []byte("a|r|5|1")}},
		&call{name: "RespondActivityTaskCompleted", req: &workflowservice.RespondActivityTaskCompletedRequest{TaskToken: []byte("a|r|6|1")}}
	a.setKey()
	b.setKey()
	if compareKeys(a, b) >= 0 || a.keyTail != nil || b.keyTail != nil {
		t.Fatalf("distinct tokens: compare %d, tails encoded %v %v", compareKeys(a, b), a.keyTail != nil, b.keyTail != nil)
	}
}

// fullKeyEager is the key as it was built before keys became lazy: head
// and content joined at once.
func fullKeyEager(c *call) string {
	if c.keyReq == nil {
		return c.key
	}
	return c.key + contentKey(c.keyReq)
}
