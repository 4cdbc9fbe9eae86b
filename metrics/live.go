package metrics

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// appStats are one application's counters. They are created at the
// application's first publish and never removed: a counter that vanished
// and came back at zero would look like a reset to rate().
type appStats struct {
	gone      uint64        // payload bytes of the application's ended publishes; under live.mu
	publishes atomic.Uint64 // publishes whose hooks all allowed them
}

// stream is one running publish, for the per-stream series: its stream
// hub holds the counters. It lives from OnPublish to OnClose, so its
// series disappear on unpublish.
type stream struct {
	app, name string
	start     time.Time
	hub       *hub.Stream
}

// bytes is the publish's audio, video and data payload so far.
func (st *stream) bytes() uint64 { return st.hub.BytesIn() + st.hub.BytesData() }

// live keeps the publishes running and the applications' totals. Its
// mutex is taken at publish start and end and by scrapes, never per frame:
// the media path counts in the stream hub.
type live struct {
	mu      sync.Mutex
	apps    map[string]*appStats
	streams map[*stream]struct{}
}

func newLive() *live {
	return &live{apps: map[string]*appStats{}, streams: map[*stream]struct{}{}}
}

// open starts the series of a publish of app/name counted by h.
func (l *live) open(app, name string, h *hub.Stream) (*appStats, *stream) {
	st := &stream{app: app, name: name, start: time.Now(), hub: h}
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

// close ends st, whose counters are final (its publisher sends no more),
// keeping its bytes in its application's total.
func (l *live) close(st *stream) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.streams[st]; ok {
		delete(l.streams, st)
		l.apps[st.app].gone += st.bytes()
	}
}

// appTotals are one application's figures at a scrape.
type appTotals struct{ bytes, publishes uint64 }

// appTotals returns every application's figures; bytes are its ended
// publishes' and its running ones' so far, so they never decrease.
func (l *live) appTotals() map[string]appTotals {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]appTotals, len(l.apps))
	for app, a := range l.apps {
		out[app] = appTotals{bytes: a.gone, publishes: a.publishes.Load()}
	}
	for st := range l.streams {
		t := out[st.app]
		t.bytes += st.bytes()
		out[st.app] = t
	}
	return out
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

// Module returns the rtmp module that reports received bytes per
// application (and per stream) from each publish's stream hub. Put it
// last in the module list: its OnPublish then runs only for publishes
// every other module allowed, under the final (possibly renamed) stream
// name.
func (e *Exporter) Module() rtmp.Module { return module{e.live} }

// Name returns "metrics".
func (module) Name() string { return "metrics" }

// Hook returns a hook for every session of an application.
func (m module) Hook(s *rtmp.Session) rtmp.Hooks {
	if s.App() == nil {
		return rtmp.Hooks{}
	}
	h := &hook{l: m.l, app: s.App().Name, stream: s.Stream}
	return rtmp.Hooks{Publish: h, Close: h}
}

// hook follows one session's publishes. Session goroutine only.
type hook struct {
	l      *live
	app    string
	stream func() *hub.Stream // the session's current stream hub
	st     *stream
}

// OnPublish starts the publish's series. It never refuses.
func (h *hook) OnPublish(_ context.Context, p *rtmp.Publish) error {
	hs := h.stream()
	if hs == nil {
		return nil
	}
	a, st := h.l.open(h.app, p.Name, hs)
	h.st = st
	a.publishes.Add(1)
	return nil
}

// OnClose drops the stream's series.
func (h *hook) OnClose(context.Context, rtmp.CloseReason) {
	if h.st != nil {
		h.l.close(h.st)
		h.st = nil
	}
}
