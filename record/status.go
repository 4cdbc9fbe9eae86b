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
	m.mu.Lock()
	var hooks []*hook
	for _, hs := range m.streams {
		hooks = append(hooks, hs...)
	}
	m.mu.Unlock()
	slices.SortFunc(hooks, func(a, b *hook) int { return cmp.Compare(a.sid, b.sid) })
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
