package server

import "google.golang.org/protobuf/types/known/emptypb"

// disconnectNote is the pseudo-method Disconnect enqueues.
const disconnectNote = "~disconnect"

// Disconnect drops the held polls of the worker whose requests carry
// identity, as a real server drops them when the worker's connection
// dies: each is answered empty, in the loop's next step, and gets no task.
// Calls the worker sends later are its own to stop (see
// docs/architecture.md).
func (s *Server) Disconnect(identity string) {
	s.enqueue(&call{name: disconnectNote, req: &emptypb.Empty{}, key: "~~" + identity, instance: identity, done: make(chan struct{})})
}

func handleDisconnect(s *Server, c *call) {
	for _, k := range s.sortedQueueKeys() {
		q := s.queues[k]
		for _, p := range append([]*call(nil), q.polls...) {
			if m, ok := p.req.(interface{ GetIdentity() string }); ok && m.GetIdentity() == c.instance {
				q.unpark(p)
			}
		}
	}
	c.answer(nil)
}
