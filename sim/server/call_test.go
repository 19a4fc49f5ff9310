package server

import (
	"fmt"
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

// TestIDsAndTokensKeepTheirLayout: newID and token.bytes, written without
// fmt, give the bytes the fmt formats gave (run ids, request ids and task
// tokens reach histories), and parseToken reads tokens back and refuses
// malformed ones.
func TestIDsAndTokensKeepTheirLayout(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1<<63 + 12345} {
		s := &Server{idSeed: seed}
		for n := uint64(1); n <= 200; n++ {
			a := mix(seed ^ mix(n))
			b := mix(a ^ 0x9e3779b97f4a7c15)
			want := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", a>>32, (a>>16)&0xffff, a&0xfff, b>>52, b&0xffffffffffff)
			if got := s.newID(); got != want {
				t.Fatalf("seed %d id %d: %s, want %s", seed, n, got, want)
			}
		}
	}
	for _, tk := range []token{{'w', "run-1", 5, 1}, {'a', "", 0, 0}, {'a', "x", -3, 2147483647}, {'w', "9e37-79b9", 1 << 40, -1}} {
		want := fmt.Appendf(nil, "%c|%s|%d|%d", tk.kind, tk.runID, tk.sched, tk.attempt)
		got := tk.bytes()
		if string(got) != string(want) {
			t.Fatalf("token %+v: %q, want %q", tk, got, want)
		}
		if back, ok := parseToken(got); !ok || back != tk {
			t.Fatalf("parseToken(%q) = %+v, %v", got, back, ok)
		}
	}
	for _, bad := range []string{"", "w|r|1", "w|r|1|2|3", "ww|r|1|2", "|r|1|2", "w|r|x|2", "w|r|1|99999999999", "w|r|1|"} {
		if tk, ok := parseToken([]byte(bad)); ok {
			t.Fatalf("parseToken(%q) accepted: %+v", bad, tk)
		}
	}
}
