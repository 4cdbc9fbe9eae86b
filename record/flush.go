package record

import "time"

func (m *Module) bufferSize() int {
	if m.BufferSize > 0 {
		return m.BufferSize
	}
	return defaultBuffer
}

func (m *Module) flushPeriod() time.Duration {
	if m.FlushPeriod > 0 {
		return m.FlushPeriod
	}
	return defaultFlush
}

// startFlusher runs the flush ticker while any stream publishes: writers
// flush by themselves on writes, so this only matters for streams that
// stall with media in their buffer. m.mu is held.
func (m *Module) startFlusher() {
	if m.stopped {
		return
	}
	tick := m.tick
	if tick == nil {
		tick = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	c, stop := tick(m.flushPeriod())
	quit := make(chan struct{})
	m.flush = quit
	m.flushing.Add(1)
	go func() {
		defer m.flushing.Done()
		defer stop()
		for {
			select {
			case <-quit:
				return
			case <-c:
				m.flushAll()
			}
		}
	}()
}

// flushAll flushes every open file of every publishing stream.
func (m *Module) flushAll() {
	m.mu.Lock()
	var hooks []*hook
	for _, hs := range m.streams {
		hooks = append(hooks, hs...)
	}
	m.mu.Unlock()
	for _, h := range hooks {
		h.flushFiles()
	}
}

// flushFiles flushes the hook's open files; a failure ends the file as a
// failed write does.
func (h *hook) flushFiles() {
	h.mu.Lock()
	for _, n := range h.nodes {
		if n.w != nil {
			if err := n.w.Flush(); err != nil {
				n.fail(err)
			}
		}
	}
	pending := len(h.status) > 0 || len(h.done) > 0
	h.mu.Unlock()
	if pending {
		h.flush()
	}
}
