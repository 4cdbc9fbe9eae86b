package control

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// DefaultBandwidthInterval is how often the bandwidth figures of /stat are
// recomputed, as nginx-rtmp's NGX_RTMP_BANDWIDTH_INTERVAL.
const DefaultBandwidthInterval = 10 * time.Second

// Module is the control API's entry in the daemon's module list. It meters
// every publish (bytes and bandwidth in, per media type, for /stat and
// /control/status) and tells drop when a dropped publisher is finished.
//
// Put it right BEFORE the recorders in the module list: its OnPublish then
// runs once notify and access allowed the publish, and, OnClose running in
// reverse order, its OnClose runs right after the recorders closed their
// files, which is what drop waits for (not for notify's publish_done).
type Module struct {
	// Now is the clock of the bandwidth windows. Default: time.Now.
	Now func() time.Time
	// BandwidthInterval is the bandwidth averaging window.
	// Default: DefaultBandwidthInterval.
	BandwidthInterval time.Duration

	accepted atomic.Uint64 // sessions that sent connect

	mu   sync.Mutex
	pubs map[*rtmp.Session]*Meter
}

var _ rtmp.Module = (*Module)(nil)

// Name returns "control".
func (m *Module) Name() string { return "control" }

// Hook returns the session's meter hooks; every connected session gets
// them.
func (m *Module) Hook(s *rtmp.Session) rtmp.Hooks {
	m.accepted.Add(1)
	h := &meterHook{m: m, s: s}
	return rtmp.Hooks{Publish: h, AV: h, Close: h}
}

// Accepted is the number of sessions that sent connect since start
// (naccepted in /stat).
func (m *Module) Accepted() uint64 { return m.accepted.Load() }

// Meter returns the meter of s's current publish, or nil when s is not
// publishing (or m is nil).
func (m *Module) Meter(s *rtmp.Session) *Meter {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pubs[s]
}

func (m *Module) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Module) interval() time.Duration {
	if m.BandwidthInterval > 0 {
		return m.BandwidthInterval
	}
	return DefaultBandwidthInterval
}

// Meter counts one publish's input. The counters are written by the
// session goroutine and read by HTTP handlers, hence atomics.
type Meter struct {
	start time.Time
	done  chan struct{} // closed after OnClose: the publish is finished

	bytes, audio, video     atomic.Uint64
	bwIn, bwAudio, bwVideo  atomic.Uint64 // bits/s over the last full window
	bwWire                  atomic.Uint64 // bits/s of every byte received, same window
	lastTS                  atomic.Int64  // timestamp of the last media message (ms)
	winStart                time.Time     // session goroutine only
	winIn, winAudio, winVid uint64        // counters at winStart
	winWire                 uint64        // the session's BytesIn at winStart
}

// Started is when the publish started.
func (mt *Meter) Started() time.Time { return mt.start }

// Done is closed once the publish ended and every later module's OnClose
// (the recorders') returned.
func (mt *Meter) Done() <-chan struct{} { return mt.done }

// BytesIn is the payload bytes of every audio and video message, what
// nginx-rtmp counts as a stream's bytes_in (data messages such as
// onMetaData and the chunk stream's own bytes are not counted).
func (mt *Meter) BytesIn() uint64 { return mt.bytes.Load() }

// BytesAudio and BytesVideo split BytesIn by media type.
func (mt *Meter) BytesAudio() uint64 { return mt.audio.Load() }

// BytesVideo is the payload bytes of video messages.
func (mt *Meter) BytesVideo() uint64 { return mt.video.Load() }

// Bandwidth returns the input, audio and video bandwidth in bits/s over
// the last full window; zero during the first window.
func (mt *Meter) Bandwidth() (in, audio, video uint64) {
	return mt.bwIn.Load(), mt.bwAudio.Load(), mt.bwVideo.Load()
}

// WireBandwidth is the bandwidth in bits/s of every byte the publishing
// connection received (chunk headers, commands, control messages, media)
// over the last full window: what nginx-rtmp's global bw_in counts.
func (mt *Meter) WireBandwidth() uint64 { return mt.bwWire.Load() }

// Timestamp is the timestamp (ms) of the last media message.
func (mt *Meter) Timestamp() int64 { return mt.lastTS.Load() }

// meterHook is one session's hook: a new Meter per publish.
type meterHook struct {
	m   *Module
	s   *rtmp.Session
	cur *Meter // session goroutine only
}

// OnPublish starts a meter. It never refuses.
func (h *meterHook) OnPublish(_ context.Context, _ *rtmp.Publish) error {
	now := h.m.now()
	h.cur = &Meter{start: now, winStart: now, winWire: h.wire(), done: make(chan struct{})}
	h.m.mu.Lock()
	if h.m.pubs == nil {
		h.m.pubs = make(map[*rtmp.Session]*Meter)
	}
	h.m.pubs[h.s] = h.cur
	h.m.mu.Unlock()
	return nil
}

// OnAV counts f; at the end of each window it publishes the bandwidth.
// No allocation.
func (h *meterHook) OnAV(f *media.Frame) {
	mt := h.cur
	if mt == nil {
		return
	}
	n := uint64(len(f.Payload))
	switch f.Type {
	case media.TypeAudio:
		mt.audio.Add(n)
	case media.TypeVideo:
		mt.video.Add(n)
	default:
		return
	}
	mt.bytes.Add(n)
	mt.lastTS.Store(f.Time)
	now := h.m.now()
	el := now.Sub(mt.winStart)
	if el < h.m.interval() {
		return
	}
	in, a, v := mt.bytes.Load(), mt.audio.Load(), mt.video.Load()
	mt.bwIn.Store(bitsPerSecond(in-mt.winIn, el))
	mt.bwAudio.Store(bitsPerSecond(a-mt.winAudio, el))
	mt.bwVideo.Store(bitsPerSecond(v-mt.winVid, el))
	wire := h.wire()
	mt.bwWire.Store(bitsPerSecond(wire-mt.winWire, el))
	mt.winStart, mt.winIn, mt.winAudio, mt.winVid, mt.winWire = now, in, a, v, wire
}

// wire is the bytes the session received so far (0 without a session,
// in unit tests).
func (h *meterHook) wire() uint64 {
	if h.s == nil {
		return 0
	}
	return h.s.BytesIn()
}

func bitsPerSecond(bytes uint64, d time.Duration) uint64 {
	return uint64(float64(bytes*8) / d.Seconds())
}

// OnClose ends the meter; placed before the recorders, it runs after them.
func (h *meterHook) OnClose(_ context.Context, _ rtmp.CloseReason) {
	mt := h.cur
	if mt == nil {
		return
	}
	h.cur = nil
	h.m.mu.Lock()
	if h.m.pubs[h.s] == mt {
		delete(h.m.pubs, h.s)
	}
	h.m.mu.Unlock()
	close(mt.done)
}
