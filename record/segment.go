package record

import (
	"sync"
	"sync/atomic"
	"time"
)

// SegmentKind says what happened to a recorded file.
type SegmentKind string

// Kinds of segment events.
const (
	// SegmentOpened: a file was opened (created, or opened to append to)
	// and media is about to be written to it.
	SegmentOpened SegmentKind = "opened"
	// SegmentClosed: a file was closed; Closed is its record-done Event.
	SegmentClosed SegmentKind = "closed"
	// SegmentDiscarded: a file this recorder created was removed at close
	// because it held no media frame; no record-done Event tells of it.
	SegmentDiscarded SegmentKind = "discarded"
)

// Segment is one event of a recorded file's life, for subscribers that
// follow files while they are written (a recordings index).
type Segment struct {
	Kind     SegmentKind
	Path     string // the file as opened
	Recorder string // recorder name, "" for the application's inline recorder
	App      string
	Name     string // stream name as published
	Session  uint64 // connection number (clientid)
	Format   string // container format: "flv"
	Time     time.Time
	// Closed is the record-done event of a SegmentClosed; nil otherwise.
	Closed *Event
}

// DefaultSegmentQueue is a segment subscriber's queue length when
// Module.Segments is given 0.
const DefaultSegmentQueue = 1024

// Segments registers fn to receive every segment event, in order, on a
// goroutine of its own fed through a bounded queue of queue events
// (DefaultSegmentQueue when 0): a slow subscriber never delays the
// media path. When its queue is full, events are dropped for it, counted
// in SegmentDrops and logged; a subscriber that must not miss a file
// reconciles with the files on disk. The returned function unsubscribes:
// the events already queued are delivered, then the goroutine ends.
//
// The record-done subscribers (Events) are not affected: they still get
// every closed file synchronously, before the publish's close goes on.
func (m *Module) Segments(fn func(Segment), queue int) (unsubscribe func()) {
	if queue <= 0 {
		queue = DefaultSegmentQueue
	}
	s := &segmentSub{ch: make(chan Segment, queue), done: make(chan struct{})}
	go s.run(fn)
	m.mu.Lock()
	m.segs = append(m.segs, s)
	m.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			for i, x := range m.segs {
				if x == s {
					m.segs = append(m.segs[:i:i], m.segs[i+1:]...)
					break
				}
			}
			m.mu.Unlock()
			close(s.ch)
			<-s.done
		})
	}
}

// SegmentDrops is how many segment events were dropped because a
// subscriber's queue was full.
func (m *Module) SegmentDrops() uint64 { return m.segDrops.Load() }

// segmentSub is one Segments subscriber.
type segmentSub struct {
	ch      chan Segment
	done    chan struct{}
	dropped atomic.Bool // dropping since the last event that got through
}

func (s *segmentSub) run(fn func(Segment)) {
	defer close(s.done)
	for ev := range s.ch {
		fn(ev)
	}
}

// segment queues ev for every subscriber without waiting. It runs with
// the hook's mutex held, on the media path: a full queue drops.
func (m *Module) segment(ev Segment) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range m.segs {
		select {
		case s.ch <- ev:
			s.dropped.Store(false)
		default:
			m.segDrops.Add(1)
			if !s.dropped.Swap(true) {
				m.logger().Warn("record: segment event queue full; dropping events for a slow subscriber",
					"kind", string(ev.Kind), "path", ev.Path)
			}
		}
	}
}

// segmentOf is the segment event of kind k for n's current file.
func (n *node) segmentOf(k SegmentKind, at time.Time) Segment {
	return Segment{Kind: k, Path: n.path, Recorder: n.rec.Name, App: n.h.key.app, Name: n.h.key.name,
		Session: n.h.sid, Format: n.format(), Time: at}
}

// format is the container format of the node's files.
func (n *node) format() string { return n.caps.Name }
