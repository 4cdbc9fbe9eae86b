// Package testserver runs rtmprecd's RTMP server inside a test process:
// one configuration, the caller's module list, a 127.0.0.1:0 listener, a
// log buffer shown when the test fails, and a stop that runs at cleanup.
// The packages' end-to-end tests share it so that they start and stop the
// server the same way; anything a package needs on top (event collection,
// HTTP receivers, the control API) stays in that package.
package testserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// Options says what to serve and how to stop. Exactly one of Config and
// Source is set.
type Options struct {
	// Config is configuration text, loaded with conf.LoadBytes; its first
	// server block is served whatever address it listens on.
	Config string
	// Source supplies the configuration instead of Config, for tests that
	// load a file or swap the configuration (reloads).
	Source func() *conf.Config
	// Modules is the module list, in order.
	Modules []rtmp.Module
	// Logs receives the server's log when Logger is nil; it is shown when
	// the test fails. Nil means a new buffer (see Server.Logs).
	Logs *LogBuffer
	// Logger is the server's logger; nil means a text logger at debug
	// level writing to Logs. Modules built before Start take theirs from
	// Logs.Logger.
	Logger *slog.Logger
	// HandshakeTimeout is passed to the server (zero: its default).
	HandshakeTimeout time.Duration
	// Drain, when positive, makes Stop wait up to that long for the
	// sessions to end before shutting down, like nginx's graceful stop:
	// a publisher that has disconnected may still be writing its last
	// frames. A session left after Drain fails the test.
	Drain time.Duration
	// ShutdownTimeout bounds Shutdown; zero means 10 seconds.
	ShutdownTimeout time.Duration
	// Now is passed to the server as its wall clock for the
	// timestamp-jump rule (nil: time.Now).
	Now func() time.Time
	// Registry is passed to the server (nil: its own).
	Registry *rtmp.Registry
}

// Server is a running in-process server.
type Server struct {
	t      testing.TB
	srv    *rtmp.Server
	addr   string
	logs   *LogBuffer
	opts   Options
	served chan error
	once   sync.Once
}

// Start serves opts on 127.0.0.1:0 and stops the server at cleanup. A
// configuration that does not load fails the test with its text.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	source := opts.Source
	if source == nil {
		cfg, err := conf.LoadBytes("test.conf", []byte(opts.Config))
		if err != nil {
			t.Fatalf("config: %v\n%s", err, opts.Config)
		}
		source = func() *conf.Config { return cfg }
	}
	s := &Server{t: t, logs: opts.Logs, opts: opts, served: make(chan error, 1)}
	if s.logs == nil {
		s.logs = &LogBuffer{}
	}
	log := opts.Logger
	if log == nil {
		log = s.logs.Logger(slog.LevelDebug)
	}
	s.srv = rtmp.NewServer(rtmp.Options{Modules: opts.Modules, Logger: log,
		Config: source, HandshakeTimeout: opts.HandshakeTimeout, Now: opts.Now, Registry: opts.Registry})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	go func() { s.served <- s.srv.Serve(ln, 0) }()
	t.Cleanup(s.Stop)
	return s
}

// Addr returns the RTMP listen address, host:port.
func (s *Server) Addr() string { return s.addr }

// URL returns the RTMP URL of stream name in application app.
func (s *Server) URL(app, name string) string {
	return fmt.Sprintf("rtmp://%s/%s/%s", s.addr, app, name)
}

// Registry returns the server's session registry.
func (s *Server) Registry() *rtmp.Registry { return s.srv.Registry() }

// RTMP returns the underlying server.
func (s *Server) RTMP() *rtmp.Server { return s.srv }

// Logs returns the log buffer (empty when Options.Logger writes elsewhere).
func (s *Server) Logs() *LogBuffer { return s.logs }

// Stop drains the sessions if Options.Drain asks for it, shuts the server
// down and checks that Serve returned; when the test has failed it shows
// the log. It runs at cleanup and may be called more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		if s.opts.Drain > 0 {
			if err := s.waitIdle(s.opts.Drain); err != nil {
				s.t.Error(err)
			}
		}
		timeout := s.opts.ShutdownTimeout
		if timeout == 0 {
			timeout = 10 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			s.t.Errorf("rtmprecd shutdown: %v", err)
		}
		if err := <-s.served; !errors.Is(err, rtmp.ErrServerClosed) {
			s.t.Errorf("rtmprecd serve: %v", err)
		}
		if s.t.Failed() && s.logs.Len() > 0 {
			s.t.Logf("rtmprecd log:\n%s", s.logs.String())
		}
	})
}

// waitIdle polls until the server has no session left.
func (s *Server) waitIdle(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for len(s.srv.Registry().Sessions()) > 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("rtmprecd: %d sessions still open after %v", len(s.srv.Registry().Sessions()), timeout)
		}
		<-tick.C
	}
	return nil
}
