package main

import (
	"errors"
	"log/slog"
	"net"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/listen"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// rtmpListeners serves the planner's RTMP sockets with the RTMP server
// (listen.Server): one Serve per binding, for its server block. Only the
// reload goroutine (and start and shutdown) calls it.
type rtmpListeners struct {
	log     *slog.Logger
	srv     *rtmp.Server
	serving map[*listen.Binding]*rtmpPort
}

// rtmpPort is one binding's Serve.
type rtmpPort struct {
	port   *listen.Port
	served chan struct{} // closed when Serve returned
}

var _ listen.Server = (*rtmpListeners)(nil)

func newRTMPListeners(log *slog.Logger, srv *rtmp.Server) *rtmpListeners {
	return &rtmpListeners{log: log, srv: srv, serving: map[*listen.Binding]*rtmpPort{}}
}

// Serve runs the RTMP server on b for server block b.Block.
func (l *rtmpListeners) Serve(b *listen.Binding, _ *conf.Config) {
	p := &rtmpPort{port: b.Listener(), served: make(chan struct{})}
	l.serving[b] = p
	addr := b.Bound().String()
	go func(server int) {
		defer close(p.served)
		err := l.srv.Serve(p.port, server)
		if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, rtmp.ErrServerClosed) {
			l.log.Error("listener stopped", "addr", addr, "err", err)
		}
	}(b.Block)
	if b.HandedOver {
		l.log.Info("listener moved to another rtmp server", "addr", addr, "server", b.Block)
		return
	}
	l.log.Info("listening on "+addr, "addr", addr, "server", b.Block)
}

// Unserve ends b's Serve and waits for it: a connection it accepted has
// then pinned the configuration it was accepted with.
func (l *rtmpListeners) Unserve(b *listen.Binding) {
	p := l.serving[b]
	delete(l.serving, b)
	if p == nil {
		return
	}
	p.port.Close()
	<-p.served
}

// Keep does nothing: a kept RTMP binding keeps its block (a change of
// block is a hand-over, see listen.Want.Pinned).
func (l *rtmpListeners) Keep(*listen.Binding, *conf.Config) {}

// Closed logs a removed socket once it refuses connections.
func (l *rtmpListeners) Closed(b *listen.Binding) {
	addr := b.Bound().String()
	l.log.Info("stopped listening on "+addr, "addr", addr)
}
