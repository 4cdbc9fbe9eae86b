package rtmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// testConfig is a snapshot with nginx-rtmp's defaults and the given
// applications (each with default settings unless modified by the caller).
func testConfig(apps ...string) *conf.Config {
	sc := &conf.Server{
		ChunkSize: 4096, MaxMessage: 1 << 20, Timeout: time.Minute, Ping: time.Minute,
		PingTimeout: 30 * time.Second, MaxStreams: 32, AckWindow: 5000000,
	}
	for _, a := range apps {
		sc.Applications = append(sc.Applications, &conf.Application{Name: a})
	}
	return &conf.Config{ShutdownTimeout: 5 * time.Second, Servers: []*conf.Server{sc}}
}

// fiveHoursPerRead is a wall clock for Options.Now that moves 5 hours on
// at every read: the timestamp-jump rule then takes frames stamped up to
// 4 h 39 min apart (past the 24-bit field) as streamed in real time.
func fiveHoursPerRead() func() time.Time {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(5 * time.Hour)
		return now
	}
}

// testServer runs a Server on 127.0.0.1:0 until the test ends.
type testServer struct {
	*Server
	addr string
	logs *logStore
}

func startServer(t testing.TB, cfg *conf.Config, opts Options) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logStore{}
	if opts.Logger == nil {
		opts.Logger = slog.New(&logHandler{store: logs})
	}
	opts.Config = func() *conf.Config { return cfg }
	srv := NewServer(opts)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln, 0) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return &testServer{Server: srv, addr: ln.Addr().String(), logs: logs}
}

// eventLog is shared by the test modules of one server: every callback
// appends a line, in the order they ran.
type eventLog struct {
	mu     sync.Mutex
	lines  []string
	frames map[string][]Frame // by module name; payloads copied
	notify chan struct{}
}

func newEventLog() *eventLog {
	return &eventLog{frames: map[string][]Frame{}, notify: make(chan struct{}, 1)}
}

func (l *eventLog) add(line string) {
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	select {
	case l.notify <- struct{}{}:
	default:
	}
}

func (l *eventLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

func (l *eventLog) framesOf(mod string) []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.frames[mod])
}

// waitFor polls until cond holds on the lines, failing after 10 s.
func (l *eventLog) waitFor(t testing.TB, what string, cond func(lines []string) bool) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		lines := l.snapshot()
		if cond(lines) {
			return lines
		}
		select {
		case <-l.notify:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s; events: %q", what, lines)
		}
	}
}

// waitLine waits until line has been logged.
func (l *eventLog) waitLine(t testing.TB, line string) []string {
	t.Helper()
	return l.waitFor(t, line, func(lines []string) bool { return slices.Contains(lines, line) })
}

func count(lines []string, line string) int {
	n := 0
	for _, l := range lines {
		if l == line {
			n++
		}
	}
	return n
}

// testModule records every callback of its hooks in an eventLog.
type testModule struct {
	name      string
	log       *eventLog
	noHook    bool                       // Hook returns nil
	connectOK func(*Connect) error       // OnConnect verdict; nil = accept
	publishOK func(*Publish) error       // OnPublish verdict (may rename); nil = accept
	noPublish bool                       // hook without OnPublish
	keepAV    bool                       // copy every frame
	onAV      func(s *Session, f *Frame) // extra check on the session goroutine
}

func (m *testModule) Name() string { return m.name }

func (m *testModule) Hook(s *Session) Hooks {
	m.log.add(m.name + ":hook " + s.App().Name)
	if m.noHook {
		return Hooks{}
	}
	h := &testHook{m: m, s: s}
	if m.noPublish {
		return Hooks{Connect: h, AV: h, Close: h}
	}
	return Hooks{Connect: h, Publish: h, AV: h, Close: h}
}

type testHook struct {
	m *testModule
	s *Session
}

func (h *testHook) OnConnect(ctx context.Context, c *Connect) error {
	h.m.log.add(fmt.Sprintf("%s:connect %s args=%s", h.m.name, c.App, c.Args))
	if h.m.connectOK != nil {
		return h.m.connectOK(c)
	}
	return nil
}

func (h *testHook) OnAV(f *Frame) {
	if h.m.onAV != nil {
		h.m.onAV(h.s, f)
	}
	if !h.m.keepAV {
		return
	}
	c := *f
	c.Payload, c.Units = slices.Clone(f.Payload), nil // Units alias the session's buffers
	h.m.log.mu.Lock()
	h.m.log.frames[h.m.name] = append(h.m.log.frames[h.m.name], c)
	h.m.log.mu.Unlock()
	select {
	case h.m.log.notify <- struct{}{}:
	default:
	}
}

func (h *testHook) OnClose(ctx context.Context, why CloseReason) {
	_, hasDeadline := ctx.Deadline()
	line := fmt.Sprintf("%s:close %s", h.m.name, why)
	if hasDeadline {
		line += " deadline"
	}
	h.m.log.add(line)
}

func (h *testHook) OnPublish(ctx context.Context, p *Publish) error {
	h.m.log.add(fmt.Sprintf("%s:publish %s args=%s type=%s", h.m.name, p.Name, p.Args, p.Type))
	if h.m.publishOK != nil {
		return h.m.publishOK(p)
	}
	return nil
}

// logStore keeps every record a test server logs.
type logStore struct {
	mu      sync.Mutex
	records []string // "LEVEL msg k=v ..."
}

func (s *logStore) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.records)
}

// matching returns the records at level that contain every substring.
func (s *logStore) matching(level slog.Level, subs ...string) []string {
	var out []string
	for _, r := range s.all() {
		if !strings.HasPrefix(r, level.String()+" ") {
			continue
		}
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(r, sub)
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

type logHandler struct {
	store *logStore
	attrs []slog.Attr
}

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	h.store.mu.Lock()
	h.store.records = append(h.store.records, b.String())
	h.store.mu.Unlock()
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{store: h.store, attrs: append(slices.Clone(h.attrs), as...)}
}

func (h *logHandler) WithGroup(string) slog.Handler { return h }
