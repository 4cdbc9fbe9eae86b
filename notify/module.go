package notify

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Defaults of the retry policy for fire-and-forget calls.
const (
	DefaultRetries = 3
	DefaultBackoff = time.Second
)

// Module sends the callbacks and runs the exec commands of every session.
// Set the fields before the first session; the zero value is ready to use.
type Module struct {
	// Logger receives failures and verdicts. Default: slog.Default().
	Logger *slog.Logger
	// Retries is how many times a failed record_done, publish_done or
	// done call is retried (no answer or a 5xx). Default: DefaultRetries;
	// negative means never.
	Retries int
	// Backoff is the wait before the first retry, doubled for each next
	// one. Default: DefaultBackoff.
	Backoff time.Duration
	// Observer, when set, is told about every callback attempt and exec
	// command (metrics). Default: none.
	Observer Observer
	// MaxQueued is how many exec_* commands wait for a free slot, first
	// come first run; a command beyond it is dropped with a log line and
	// counted. Default: DefaultMaxQueued; negative means none wait.
	MaxQueued int

	clientOnce sync.Once
	client     *http.Client

	mu    sync.Mutex
	hooks map[uint64]*hook // publishing sessions by id, for RecordDone
	busy  int              // running queues and exec commands, queued or running
	idle  chan struct{}    // closed when busy drops to 0

	pool pool // exec_* children
	// limit is how many exec_* children may run at once in the
	// whole process: exec_max_children of the committed configuration
	// (see Prepare), read at every start so that a reload applies to the
	// next command; 0 until a configuration is committed.
	limit atomic.Int64
}

var _ rtmp.Module = (*Module)(nil)

// Name returns "notify".
func (m *Module) Name() string { return "notify" }

// Hook returns the session's hooks, none when its application has no
// callback and no exec command. Media never reaches it: on_update reads
// the stream hub's last timestamp.
func (m *Module) Hook(s *rtmp.Session) rtmp.Hooks {
	app := s.App()
	if app == nil || !uses(app) {
		return rtmp.Hooks{}
	}
	h := newHook(m, s, app)
	return rtmp.Hooks{Connect: h, Publish: h, Close: h}
}

// uses reports whether app configures anything this module does.
func uses(app *conf.Application) bool {
	n, e := app.Notify, app.Exec
	if n.OnConnect != "" || n.OnPublish != "" || n.OnPublishDone != "" || n.OnDone != "" || n.OnUpdate != "" ||
		len(e.Publish) > 0 || len(e.PublishDone) > 0 {
		return true
	}
	for _, r := range app.Recorders {
		if r.OnRecordDone != "" || len(r.ExecRecordDone) > 0 {
			return true
		}
	}
	return false
}

// Wait blocks until every queued call was sent (retries included) and
// every exec command, queued or running, has run and exited, or until ctx
// is done. The daemon calls it after
// the rtmp server's Shutdown; tests call it to settle.
func (m *Module) Wait(ctx context.Context) error {
	for {
		m.mu.Lock()
		if m.busy == 0 {
			m.mu.Unlock()
			return nil
		}
		idle := m.idle
		m.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (m *Module) busyAdd(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.busy == 0 && n > 0 {
		m.idle = make(chan struct{})
	}
	m.busy += n
	if m.busy == 0 {
		close(m.idle)
	}
}

func (m *Module) register(id uint64, h *hook) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hooks == nil {
		m.hooks = map[uint64]*hook{}
	}
	m.hooks[id] = h
}

func (m *Module) unregister(id uint64, h *hook) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hooks[id] == h {
		delete(m.hooks, id)
	}
}

func (m *Module) lookup(id uint64) *hook {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hooks[id]
}

func (m *Module) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

func (m *Module) httpClient() *http.Client {
	m.clientOnce.Do(func() { m.client = newHTTPClient() })
	return m.client
}

func (m *Module) retries() int {
	switch {
	case m.Retries < 0:
		return 0
	case m.Retries == 0:
		return DefaultRetries
	}
	return m.Retries
}

func (m *Module) backoff() time.Duration {
	if m.Backoff > 0 {
		return m.Backoff
	}
	return DefaultBackoff
}
