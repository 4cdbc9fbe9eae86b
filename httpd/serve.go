package httpd

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/listen"
)

// ErrClosed is returned by Apply after Shutdown.
var ErrClosed = errors.New("httpd: server closed")

// Request limits shared by every location.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
	// retireGrace is how long requests in flight on a listener that a
	// reload removed may take to finish.
	retireGrace = 5 * time.Second
)

// site is one served socket and the http block it serves; the block is
// swapped in place when a reload keeps the address, so that every
// connection, kept-alive ones included, sees the new block at once.
type site struct {
	b      *listen.Binding
	port   *listen.Port
	hs     *http.Server
	at     atomic.Pointer[served]
	served chan struct{} // closed when hs.Serve returned
}

// served is the block a site serves and the configuration it belongs to.
type served struct {
	block *conf.HTTPServer
	cfg   *conf.Config
}

var _ listen.Server = (*Router)(nil)

// Serve starts serving b, block b.Block of cfg (listen.Server).
func (rt *Router) Serve(b *listen.Binding, cfg *conf.Config) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return
	}
	s := &site{b: b, port: b.Listener(), served: make(chan struct{})}
	s.at.Store(&served{cfg.HTTP[b.Block], cfg})
	s.hs = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			at := s.at.Load()
			rt.serve(w, r, at.block, at.cfg)
		}),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slogLogger(rt),
	}
	addr := b.Bound().String()
	rt.log.Info("http listening", "addr", addr)
	rt.serving.Add(1)
	go func() {
		defer close(s.served)
		err := s.hs.Serve(s.port)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			rt.log.Error("http server failed", "addr", addr, "err", err)
		}
	}()
	rt.sites[b] = s
	rt.warnExposed(b.Bound(), cfg.HTTP[b.Block])
}

// Keep points a kept binding at its block of cfg (listen.Server).
func (rt *Router) Keep(b *listen.Binding, cfg *conf.Config) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if s := rt.sites[b]; s != nil {
		s.at.Store(&served{cfg.HTTP[b.Block], cfg})
		rt.warnExposed(b.Bound(), cfg.HTTP[b.Block])
	}
}

// Unserve stops accepting on b at once; requests in flight get
// retireGrace to finish, in the background (listen.Server).
func (rt *Router) Unserve(b *listen.Binding) {
	rt.mu.Lock()
	s := rt.sites[b]
	delete(rt.sites, b)
	rt.mu.Unlock()
	if s == nil {
		return
	}
	s.port.Close()
	<-s.served
	go rt.retire(s)
}

// Closed is told that b's socket closed (listen.Server); retire logs it.
func (rt *Router) Closed(*listen.Binding) {}

// retire shuts down a site that stopped accepting.
func (rt *Router) retire(s *site) {
	ctx, cancel := context.WithTimeout(context.Background(), retireGrace)
	defer cancel()
	rt.stop(ctx, s)
	rt.log.Info("http listener closed", "addr", s.b.Bound().String())
}

// stop shuts s's server down (closing idle connections, waiting for
// active ones until ctx expires, then closing them) and waits until its
// Serve returned.
func (rt *Router) stop(ctx context.Context, s *site) error {
	defer rt.serving.Done()
	err := s.hs.Shutdown(ctx)
	if err != nil {
		s.hs.Close()
	}
	s.port.Close()
	<-s.served
	return err
}

// Addrs returns the bound addresses, for tests that listen on port 0.
func (rt *Router) Addrs() []net.Addr {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []net.Addr
	for b := range rt.sites {
		out = append(out, b.Bound())
	}
	return out
}

// Apply serves cfg's http blocks on sockets of the router's own (for a
// router used without the daemon's planner): at start and after every
// applied reload, from one goroutine at a time. On error nothing changed.
func (rt *Router) Apply(cfg *conf.Config) error {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return ErrClosed
	}
	if rt.own == nil {
		rt.own = listen.NewSet(rt.log, map[string]listen.Server{listen.HTTP: rt})
	}
	rt.mu.Unlock()
	p, err := rt.own.Prepare(cfg)
	if err != nil {
		return err
	}
	p.Detach()
	p.Commit()
	return nil
}

// Shutdown stops accepting, lets requests in flight finish and returns
// when every HTTP server stopped, or with ctx's error when it expires
// (remaining connections are then closed). The sockets of the daemon's
// planner are closed by the planner; those of Apply, here.
func (rt *Router) Shutdown(ctx context.Context) error {
	rt.mu.Lock()
	rt.closed = true
	sites := rt.sites
	rt.sites = map[*listen.Binding]*site{}
	own := rt.own
	rt.mu.Unlock()
	if own != nil {
		own.Close()
	}
	var errs []error
	for _, s := range sites {
		if err := rt.stop(ctx, s); err != nil {
			errs = append(errs, err)
		}
	}
	done := make(chan struct{})
	go func() { rt.serving.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		errs = append(errs, ctx.Err())
	}
	return errors.Join(errs...)
}
