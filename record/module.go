package record

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Errors of the manual control operations, compared with errors.Is.
var (
	ErrNoStream         = errors.New("no such publishing stream")
	ErrNoRecorder       = errors.New("no such recorder")
	ErrAlreadyRecording = errors.New("already recording")
	ErrNotRecording     = errors.New("not recording")
)

// Module is the record module of the daemon's module list. Its zero value
// is ready to use; set the fields before the first session.
type Module struct {
	// Now is the clock for file names (record_unique, strftime suffixes),
	// record_interval and event times. Default: time.Now.
	Now func() time.Time
	// Logger receives one line per file opened and closed, and every
	// failure. Default: slog.Default().
	Logger *slog.Logger
	// BufferSize caps the buffer of whole tags each open file keeps
	// before writing. Default: 64 KiB.
	BufferSize int
	// FlushPeriod is the longest time written media stays in a buffer:
	// what a kill -9 can lose. Default: 1s.
	FlushPeriod time.Duration
	// Observer, when set, is told about every open, write, flush and
	// fdatasync (metrics). Default: none.
	Observer Observer

	// wrap and tick are test hooks: wrap sees every opened file (error
	// injection, syscall counting), tick replaces the flush ticker.
	wrap func(sink) sink
	tick func(time.Duration) (<-chan time.Time, func())

	files openFiles // the files being recorded, so two streams never write one

	mu       sync.Mutex
	flush    chan struct{}  // closes to stop the flush ticker; nil when stopped
	flushing sync.WaitGroup // the flush ticker's goroutine, while it runs
	stopped  bool           // the daemon stopped the flusher for good
	subs     []func(Event)
	// fileSubs receive FileEvents (the index).
	fileSubs []func(FileEvent)
	segs     []*segmentSub // Segments subscribers

	segDrops atomic.Uint64 // segment events dropped on full queues
	// streams indexes publishing hooks by application and stream name for
	// Start and Stop. A name can briefly have two hooks (a duplicate
	// publisher between its OnPublish and its rejection): the oldest wins.
	streams map[streamKey][]*hook
}

type streamKey struct{ app, name string }

var _ rtmp.Module = (*Module)(nil)

// Name returns "record".
func (m *Module) Name() string { return "record" }

// Hook returns the session's recorder hooks, none when the session's
// application has no recorder.
func (m *Module) Hook(s *rtmp.Session) rtmp.Hooks {
	app := s.App()
	if app == nil || len(app.Recorders) == 0 {
		return rtmp.Hooks{}
	}
	h := m.newHook(sessionSource{s}, s.ID(), app)
	return rtmp.Hooks{Publish: h, AV: h, Close: h}
}

// Events registers fn to receive an Event for every closed file. fn runs
// on the goroutine that closed the file (the session's, or the caller of
// Stop), after the file is closed, and must not block for long.
func (m *Module) Events(fn func(Event)) {
	m.mu.Lock()
	m.subs = append(m.subs, fn)
	m.mu.Unlock()
}

func (m *Module) emit(ev Event) {
	m.mu.Lock()
	subs := m.subs
	m.mu.Unlock()
	for _, fn := range subs {
		fn(ev)
	}
}

func (m *Module) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Module) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// Start opens a file for recorder rec ("" is the inline recorder) of the
// stream app/name at once and returns its path. A manual recorder then
// records until Stop or the end of the publish, rotating on its limits;
// an automatic recorder resumes its normal life. Nothing is written until
// the next break frame, so the file starts with a key frame.
func (m *Module) Start(app, name, rec string) (string, error) {
	h := m.lookup(app, name)
	if h == nil {
		return "", fmt.Errorf("record %s/%s: %w", app, name, ErrNoStream)
	}
	return h.start(rec)
}

// Stop closes recorder rec's file of the stream app/name and returns its
// path. A manual recorder stays stopped; an automatic one reopens at the
// next break frame, or once record_interval has elapsed since its last
// open when the interval is set (as nginx-rtmp).
func (m *Module) Stop(app, name, rec string) (string, error) {
	h := m.lookup(app, name)
	if h == nil {
		return "", fmt.Errorf("record %s/%s: %w", app, name, ErrNoStream)
	}
	return h.stop(rec)
}

func (m *Module) lookup(app, name string) *hook {
	m.mu.Lock()
	defer m.mu.Unlock()
	if hs := m.streams[streamKey{app, name}]; len(hs) > 0 {
		return hs[0]
	}
	return nil
}

func (m *Module) register(h *hook, k streamKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.streams == nil {
		m.streams = make(map[streamKey][]*hook)
	}
	if len(m.streams) == 0 {
		m.startFlusher()
	}
	m.streams[k] = append(m.streams[k], h)
}

func (m *Module) unregister(h *hook, k streamKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	hs := m.streams[k]
	for i, x := range hs {
		if x == h {
			hs = append(hs[:i:i], hs[i+1:]...)
			break
		}
	}
	if len(hs) == 0 {
		delete(m.streams, k)
	} else {
		m.streams[k] = hs
	}
	if len(m.streams) == 0 && m.flush != nil {
		close(m.flush)
		m.flush = nil
	}
}
