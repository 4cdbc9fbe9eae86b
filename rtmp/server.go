// Package rtmp is rtmprecd's server-side RTMP core: it accepts publishers,
// runs the protocol (handshake, chunk stream, AMF0 commands from the
// sub-packages handshake, chunk and amf), keeps the session registry and
// hands every session's media, classified by the media package (which
// also keeps each publish's codec state), to the modules' hooks (see
// Module).
//
// Usage: build one Server with NewServer, call Serve once per listener
// (each in its own goroutine), and Shutdown to stop:
//
//	srv := rtmp.NewServer(rtmp.Options{Modules: mods, Logger: log, Config: current.Load})
//	for i, sc := range cfg.Servers {
//		for _, l := range sc.Listen {
//			ln, err := net.Listen("tcp", l.Addr) // log "listening on " + ln.Addr().String()
//			...
//			go srv.Serve(ln, i) // returns ErrServerClosed after Shutdown
//		}
//	}
//	...
//	ctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
//	err := srv.Shutdown(ctx) // hooks' OnClose ran, or ctx expired
//
// Every connection pins the configuration snapshot that Options.Config
// returns when it is accepted, and serves it with the rtmp server block at
// the index given to Serve.
//
// Per connection, the protocol follows nginx-rtmp: a 10 s handshake
// deadline; the server's timeout on reads; a ping after `ping` of silence
// and a drop after `ping_timeout` more; connect answered with Window
// Acknowledgement Size, Set Peer Bandwidth, SetChunkSize (chunk_size) and
// _result; acknowledgements of the peer's window; at most max_streams
// message streams; one publisher per application and name;
// drop_idle_publisher. Clients that misbehave (malformed or oversized
// messages, commands before connect) are dropped and logged once, at Warn;
// connections that end before completing the handshake (health checks)
// are logged at Debug and counted (Registry.Stats). Before connect a
// connection may only send what connect needs, a message must complete
// within the timeout, and unfinished messages of all connections share
// one cap (partial.go); max_connections bounds the connections, closing
// idle ones first (limit.go); a publish whose timestamps jump is rebased
// or dropped (timeline.go).
// `live on|off` is accepted by the configuration and changes nothing here
// until live play exists.
//
// Cost per stream: while media flows, a publishing session reads its socket
// once per Options.PollInterval (50 ms) instead of waking for every
// message (poll.go), holds a read buffer only while it has unread bytes
// (readbuf.go), and its chunk streams borrow keyframe-sized buffers from a
// pool only while such a message arrives (package chunk).
package rtmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// ErrServerClosed is returned by Serve after Shutdown was called.
var ErrServerClosed = errors.New("rtmp: server closed")

// DefaultHandshakeTimeout bounds the whole handshake of a connection.
const DefaultHandshakeTimeout = 10 * time.Second

// Options configures a Server.
type Options struct {
	// Modules is the ordered module list: OnConnect and OnPublish run in
	// this order, OnClose in reverse.
	Modules []Module
	// Logger receives the server's and every session's records; nil
	// means slog.Default().
	Logger *slog.Logger
	// Config returns the current configuration snapshot. It is called once
	// per accepted connection and the result is pinned for the
	// connection's life, so a reload only affects new connections.
	Config func() *conf.Config
	// HandshakeTimeout bounds the handshake of each connection.
	// Default: DefaultHandshakeTimeout (10s); tests use shorter ones.
	HandshakeTimeout time.Duration
	// PollInterval is how often a publishing session reads its socket
	// while media flows, instead of waking for every message (see
	// poll.go); a negative value disables polling.
	// Default: DefaultPollInterval (50ms).
	PollInterval time.Duration
	// MaxPartialBytes caps the bytes that unfinished messages of all
	// connections hold together; past it, the connection holding the most
	// is dropped (partial.go). Default: DefaultMaxPartialBytes (256 MiB).
	MaxPartialBytes int64
	// Now is the wall clock that the timestamp-jump rule compares media
	// time with (timeline.go), and the clock of the stream hub's bandwidth
	// windows; tests advance it by days. Default: time.Now.
	Now func() time.Time
	// Registry is the session registry the server fills, made with
	// new(Registry) by a caller whose other parts (metrics) read it and
	// are built before the server; one server per registry. Default: a
	// registry of the server's own.
	Registry *Registry
	// BandwidthInterval is the stream hub's bandwidth averaging window
	// (/stat's bw_in). Default: hub.DefaultBandwidthInterval (10s).
	BandwidthInterval time.Duration
}

// Server accepts RTMP connections on any number of listeners and runs one
// Session per connection.
type Server struct {
	opts   Options
	log    *slog.Logger
	reg    *Registry
	nextID atomic.Uint64

	// base is the parent of every hook context; cancelled when Shutdown
	// gives up waiting.
	base       context.Context
	cancelBase context.CancelFunc

	poll      *tickClock // nil: polling disabled
	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	sessions  sync.WaitGroup
}

