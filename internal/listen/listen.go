// Package listen is the one listener planner of the daemon: it binds the
// TCP sockets of every listen directive, rtmp and http alike, and carries
// them across configurations. A reload is planned in three steps around
// the swap of the configuration snapshot:
//
//	plan, err := set.Prepare(cfg) // bind new addresses; nothing changed on error
//	plan.Detach()                 // before the swap: unserve what goes away or changes hands
//	swap the snapshot
//	plan.Commit()                 // after the swap: serve the new, close the removed
//
// or plan.Abort() instead of the last two, which leaves the running
// configuration as it was. A listen directive is identified across
// configurations by its address as written and its occurrence (port 0 may
// repeat): a kept address keeps its socket, even when it moves to another
// server block or from rtmp to http, so it never stops accepting.
//
// An IPv4 address binds IPv4 only, an IPv6 address IPv6 only, and a bare
// port (or `*:PORT`) the IPv6 wildcard as a dual-stack socket, which
// serves both. Addresses that overlap without being equal cannot be bound
// side by side: the dual-stack socket also holds the IPv4 wildcard, so
// `listen 1935;` → `listen 0.0.0.0:1935;` fails with "address already in
// use" while the old socket lives. When a
// bind fails so, Prepare closes the removed sockets that overlap the
// address (their servers stop serving them first) and binds again; Abort
// binds them again and serves them as before. The old socket is closed
// rather than reused, since reusing the dual-stack socket for
// 0.0.0.0:1935 would leave IPv6 open by accident. While it is rebound,
// connection attempts to that port are refused.
package listen

import (
	"github.com/rtmprecd/rtmprecd/conf"
)

// Names of the servers a Set feeds, as in Want.Server.
const (
	RTMP = "rtmp"
	HTTP = "http"
)

// Server serves the sockets of one protocol. The planner calls it from the
// reload goroutine only (and at start and shutdown), never concurrently.
type Server interface {
	// Serve starts serving b for block b.Block of cfg, after the swap: a
	// newly bound socket, or one handed over (b.HandedOver) from another
	// server or block. Abort also calls it, with the running
	// configuration, for a binding it bound again.
	Serve(b *Binding, cfg *conf.Config)
	// Unserve stops serving b and returns once b accepts nothing more for
	// this server (requests in flight may finish later): before the swap
	// for a binding that goes away or changes hands, and in Prepare for a
	// socket closed to free an overlapping address.
	Unserve(b *Binding)
	// Keep tells the server, after the swap, that b goes on serving,
	// block b.Block of cfg.
	Keep(b *Binding, cfg *conf.Config)
	// Closed tells that b's socket closed for good after the swap.
	Closed(b *Binding)
}

// Want is one listen directive of a configuration.
type Want struct {
	Addr   string // as net.Listen takes it: "host:port" or ":port"
	Server string // RTMP or HTTP
	Block  int    // index of its server block among the Server's blocks
	// Pinned means a connection pins its block at accept (rtmp): a kept
	// socket whose block changes is unserved before the swap and served
	// again after it, so that no connection pairs the new configuration
	// with the old block index.
	Pinned bool
	Pos    string // FILE:LINE, for errors
}

// Wants lists cfg's listen directives, rtmp servers first, in order.
func Wants(cfg *conf.Config) []Want {
	var out []Want
	for i, s := range cfg.Servers {
		for _, l := range s.Listen {
			out = append(out, Want{Addr: l.Addr, Server: RTMP, Block: i, Pinned: true, Pos: l.Pos.FileLine()})
		}
	}
	for i, hs := range cfg.HTTP {
		for _, l := range hs.Listen {
			out = append(out, Want{Addr: l.Addr, Server: HTTP, Block: i, Pos: l.Pos.FileLine()})
		}
	}
	return out
}

// directive names a Want's directive in errors, as the configuration
// spells its block.
func (w Want) directive() string {
	if w.Server == HTTP {
		return "http listen"
	}
	return "listen"
}
