package rtmp

import (
	"sync"
	"time"
)

// tickClock wakes every session that waits on it at the next tick. It runs
// only while some session waits.
type tickClock struct {
	every   time.Duration
	mu      sync.Mutex
	cond    sync.Cond
	gen     uint64 // ticks so far
	waiting int
	running bool
}

func newTickClock(every time.Duration) *tickClock {
	c := &tickClock{every: every}
	c.cond.L = &c.mu
	return c
}

// wait blocks until the next tick, unless s was dropped or has Redirect
// work queued. Drop kicks the clock after marking the session, and wait
// checks the mark under the clock's lock, so a Drop is never missed.
func (c *tickClock) wait(s *Session) {
	c.mu.Lock()
	if s != nil && (s.dropReason() != "" || s.actions.ready.Load()) {
		c.mu.Unlock()
		return
	}
	g := c.gen
	c.waiting++
	if !c.running {
		c.running = true
		go c.run()
	}
	for c.gen == g {
		c.cond.Wait()
	}
	c.waiting--
	c.mu.Unlock()
}

// kick wakes every waiter now, for a Drop.
func (c *tickClock) kick() {
	c.mu.Lock()
	c.gen++
	c.cond.Broadcast()
	c.mu.Unlock()
}

// run ticks until a tick finds nobody waiting.
func (c *tickClock) run() {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for range t.C {
		c.mu.Lock()
		if c.waiting == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.gen++
		c.cond.Broadcast()
		c.mu.Unlock()
	}
}
