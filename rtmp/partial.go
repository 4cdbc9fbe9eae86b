package rtmp

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Memory held by unfinished messages. A message's bytes are kept until
// its last chunk arrives, so a client that announces large messages and
// sends them slowly pins memory for as long as it likes. Three bounds:
//
//   - Before connect completes, a connection may use what a handshake and
//     a connect need: messages of at most preConnectMaxMessage bytes on at
//     most preConnectStreams chunk streams. Larger messages or more
//     streams drop it. The server's max_message applies from connect on.
//   - A message must complete within the server's timeout from its first
//     chunk; bytes trickling in do not extend it.
//   - The unfinished messages of all connections together hold at most
//     Options.MaxPartialBytes; past it, the connection holding the most is
//     dropped (repeatedly, until the total is under the cap again).
const (
	// preConnectMaxMessage bounds messages before connect: a connect
	// command is a few hundred bytes, a few KiB with long tokens in its
	// URLs.
	preConnectMaxMessage = 16 << 10
	// preConnectStreams is the control chunk stream and the command one.
	preConnectStreams = 2
	// DefaultMaxPartialBytes is the default Options.MaxPartialBytes: a
	// thousand publishers each in the middle of a 256 KiB key frame.
	DefaultMaxPartialBytes = 256 << 20
)

// errSlowMessage drops a client whose message did not complete in time.
var errSlowMessage = errors.New("message not completed in time")

// partialBudget is the server-wide count of bytes held by unfinished
// messages: each session adds the change in its own count (Session.held)
// whenever it goes back to the socket.
type partialBudget struct {
	max   int64
	total atomic.Int64
	peak  atomic.Int64 // the highest total seen, for tests of the bound
	shed  sync.Mutex   // one shedding pass at a time
}

// add changes the total by d and returns it.
func (b *partialBudget) add(d int64) int64 {
	t := b.total.Add(d)
	for p := b.peak.Load(); t > p && !b.peak.CompareAndSwap(p, t); p = b.peak.Load() {
	}
	return t
}

// reportPartial brings the session's share of the budget up to date and
// sheds connections when the total is over the cap. A dropped session
// holds nothing any more: its bytes are freed as it ends.
func (s *Session) reportPartial() {
	held := int64(0)
	if s.dropReason() == "" {
		held = int64(s.rd.PartialBytes())
	}
	if s.held.Load() == held {
		return
	}
	old := s.held.Swap(held)
	if s.srv.reg.partial.add(held-old) > s.srv.reg.partial.max {
		s.srv.reg.shedPartial()
	}
}

// releasePartial takes an ending session's share out of the budget.
func (s *Session) releasePartial() {
	s.srv.reg.partial.add(-s.held.Swap(0))
}

// shedPartial drops the connections holding the most bytes of unfinished
// messages until the total is within the cap.
func (r *Registry) shedPartial() {
	b := &r.partial
	b.shed.Lock()
	defer b.shed.Unlock()
	for b.total.Load() > b.max {
		victim := r.largestHolder()
		if victim == nil {
			return
		}
		held := victim.held.Swap(0)
		b.add(-held)
		r.stats.partialDrops.Add(1)
		victim.Logger().Warn("dropping client: its unfinished messages hold the most memory while all connections together hold more than the cap",
			"held", held, "cap", b.max, "addr", victim.addr)
		victim.Drop(CloseDrop)
	}
}

// largestHolder returns the session not yet dropped whose unfinished
// messages hold the most bytes, or nil when none holds any.
func (r *Registry) largestHolder() *Session {
	r.mu.Lock()
	defer r.mu.Unlock()
	var best *Session
	most := int64(0)
	for s := range r.all {
		if h := s.held.Load(); h > most && s.dropReason() == "" {
			best, most = s, h
		}
	}
	return best
}

// PartialBytes is the number of bytes that unfinished messages hold
// across all connections.
func (r *Registry) PartialBytes() int64 { return r.partial.total.Load() }

// messageDeadline is when the oldest unfinished message must be complete;
// ok is false when none is unfinished or the server has no timeout.
func (r *deadlineReader) messageDeadline() (time.Time, bool) {
	rd, t := r.s.rd, r.s.server.Timeout
	if rd == nil || t <= 0 {
		return time.Time{}, false
	}
	since, ok := rd.OldestPartial()
	if !ok {
		return time.Time{}, false
	}
	return r.s.start.Add(time.Duration(since) + t), true
}

// slowMessage is the error for a message past its deadline.
func (r *deadlineReader) slowMessage() error {
	return fmt.Errorf("a message was not completed within %v of its first chunk: %w", r.s.server.Timeout, errSlowMessage)
}
