package listen

import (
	"slices"

	"github.com/rtmprecd/rtmprecd/conf"
)

// Plan is one configuration's listener changes, bound but not served.
type Plan struct {
	set     *Set
	cfg     *conf.Config
	next    []*Binding // every binding of the new configuration, in order
	added   []*Binding // newly bound sockets
	moved   []*Binding // kept sockets handed to another server or block
	kept    []kept     // bindings that go on, maybe with a new block
	detach  []*Binding // old bindings to unserve before the swap
	removed []*Binding // old bindings whose sockets close after the swap
	freed   []*Binding // removed bindings closed early for an overlapping address
}

// kept is a live binding and its directive in the new configuration.
type kept struct {
	b *Binding
	w Want
}

// Abort closes the sockets Prepare bound and binds again, and serves as
// before, the ones it closed to free an overlapping address. A socket that
// cannot be bound again (another process took the port meanwhile) is
// logged and dropped: the running configuration then serves without it.
func (p *Plan) Abort() {
	for _, b := range p.added {
		b.sock.close()
	}
	p.added = nil
	for _, b := range p.freed {
		p.rebind(b)
	}
	p.freed = nil
}

func (p *Plan) rebind(b *Binding) {
	s := p.set
	ln, err := bind(b.Want.Addr)
	if err != nil {
		s.log.Error("cannot listen again after a failed reload; this address accepts nothing until the next reload",
			"addr", b.Want.Addr, "at", b.Pos, "err", err)
		s.live = slices.DeleteFunc(s.live, func(x *Binding) bool { return x == b })
		return
	}
	b.sock, b.freed = newSocket(b.Want.Addr, ln), false
	s.servers[b.Server].Serve(b, s.cfg)
}

// Detach runs before the swap: every binding that goes away or changes
// hands stops being served, so that a connection accepted on it has pinned
// the old configuration and none pairs the new one with a stale block.
// New connections wait in the backlog.
func (p *Plan) Detach() {
	for _, b := range p.detach {
		if !b.freed {
			p.set.servers[b.Server].Unserve(b)
		}
	}
}

// Commit runs after the swap: kept bindings take their new block, new and
// handed-over ones start serving, removed sockets close.
func (p *Plan) Commit() {
	s := p.set
	for _, k := range p.kept {
		k.b.Want = k.w
		s.servers[k.b.Server].Keep(k.b, p.cfg)
	}
	for _, b := range p.next {
		if b.HandedOver || slices.Contains(p.added, b) {
			s.servers[b.Server].Serve(b, p.cfg)
			b.HandedOver = false
		}
	}
	for _, b := range p.removed {
		b.sock.close()
		s.servers[b.Server].Closed(b)
	}
	s.live, s.cfg = p.next, p.cfg
}
