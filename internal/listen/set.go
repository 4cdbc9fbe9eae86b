package listen

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"

	"github.com/rtmprecd/rtmprecd/conf"
)

// Binding is one listen directive bound to a socket.
type Binding struct {
	Want
	// HandedOver is set for Serve when the socket was served by another
	// server or block until this configuration.
	HandedOver bool

	key   key
	sock  *socket
	freed bool // closed by Prepare to free an overlapping address
}

// Listener returns a new view of b's socket for one Serve; closing it ends
// that Serve and leaves the socket bound.
func (b *Binding) Listener() *Port { return b.sock.attach() }

// Bound is the address b's socket is bound to (with the port chosen for
// port 0).
func (b *Binding) Bound() net.Addr { return b.sock.ln.Addr() }

// key names a listen directive across configurations: its address as
// written and its occurrence. Port 0 may repeat and means a new port each
// time, so its occurrences are counted per server and the key names the
// server; any other address is one socket whoever serves it.
type key struct {
	server string // "" unless the port is 0
	addr   string
	n      int
}

// Set holds the daemon's sockets. Only the reload goroutine (and start and
// shutdown, before and after it runs) uses it.
type Set struct {
	log     *slog.Logger
	servers map[string]Server
	cfg     *conf.Config // the configuration live was committed with
	live    []*Binding   // in configuration order
}

// NewSet returns an empty set feeding servers, by Want.Server; listen
// directives of other servers are left out.
func NewSet(log *slog.Logger, servers map[string]Server) *Set {
	return &Set{log: log, servers: servers}
}

// Prepare matches cfg's listen directives with the live sockets and binds
// the missing ones. On error nothing is left bound and nothing changed.
// The caller must Abort the plan, or Detach and Commit it, before the
// next Prepare.
func (s *Set) Prepare(cfg *conf.Config) (*Plan, error) {
	p := &Plan{set: s, cfg: cfg}
	old := map[key]*Binding{}
	for _, b := range s.live {
		old[b.key] = b
	}
	var missing []*Binding
	seen := map[key]int{}
	for _, w := range Wants(cfg) {
		if s.servers[w.Server] == nil {
			continue
		}
		k := keyOf(w)
		k.n = seen[k]
		seen[k]++
		ob := old[k]
		delete(old, k)
		switch {
		case ob != nil && ob.Server == w.Server && (!w.Pinned || ob.Block == w.Block):
			p.kept = append(p.kept, kept{ob, w})
			p.next = append(p.next, ob)
		case ob != nil:
			nb := &Binding{Want: w, HandedOver: true, key: k, sock: ob.sock}
			p.next, p.moved, p.detach = append(p.next, nb), append(p.moved, nb), append(p.detach, ob)
		default:
			nb := &Binding{Want: w, key: k}
			p.next, missing = append(p.next, nb), append(missing, nb)
		}
	}
	for _, b := range s.live { // keep configuration order in the logs
		if old[b.key] == b {
			p.removed, p.detach = append(p.removed, b), append(p.detach, b)
		}
	}
	for _, nb := range missing {
		if err := p.bind(nb); err != nil {
			p.Abort()
			return nil, err
		}
	}
	return p, nil
}

func keyOf(w Want) key {
	if strings.HasSuffix(w.Addr, ":0") {
		return key{server: w.Server, addr: w.Addr}
	}
	return key{addr: w.Addr}
}

// bind binds nb's address. When a removed socket holds an overlapping
// address, it is closed (its server unserves it first) and the bind is
// tried again; Abort binds it again.
func (p *Plan) bind(nb *Binding) error {
	ln, err := bind(nb.Addr)
	if errors.Is(err, syscall.EADDRINUSE) && p.freeOverlapping(nb.Addr) {
		ln, err = bind(nb.Addr)
	}
	if err != nil {
		return fmt.Errorf("%s %s in %s: %w", nb.directive(), nb.Addr, nb.Pos, err)
	}
	nb.sock = newSocket(nb.Addr, ln)
	p.added = append(p.added, nb)
	return nil
}

// bind listens on addr in the family its host names: an IPv4 address
// (0.0.0.0 included) binds IPv4 only and an IPv6 one IPv6 only, as nginx
// does; a bare port (empty host) or a host name binds as Go's "tcp" does,
// a bare port being the dual-stack IPv6 wildcard. Go's "tcp" would make
// 0.0.0.0 dual-stack too, opening IPv6 where the configuration says IPv4.
func bind(addr string) (net.Listener, error) {
	network := "tcp"
	if host, _, err := net.SplitHostPort(addr); err == nil {
		if ip, err := netip.ParseAddr(host); err == nil {
			network = "tcp6"
			if ip.Is4() {
				network = "tcp4"
			}
		}
	}
	return net.Listen(network, addr)
}

// freeOverlapping closes the removed sockets whose address overlaps addr
// and reports whether there were any.
func (p *Plan) freeOverlapping(addr string) bool {
	found := false
	for _, b := range p.removed {
		if b.freed || !overlaps(b.Addr, addr) {
			continue
		}
		bound := b.Bound().String()
		p.set.log.Info("closing "+bound+" before binding "+addr+", which overlaps it", "addr", bound, "new", addr)
		p.set.servers[b.Server].Unserve(b)
		b.sock.close()
		b.freed, found = true, true
		p.freed = append(p.freed, b)
	}
	return found
}

// overlaps reports whether two listen addresses can hold the same port: the
// same port, and the same host or a wildcard on either side (a bare port
// is the dual-stack IPv6 wildcard, which holds the IPv4 one too).
func overlaps(a, b string) bool {
	ha, pa, err := net.SplitHostPort(a)
	if err != nil {
		return false
	}
	hb, pb, err := net.SplitHostPort(b)
	if err != nil || pa != pb || pa == "0" {
		return false
	}
	return ha == hb || wildcard(ha) || wildcard(hb)
}

func wildcard(host string) bool { return host == "" || host == "0.0.0.0" || host == "::" }

// Close closes every socket at shutdown: nothing more is accepted, and
// each Serve ends.
func (s *Set) Close() {
	for _, b := range s.live {
		b.sock.close()
	}
}

// Bindings returns the live bindings in configuration order (rtmp first),
// for status and tests.
func (s *Set) Bindings() []*Binding { return slices.Clone(s.live) }
