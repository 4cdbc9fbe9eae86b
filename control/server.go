// Package control serves the `http {}` block of the configuration:
// nginx-rtmp's control API (`.../record/start|stop`, `.../drop/...`,
// `.../redirect/...`), our `/control/status` and `/control/reload`, and
// nginx-rtmp's `/stat` XML (plus `?format=json`). Handlers are thin: they
// select sessions from the RTMP registry and call the record module and
// the daemon's reload funnel through small interfaces.
//
// Usage:
//
//	meter := &control.Module{} // in the rtmp module list, right before the recorders
//	api := control.New(control.Options{Registry: srv.Registry(), Recorder: rec,
//		Reloader: d, Meter: meter, Version: version, Logger: log})
//	if err := api.Apply(cfg); err != nil { ... } // at start and on each reload
//	...
//	api.Shutdown(ctx)
package control

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// ErrClosed is returned by Apply after Shutdown.
var ErrClosed = errors.New("control: server closed")

// Registry lists the RTMP sessions; *rtmp.Registry implements it. A
// Registry that also has BytesIn() uint64 (the bytes received by every
// connection since start, as *rtmp.Registry) gives /stat its global
// bytes_in; otherwise that is the sum of the streams' figures.
type Registry interface {
	Sessions() []*rtmp.Session
}

// byteCounter is the optional BytesIn of a Registry.
type byteCounter interface {
	BytesIn() uint64
}

// Recorder is the record module's manual control; *record.Module
// implements it. Start and Stop return record's sentinel errors
// (ErrNoStream, ErrNoRecorder, ErrAlreadyRecording, ErrNotRecording).
type Recorder interface {
	Start(app, name, rec string) (string, error)
	Stop(app, name, rec string) (string, error)
	Recordings() []record.Recording
}

// Reloader is the daemon's reload funnel. Reload loads and applies the
// configuration file and returns once that is done; its error says why the
// running configuration was kept. ConfigStatus reports the running
// configuration and the outcome of the last reload.
type Reloader interface {
	Reload() error
	ConfigStatus() ConfigStatus
}

// Options configures a Server.
type Options struct {
	Registry Registry // required
	Recorder Recorder // nil: record endpoints answer 501
	Reloader Reloader // nil: reload answers 501, status has no config
	Meter    *Module  // nil: no byte counts or bandwidth, drop does not wait
	Metrics  Metrics  // nil: rtmp_metrics locations answer 501
	// RecordAPI returns the recordings API of a record_api location
	// mounted at prefix; the API checks token itself (it also takes signed
	// URLs). Nil: record_api locations answer 503.
	RecordAPI func(prefix, token string) http.Handler
	Version   string // reported by /stat (nginx_rtmp_version) and status
	Logger    *slog.Logger
	// Started is the daemon's start, for uptime. Default: New's time.
	Started time.Time
	// DropWait bounds how long drop waits for the dropped publishers'
	// recordings to be finished, and how long one redirect call may take
	// for all its publishers. Default: 10s.
	DropWait time.Duration
}

// Server runs the HTTP servers of the configuration's http blocks.
type Server struct {
	opts Options
	log  *slog.Logger
	cfg  atomic.Pointer[conf.Config]

	mu      sync.Mutex
	closed  bool
	live    map[listenKey]*binding
	serving sync.WaitGroup // one per binding until its http.Server is shut down
}

// listenKey names a listen directive across configurations: its address
// and which occurrence of it (port 0 may repeat).
type listenKey struct {
	addr string
	n    int
}

// binding is one listening socket and the http server block it serves;
// the block is swapped in place when a reload keeps the address.
type binding struct {
	ln     net.Listener
	hs     *http.Server
	block  atomic.Pointer[conf.HTTPServer]
	served chan struct{} // closed when Serve returned
}

// New returns a Server that listens nowhere until Apply.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Started.IsZero() {
		opts.Started = time.Now()
	}
	if opts.DropWait <= 0 {
		opts.DropWait = 10 * time.Second
	}
	return &Server{opts: opts, log: opts.Logger, live: map[listenKey]*binding{}}
}

// start serves b on its own goroutine.
func (s *Server) start(b *binding) {
	b.hs = &http.Server{
		Handler:           s.handler(b),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("http listening", "addr", b.ln.Addr().String())
	s.serving.Add(1)
	b.served = make(chan struct{})
	go func() {
		defer close(b.served)
		if err := b.hs.Serve(b.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server failed", "addr", b.ln.Addr().String(), "err", err)
		}
	}()
}

// retire shuts down a binding a reload removed; requests in flight get
// a few seconds to finish.
func (s *Server) retire(b *binding) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.stop(ctx, b)
	s.log.Info("http listener closed", "addr", b.ln.Addr().String())
}

// stop shuts b's server down and waits until its Serve returned. The
// listener is closed here too: Serve may not have registered it with the
// http.Server yet, and the port must be free when stop returns.
func (s *Server) stop(ctx context.Context, b *binding) error {
	defer s.serving.Done()
	err := b.hs.Shutdown(ctx)
	if err != nil {
		b.hs.Close()
	}
	b.ln.Close()
	<-b.served
	return err
}

// warnExposed warns when the control API is reachable beyond loopback
// without control_token: anyone on the network could drop publishers.
func (s *Server) warnExposed(b *binding, hs *conf.HTTPServer) {
	for _, loc := range exposed(b.ln.Addr(), hs) {
		s.log.Warn("the control API is reachable beyond loopback without control_token",
			"addr", b.ln.Addr().String(), "location", loc, "at", hs.Pos.FileLine())
	}
}

// exposed lists hs's control locations without a token when addr is not
// a loopback address (a bare port binds every interface).
func exposed(addr net.Addr, hs *conf.HTTPServer) []string {
	if ta, ok := addr.(*net.TCPAddr); !ok || ta.IP.IsLoopback() {
		return nil
	}
	var out []string
	for _, loc := range hs.Locations {
		if len(loc.Control) > 0 && loc.ControlToken == "" {
			out = append(out, loc.Path)
		}
	}
	return out
}

// Addrs returns the bound addresses, for tests that listen on port 0.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []net.Addr
	for _, b := range s.live {
		out = append(out, b.ln.Addr())
	}
	return out
}

// Shutdown stops accepting, lets requests in flight finish and returns
// when every HTTP server stopped, or with ctx's error when it expires
// (remaining connections are then closed).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	live := s.live
	s.live = map[listenKey]*binding{}
	s.mu.Unlock()
	var errs []error
	for _, b := range live {
		if err := s.stop(ctx, b); err != nil {
			errs = append(errs, err)
		}
	}
	done := make(chan struct{})
	go func() { s.serving.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}
