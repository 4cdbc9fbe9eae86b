package record

import (
	"cmp"
	"slices"
	"time"
)

// Recording is one open file, as the control API's status and /stat
// report it.
type Recording struct {
	Session  uint64 // connection number of the publisher
	App      string // application name
	Name     string // stream name as published
	Recorder string // recorder name, "" for the inline recorder
	Path     string // the file as opened
	Size     int64  // bytes written so far
	// Duration is the media time written so far (last minus first
	// timestamp); 0 until the first frame is in the file.
	Duration time.Duration
	Opened   time.Time // wall clock at open
}

// Recordings lists every open file, ordered by session then recorder
// order. It is a snapshot: safe from any goroutine, it holds each
// publisher's lock only while copying that publisher's nodes.
func (m *Module) Recordings() []Recording {
	hooks := m.hooksBySession()
	var out []Recording
	for _, h := range hooks {
		out = h.recordings(out)
	}
	return out
}

// recordings appends h's open files to out.
func (h *hook) recordings(out []Recording) []Recording {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.live {
		return out
	}
	for _, n := range h.nodes {
		if n.w == nil {
			continue
		}
		r := Recording{
			Session: h.sid, App: h.key.app, Name: h.key.name, Recorder: n.rec.Name,
			Path: n.path, Size: n.w.Size(), Opened: n.opened,
		}
		if n.frames > 0 {
			r.Duration = time.Duration(n.last-n.first) * time.Millisecond
		}
		out = append(out, r)
	}
	return out
}

// Window is a scheduled recorder of a live publish, as the control
// API's status reports it: whether its record_schedule is open now, and
// the span of windows (their union) open now or opening next.
type Window struct {
	Session  uint64
	App      string
	Name     string
	Recorder string
	Open     bool
	// Start and End bound the span; both zero when no window opens again
	// (dates in the past). A span longer than a week ends a week ahead.
	Start, End time.Time
}

// Windows lists the scheduled recorders of every publish, ordered by
// session then recorder order, at the module's clock.
func (m *Module) Windows() []Window {
	hooks := m.hooksBySession()
	now := m.now()
	var out []Window
	for _, h := range hooks {
		out = h.windows(out, now)
	}
	return out
}

func (h *hook) windows(out []Window, now time.Time) []Window {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.live {
		return out
	}
	for _, n := range h.nodes {
		if n.sched == nil {
			continue
		}
		w := Window{Session: h.sid, App: h.key.app, Name: h.key.name, Recorder: n.rec.Name, Open: n.sched.active(now)}
		if sp, ok := n.sched.next(now); ok {
			w.Start, w.End = sp.start, sp.end
		}
		out = append(out, w)
	}
	return out
}

// hooksBySession is a snapshot of every publish's hook, ordered by
// session id.
func (m *Module) hooksBySession() []*hook {
	m.mu.Lock()
	var hooks []*hook
	for _, hs := range m.streams {
		hooks = append(hooks, hs...)
	}
	m.mu.Unlock()
	slices.SortFunc(hooks, func(a, b *hook) int { return cmp.Compare(a.sid, b.sid) })
	return hooks
}
