package notify

import (
	"log/slog"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// Bounds of the exec_* children of the whole process.
const (
	// DefaultMaxChildren is exec_max_children's default.
	DefaultMaxChildren = 32
	// DefaultMaxQueued is how many commands wait for a free slot before
	// later ones are dropped.
	DefaultMaxQueued = 1024
)

// execJob is one exec_* command to run: what conf says, the event's
// variables, and the logger that names the directive and the stream.
type execJob struct {
	cmd     conf.Command
	vars    map[string]string
	timeout time.Duration
	log     *slog.Logger
}

// pool bounds the exec_* children: at most a limit run at once, the next
// ones wait in a FIFO as plain entries (never a goroutine or a thread per
// waiting command), and beyond the queue's bound they are dropped. Each
// running child holds one goroutine, parked in wait(2) on a thread of its
// own, so the limit bounds threads and descriptors too.
type pool struct {
	mu      sync.Mutex
	running int
	waiting []*execJob
}

// submit runs j as soon as a slot is free, in submission order, or drops
// it when every slot is busy and the queue is full. It never blocks on a
// child.
func (m *Module) submit(j *execJob) {
	m.busyAdd(1) // Wait covers queued commands too
	p := &m.pool
	p.mu.Lock()
	if p.running >= m.maxChildren() && len(p.waiting) >= m.maxQueued() {
		running, queued := p.running, len(p.waiting)
		p.mu.Unlock()
		m.drop(j, running, queued)
		return
	}
	p.waiting = append(p.waiting, j)
	busy, queued := p.running >= m.maxChildren(), len(p.waiting)
	p.mu.Unlock()
	if busy {
		j.log.Debug("exec waiting for a free slot", "cmd", j.cmd.Args[0], "queued", queued)
	}
	m.dispatch()
}

// dispatch starts waiting commands while slots are free. The limit is
// read each time, so a reload that changes exec_max_children applies to
// the next start.
func (m *Module) dispatch() {
	for {
		j := m.pool.take(m.maxChildren())
		if j == nil {
			return
		}
		if !m.start(j) {
			m.pool.release()
			m.busyAdd(-1)
		}
	}
}

// take removes the first waiting command and counts it as running, or
// returns nil when none waits or no slot is free.
func (p *pool) take(limit int) *execJob {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running >= limit || len(p.waiting) == 0 {
		return nil
	}
	j := p.waiting[0]
	p.waiting[0] = nil
	p.waiting = p.waiting[1:]
	if len(p.waiting) == 0 {
		p.waiting = nil // let the array go after a burst
	}
	p.running++
	return j
}

// finished frees the slot of a child that ended and hands it to the next
// waiting command.
func (m *Module) finished() {
	m.pool.release()
	m.dispatch()
	m.busyAdd(-1)
}

func (p *pool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running--
}

// drop logs and counts a command that found every slot busy and the queue
// full. One line per command (its logger names the file for
// exec_record_done): what did not run has to be redone by hand.
func (m *Module) drop(j *execJob, running, queued int) {
	j.log.Warn("exec dropped: exec_max_children are running and the queue is full",
		"cmd", j.cmd.Args[0], "running", running, "queued", queued)
	m.observeExec(execDropped)
	m.busyAdd(-1)
}

func (m *Module) maxChildren() int {
	if n := m.limit.Load(); n > 0 {
		return int(n)
	}
	return DefaultMaxChildren
}

func (m *Module) maxQueued() int {
	switch {
	case m.MaxQueued < 0:
		return 0
	case m.MaxQueued == 0:
		return DefaultMaxQueued
	}
	return m.MaxQueued
}