// NewServer returns a server that is not listening yet. opts.Config must
// not be nil.
func NewServer(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxPartialBytes <= 0 {
		opts.MaxPartialBytes = DefaultMaxPartialBytes
	}
	if opts.Registry == nil {
		opts.Registry = new(Registry)
	}
	s := &Server{opts: opts, log: opts.Logger, reg: opts.Registry, listeners: map[net.Listener]struct{}{}}
	if opts.PollInterval > 0 {
		s.poll = newTickClock(opts.PollInterval)
	}
	s.base, s.cancelBase = context.WithCancel(context.Background())
	nofile := nofileLimit()
	s.reg.init(opts.MaxPartialBytes, AutoMaxConnections(nofile))
	s.log.Info("rtmp: connection limit for max_connections auto", "max_connections", AutoMaxConnections(nofile), "rlimit_nofile", nofile)
	return s
}

func (s *Server) now() time.Time { return s.opts.Now() }

// Registry returns the server's session registry.
func (s *Server) Registry() *Registry { return s.reg }

// Serve accepts connections on ln until ln fails or Shutdown is called;
// each connection is served by the rtmp server block
// cfg.Servers[serverIndex] of the snapshot current at its accept.
// Temporary accept errors (such as running out of file descriptors) are
// retried with a backoff from 5 ms to 1 s, like net/http. Serve closes ln
// when it returns; after Shutdown it returns ErrServerClosed.
func (s *Server) Serve(ln net.Listener, serverIndex int) error {
	if !s.trackListener(ln) {
		ln.Close()
		return ErrServerClosed
	}
	defer s.untrackListener(ln)
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.reg.isClosed() {
				return ErrServerClosed
			}
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "addr", ln.Addr().String(), "delay", delay, "err", err)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("rtmp: accept on %s: %w", ln.Addr(), err)
		}
		delay = 0
		s.accept(c, serverIndex)
	}
}

// accept pins the configuration and starts the session's goroutine.
func (s *Server) accept(c net.Conn, serverIndex int) {
	cfg := s.opts.Config()
	if cfg == nil || serverIndex < 0 || serverIndex >= len(cfg.Servers) {
		s.log.Error("no rtmp server block for listener; closing connection",
			"server", serverIndex, "remote", c.RemoteAddr().String())
		c.Close()
		return
	}
	sess := newSession(s, c, cfg, cfg.Servers[serverIndex], s.nextID.Add(1))
	a := s.reg.add(sess, &s.sessions, cfg.MaxConnections)
	if a.victim != nil {
		a.victim.Logger().Debug("closing an idle connection to make room under max_connections", "addr", a.victim.addr, "stage", a.victim.stageName())
		a.victim.Drop(CloseDrop)
	}
	if a.warn {
		s.logLimit(a.ok)
	}
	if !a.ok {
		c.Close()
		return
	}
	go sess.serve()
}

// logLimit says, at most once a minute each, that the connection limit
// made the server close idle connections or refuse new ones.
func (s *Server) logLimit(roomMade bool) {
	limit := s.reg.MaxConnections()
	if roomMade {
		s.log.Warn("max_connections reached: closing idle connections (not connected to an application) to make room; logged once a minute",
			"max_connections", limit)
		return
	}
	s.log.Warn("max_connections reached and every connection is connected to an application: refusing new connections; logged once a minute",
		"max_connections", limit)
}

func (s *Server) trackListener(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reg.isClosed() {
		return false
	}
	s.listeners[ln] = struct{}{}
	return true
}

func (s *Server) untrackListener(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.listeners[ln]; ok {
		delete(s.listeners, ln)
		ln.Close()
	}
}

// Shutdown stops accepting (closing every listener given to Serve), drops
// every session with CloseShutdown so that the hooks' OnClose run (each
// with a deadline of the session's shutdown_timeout), and waits for the
// sessions to finish. When ctx expires first, it cancels the hooks'
// contexts, closes every remaining connection and returns ctx.Err().
func (s *Server) Shutdown(ctx context.Context) error {
	s.reg.close()
	s.mu.Lock()
	for ln := range s.listeners {
		ln.Close()
		delete(s.listeners, ln)
	}
	s.mu.Unlock()
	for _, sess := range s.reg.Sessions() {
		sess.Drop(CloseShutdown)
	}
	done := make(chan struct{})
	go func() {
		s.sessions.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.cancelBase()
		return nil
	case <-ctx.Done():
		s.cancelBase()
		for _, sess := range s.reg.Sessions() {
			sess.conn.Close()
		}
		return ctx.Err()
	}
}
