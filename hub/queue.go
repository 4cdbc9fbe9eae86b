package hub

import (
	"sync"
	"sync/atomic"

	"github.com/rtmprecd/rtmprecd/media"
)

// queue is a queued reader's bounded ring of frame copies. The stream
// pushes under its mutex and never waits: a full queue drops the frame and
// counts it. The reader's goroutine keeps the slot it reads counted until
// its Read returned, so the stream never overwrites a frame being read.
type queue struct {
	mu      sync.Mutex
	slots   []slot
	head, n int
	closed  bool
	wake    chan struct{} // capacity 1: a push or close since the reader last looked
	dropped atomic.Uint64
}

func newQueue(size int) *queue {
	return &queue{slots: make([]slot, size), wake: make(chan struct{}, 1)}
}

// push copies the frame in, or drops it when the queue is full.
func (q *queue) push(f *media.Frame) bool {
	q.mu.Lock()
	if q.closed || q.n == len(q.slots) {
		q.mu.Unlock()
		if !q.closed {
			q.dropped.Add(1)
		}
		return false
	}
	q.slots[(q.head+q.n)%len(q.slots)].set(f)
	q.n++
	q.mu.Unlock()
	q.signal()
	return true
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close stops the reader once it has read what the queue holds.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// next returns the oldest frame's slot, waiting for one; nil once the
// queue is closed and empty.
func (q *queue) next() *slot {
	for {
		q.mu.Lock()
		if q.n > 0 {
			s := &q.slots[q.head]
			q.mu.Unlock()
			return s
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil
		}
		<-q.wake
	}
}

// done frees the slot next returned.
func (q *queue) done() {
	q.mu.Lock()
	q.head = (q.head + 1) % len(q.slots)
	q.n--
	q.mu.Unlock()
}
