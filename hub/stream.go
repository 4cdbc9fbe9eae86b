package hub

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
)

// DefaultBandwidthInterval is how often the bandwidth figures are
// recomputed, as nginx-rtmp's NGX_RTMP_BANDWIDTH_INTERVAL.
const DefaultBandwidthInterval = 10 * time.Second

// Recorder is a synchronous reader: OnAV runs on the publisher's
// goroutine for every frame, in the order of Stream.Start's list. It may
// block (a slow disk pushes back on the publisher) but must not allocate
// in steady state; f is valid only during the call. rtmp.AVHook is one.
type Recorder interface {
	OnAV(f *media.Frame)
}

// Options configure a Stream.
type Options struct {
	// Now is the clock of Started and of the bandwidth windows.
	// Default: time.Now.
	Now func() time.Time
	// BandwidthInterval is the bandwidth averaging window.
	// Default: DefaultBandwidthInterval.
	BandwidthInterval time.Duration
	// Codec returns the stream's current codec state (ingest keeps it, as
	// a redirected publish carries it over). Default: media.Empty.
	Codec func() *media.State
	// Wire returns every byte the publishing connection received so far
	// (handshake, chunk headers, commands, media), for WireBandwidth.
	// Default: none (0).
	Wire func() uint64
}

// Stream is one published stream. Write and Start are called by ingest,
// on the publisher's goroutine; every other method is safe from any
// goroutine.
type Stream struct {
	app   string
	name  atomic.Pointer[string]
	opts  Options
	start time.Time
	done  chan struct{}
	once  sync.Once

	counters
	recorders []Recorder // set by Start, before media flows

	// fan is nil while no queued reader is attached, so the media path of
	// a stream that only records is the counters and the recorders.
	fan    atomic.Bool
	mu     sync.Mutex // guards the readers, the GOP cache and fan's changes
	rd     []*Attachment
	gop    *gopCache
	holds  int // HoldGOP calls not yet released
	closed bool
}

// New returns the stream of a publish of app that is about to start.
func New(app string, o Options) *Stream {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.BandwidthInterval <= 0 {
		o.BandwidthInterval = DefaultBandwidthInterval
	}
	now := o.Now()
	s := &Stream{app: app, opts: o, start: now, done: make(chan struct{})}
	s.counters.winStart = now
	s.counters.winWire = s.wire()
	empty := ""
	s.name.Store(&empty)
	return s
}

// Start names the stream (its publish hooks may have renamed it) and
// sets the recorders that receive every frame, in order.
func (s *Stream) Start(name string, recorders []Recorder) {
	s.name.Store(&name)
	s.recorders = recorders
}

// App is the application the stream is published in.
func (s *Stream) App() string { return s.app }

// Name is the stream name, final once the publish started.
func (s *Stream) Name() string { return *s.name.Load() }

// Started is when the publish started.
func (s *Stream) Started() time.Time { return s.start }

// Codec returns the stream's current codec state: its tracks and their
// configuration, and the publisher's onMetaData; never nil.
func (s *Stream) Codec() *media.State {
	if s.opts.Codec == nil {
		return media.Empty
	}
	return s.opts.Codec()
}

// Done is closed once the publish ended and every module's OnClose
// returned: the recorders have finished their files.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Write hands one message to the stream: counters, then the recorders in
// order, then the queued readers (and the GOP cache when one of them
// needs it). It does not allocate in steady state.
func (s *Stream) Write(f *media.Frame) {
	s.count(f, s)
	for _, r := range s.recorders {
		r.OnAV(f)
	}
	if s.fan.Load() {
		s.fanOut(f)
	}
}

// Close ends the stream: Done is closed, and queued readers are told to
// stop once they have read what their queue holds (Close does not wait
// for them: a slow reader never delays the publisher's end). Ingest
// calls it after every OnClose.
func (s *Stream) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		rd := s.rd
		s.rd, s.gop, s.closed = nil, nil, true
		s.fan.Store(false)
		s.mu.Unlock()
		for _, a := range rd {
			a.q.close()
		}
		close(s.done)
	})
}

func (s *Stream) wire() uint64 {
	if s.opts.Wire == nil {
		return 0
	}
	return s.opts.Wire()
}
