package metrics

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// appStats are one application's counters. They are created at the
// application's first publish and never removed: a counter that vanished
// and came back at zero would look like a reset to rate().
type appStats struct {
	bytes     atomic.Uint64 // payload bytes of audio, video and data messages
	publishes atomic.Uint64 // publishes whose hooks all allowed them
}

// stream is one running publish, for the per-stream series. It lives
// from OnPublish to OnClose, so its series disappear on unpublish.
type stream struct {
	app, name    string
	start        time.Time
	bytes        atomic.Uint64
	audio, video atomic.Uint64 // messages
}

// live holds the counters the media path adds to. Its mutex is taken at
// publish start and end and by scrapes, never per frame.
type live struct {
	mu      sync.Mutex
	apps    map[string]*appStats
	streams map[*stream]struct{}
}

func newLive() *live {
	return &live{apps: map[string]*appStats{}, streams: map[*stream]struct{}{}}
}

// open starts the counters of a publish of app/name.
func (l *live) open(app, name string) (*appStats, *stream) {
	st := &stream{app: app, name: name, start: time.Now()}
	l.mu.Lock()
	defer l.mu.Unlock()
	a := l.apps[app]
	if a == nil {
		a = &appStats{}
		l.apps[app] = a
	}
	l.streams[st] = struct{}{}
	return a, st
}

func (l *live) close(st *stream) {
	l.mu.Lock()
	delete(l.streams, st)
	l.mu.Unlock()
}

// appSnapshot copies the application counters' map (not the counters).
func (l *live) appSnapshot() map[string]*appStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.apps)
}

// streamSnapshot lists the running publishes.
func (l *live) streamSnapshot() []*stream {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Collect(maps.Keys(l.streams))
}

// module is the Exporter's entry in the rtmp module list.
type module struct{ l *live }

var _ rtmp.Module = module{}

// Module returns the rtmp module that counts received bytes per
// application (and per stream). Put it last in the module list: its
// OnPublish then runs only for publishes every other module allowed,
// under the final (possibly renamed) stream name.
func (e *Exporter) Module() rtmp.Module { return module{e.live} }

// Name returns "metrics".
func (module) Name() string { return "metrics" }

// Hook returns a counting hook for every session of an application.
func (m module) Hook(s *rtmp.Session) rtmp.Hooks {
	if s.App() == nil {
		return rtmp.Hooks{}
	}
	h := &hook{l: m.l, app: s.App().Name}
	return rtmp.Hooks{Publish: h, AV: h, Close: h}
}

// hook counts one session's publishes. Session goroutine only.
type hook struct {
	l   *live
	app string
	a   *appStats
	st  *stream
}

// OnPublish resolves the counters once, so that OnAV only adds. It never
// refuses.
func (h *hook) OnPublish(_ context.Context, p *rtmp.Publish) error {
	h.a, h.st = h.l.open(h.app, p.Name)
	h.a.publishes.Add(1)
	return nil
}

// OnAV adds f to the counters: three atomic adds, no allocation.
func (h *hook) OnAV(f *media.Frame) {
	if h.st == nil {
		return
	}
	n := uint64(len(f.Payload))
	h.a.bytes.Add(n)
	h.st.bytes.Add(n)
	switch f.Type {
	case media.TypeAudio:
		h.st.audio.Add(1)
	case media.TypeVideo:
		h.st.video.Add(1)
	}
}

// OnClose drops the stream's series.
func (h *hook) OnClose(context.Context, rtmp.CloseReason) {
	if h.st != nil {
		h.l.close(h.st)
		h.st = nil
	}
}
