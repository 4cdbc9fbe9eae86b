// Package accesslog writes nginx-rtmp's access log: one line per
// connection, when it closes, in the `log_format` of each `access_log`
// (nginx-rtmp's `combined` by default), to files that SIGUSR1 reopens.
//
// Usage, in the daemon's ordered module list:
//
//	al := &accesslog.Module{Logger: log}
//	modules := []rtmp.Module{al, notify, ...} // first: it sees the name the client asked for
//	services := service.List{..., al, ...}    // Prepare/Commit at start and reload, Stop at exit
//	al.Reopen()                               // on SIGUSR1
package accesslog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/service"
)

// writeErrorEvery bounds how often a failing log file is reported, as
// nginx-rtmp reports write errors at most once a minute.
const writeErrorEvery = time.Minute

// Module is the access log's entry in the module list. Put it FIRST: its
// OnPublish then records the stream name and args the client asked for,
// before on_publish may rename the stream, as nginx-rtmp's log module,
// which runs before notify. It implements rtmp.SessionEndHook, so that
// every connection gets its line, also one that never named an
// application (with its server's access_log).
type Module struct {
	Logger *slog.Logger
	// Now is the clock of $time_local and the session times.
	// Default: time.Now.
	Now func() time.Time

	pubs sync.Map // *rtmp.Session → *hook, for sessions whose application logs

	mu     sync.Mutex
	files  map[string]*os.File
	failed map[string]time.Time // when a write error on a path was last logged
}

var (
	_ rtmp.Module         = (*Module)(nil)
	_ rtmp.SessionEndHook = (*Module)(nil)
	_ service.Service     = (*Module)(nil)
)

// Name returns "access_log".
func (m *Module) Name() string { return "access_log" }

// Hook returns the session's publish recorder when its application has an
// access log, else no hooks.
func (m *Module) Hook(s *rtmp.Session) rtmp.Hooks {
	if app := s.App(); app == nil || len(app.AccessLogs) == 0 {
		return rtmp.Hooks{}
	}
	h := &hook{}
	m.pubs.Store(s, h)
	return rtmp.Hooks{Publish: h}
}

// hook remembers the last publish the client asked for; it is used on the
// session's goroutine only (OnPublish, then SessionEnded).
type hook struct{ last *published }

// OnPublish records the name and args as asked; it never refuses.
func (h *hook) OnPublish(_ context.Context, p *rtmp.Publish) error {
	h.last = &published{name: p.Name, args: p.Args}
	return nil
}

// SessionEnded writes the connection's line to each access log of its
// application, or of its server when it named none.
func (m *Module) SessionEnded(s *rtmp.Session) {
	v, _ := m.pubs.LoadAndDelete(s)
	logs := s.Server().AccessLogs
	if app := s.App(); app != nil {
		logs = app.AccessLogs
	}
	if len(logs) == 0 {
		return
	}
	e := &entry{s: s, end: m.now()}
	if h, ok := v.(*hook); ok {
		e.publish = h.last
	}
	for _, l := range logs {
		m.write(l.Path, appendLine(nil, l.Format, e))
	}
}

func (m *Module) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// write appends line to the file at path with one write(2) (O_APPEND), so
// lines never mix, also with another process writing the file. A file that
// is not open yet (a session pinned to an older configuration) is opened
// now. The write holds the lock so that Reopen never closes a file under
// it: one short write per connection end.
func (m *Module) write(path string, line []byte) {
	m.mu.Lock()
	err := m.writeLocked(path, line)
	m.mu.Unlock()
	if err != nil {
		m.reportFailure(path, err)
	}
}

func (m *Module) writeLocked(path string, line []byte) error {
	f := m.files[path]
	if f == nil {
		var err error
		if f, err = open(path); err != nil {
			return err
		}
		m.addLocked(path, f)
	}
	_, err := f.Write(line)
	return err
}

func (m *Module) addLocked(path string, f *os.File) {
	if m.files == nil {
		m.files = map[string]*os.File{}
	}
	m.files[path] = f
}

func open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("access_log: %w", err)
	}
	return f, nil
}

// reportFailure logs a failed write at most once a minute per file; the
// lines in between are lost, as in nginx-rtmp.
func (m *Module) reportFailure(path string, err error) {
	now := m.now()
	m.mu.Lock()
	last, seen := m.failed[path]
	if seen && now.Sub(last) < writeErrorEvery {
		m.mu.Unlock()
		return
	}
	if m.failed == nil {
		m.failed = map[string]time.Time{}
	}
	m.failed[path] = now
	m.mu.Unlock()
	m.logger().Error("cannot write the access log; lines are lost", "path", path, "err", err)
}

func (m *Module) logger() *slog.Logger {
	if m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

// Prepare opens the access logs of cfg that are not open yet, so that a
// configuration whose log cannot be written does not start or reload;
// Commit keeps them, Abort closes them again (service.Service).
func (m *Module) Prepare(cfg *conf.Config) (service.Change, error) {
	opened := map[string]*os.File{}
	abort := func() {
		for _, f := range opened {
			f.Close()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, path := range Paths(cfg) {
		if m.files[path] != nil || opened[path] != nil {
			continue
		}
		f, err := open(path)
		if err != nil {
			abort()
			return nil, err
		}
		opened[path] = f
	}
	return service.Funcs{OnAbort: abort, OnCommit: func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		for p, f := range opened {
			if m.files[p] != nil { // a late session opened it meanwhile
				f.Close()
				continue
			}
			m.addLocked(p, f)
		}
	}}, nil
}

// Paths lists every access log file of cfg once, in order.
func Paths(cfg *conf.Config) []string {
	var out []string
	seen := map[string]bool{}
	add := func(logs []conf.AccessLog) {
		for _, l := range logs {
			if !seen[l.Path] {
				seen[l.Path] = true
				out = append(out, l.Path)
			}
		}
	}
	for _, s := range cfg.Servers {
		add(s.AccessLogs)
		for _, a := range s.Applications {
			add(a.AccessLogs)
		}
	}
	return out
}

// Reopen opens every access log file again and swaps it in (logrotate has
// moved the old ones away); a file that cannot be opened keeps its old
// descriptor, and the errors are returned. It reports how many files are
// open.
func (m *Module) Reopen() (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	for path, old := range m.files {
		f, err := open(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		m.files[path] = f
		old.Close()
	}
	return len(m.files), errors.Join(errs...)
}

// Stop closes every file once every session ended and wrote its line
// (service.Service).
func (m *Module) Stop(context.Context) error { return m.Close() }

// Close closes every file; a later line opens its file again.
func (m *Module) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	for p, f := range m.files {
		errs = append(errs, f.Close())
		delete(m.files, p)
	}
	return errors.Join(errs...)
}
