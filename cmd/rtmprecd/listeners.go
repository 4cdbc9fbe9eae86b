package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// listenKey names a listen directive across configurations: its address as
// written and which occurrence of that address it is (port 0 may repeat).
type listenKey struct {
	addr string
	n    int
}

// binding is one listen directive: its socket and the port serving it for
// one rtmp server index.
type binding struct {
	key    listenKey
	server int
	sock   *socket
	port   *port
}

// listenerSet holds the daemon's RTMP sockets. Only the reload goroutine
// (and startup, before it runs) touches it.
type listenerSet struct {
	log  *slog.Logger
	srv  *rtmp.Server
	live []*binding
}

// listenPlan is one configuration's listener changes. prepare binds the new
// sockets before the swap, so a bind failure changes nothing.
type listenPlan struct {
	set     *listenerSet
	next    []*binding // every binding of the new configuration
	added   []*binding // newly bound sockets
	moved   []*binding // kept sockets re-attached to another server index
	detach  []*binding // old bindings to stop serving before the swap
	removed []*binding // old bindings whose sockets close after the swap
}

// keys lists cfg's listen directives in order with their server index.
func keys(cfg *conf.Config) (ks []listenKey, servers []int, pos []string) {
	seen := map[string]int{}
	for i, s := range cfg.Servers {
		for _, l := range s.Listen {
			ks = append(ks, listenKey{addr: l.Addr, n: seen[l.Addr]})
			seen[l.Addr]++
			servers = append(servers, i)
			pos = append(pos, l.Pos.FileLine())
		}
	}
	return ks, servers, pos
}

// prepare matches cfg's listen directives with the live sockets and binds
// the missing ones. On error nothing is left bound and nothing changed.
func (ls *listenerSet) prepare(cfg *conf.Config) (*listenPlan, error) {
	old := map[listenKey]*binding{}
	for _, b := range ls.live {
		old[b.key] = b
	}
	p := &listenPlan{set: ls}
	ks, servers, pos := keys(cfg)
	for i, k := range ks {
		ob := old[k]
		delete(old, k)
		switch {
		case ob != nil && ob.server == servers[i]:
			p.next = append(p.next, ob)
		case ob != nil:
			nb := &binding{key: k, server: servers[i], sock: ob.sock}
			p.next, p.moved, p.detach = append(p.next, nb), append(p.moved, nb), append(p.detach, ob)
		default:
			ln, err := net.Listen("tcp", k.addr)
			if err != nil {
				p.abort()
				return nil, fmt.Errorf("listen %s in %s: %w", k.addr, pos[i], err)
			}
			nb := &binding{key: k, server: servers[i], sock: newSocket(k.addr, ln)}
			p.next, p.added = append(p.next, nb), append(p.added, nb)
		}
	}
	for _, b := range ls.live { // keep config order in the logs
		if old[b.key] == b {
			p.removed, p.detach = append(p.removed, b), append(p.detach, b)
		}
	}
	return p, nil
}

// abort closes the sockets prepare bound; the live set is untouched.
func (p *listenPlan) abort() {
	for _, b := range p.added {
		b.sock.close()
	}
}

// stopServing ends the Serve of every binding that is removed or moves to
// another server index, and waits for it: a connection it accepted has then
// pinned the old configuration with the old index, and none can pair the new
// configuration with a stale index. New connections wait in the backlog.
func (p *listenPlan) stopServing() {
	for _, b := range p.detach {
		b.port.Close()
		<-b.port.served
	}
}

// commit runs after the swap: serve the added and moved bindings with the
// new configuration and close the removed sockets.
func (p *listenPlan) commit() {
	log := p.set.log
	for _, b := range p.added {
		p.set.serve(b)
		addr := b.sock.ln.Addr().String()
		log.Info("listening on "+addr, "addr", addr, "server", b.server)
	}
	for _, b := range p.moved {
		p.set.serve(b)
		log.Info("listener moved to another rtmp server", "addr", b.sock.ln.Addr().String(), "server", b.server)
	}
	for _, b := range p.removed {
		addr := b.sock.ln.Addr().String()
		b.sock.close()
		log.Info("stopped listening on "+addr, "addr", addr)
	}
	p.set.live = p.next
}

// serve attaches a port to b's socket and runs the server on it.
func (ls *listenerSet) serve(b *binding) {
	b.port = b.sock.attach()
	go func(pt *port, server int) {
		defer close(pt.served)
		err := ls.srv.Serve(pt, server)
		if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, rtmp.ErrServerClosed) {
			ls.log.Error("listener stopped", "addr", pt.Addr().String(), "err", err)
		}
	}(b.port, b.server)
}

// closeAll closes every socket: nothing more is accepted.
func (ls *listenerSet) closeAll() {
	for _, b := range ls.live {
		b.sock.close()
	}
}
