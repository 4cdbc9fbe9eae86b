package control

import (
	"fmt"
	"net"

	"github.com/rtmprecd/rtmprecd/conf"
)

// Apply serves cfg's http blocks: Prepare then Commit. Call it at start
// and after every applied reload, from one goroutine at a time.
func (s *Server) Apply(cfg *conf.Config) error {
	p, err := s.Prepare(cfg)
	if err != nil {
		return err
	}
	p.Commit()
	return nil
}

// Plan is one configuration's listener changes, bound but not serving.
type Plan struct {
	s     *Server
	cfg   *conf.Config
	want  map[listenKey]listenAt
	added map[listenKey]*binding
}

// Prepare binds cfg's new http addresses; on error nothing is left bound
// and nothing changed. The caller must Commit or Abort the plan, without
// another Prepare in between.
func (s *Server) Prepare(cfg *conf.Config) (*Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	p := &Plan{s: s, cfg: cfg, want: blocks(cfg), added: map[listenKey]*binding{}}
	for k, li := range p.want {
		if s.live[k] != nil {
			continue
		}
		ln, err := net.Listen("tcp", k.addr)
		if err != nil {
			p.Abort()
			return nil, fmt.Errorf("http listen %s in %s: %w", k.addr, li.pos, err)
		}
		p.added[k] = &binding{ln: ln}
	}
	return p, nil
}

// Abort closes the sockets Prepare bound.
func (p *Plan) Abort() {
	for _, b := range p.added {
		b.ln.Close()
	}
	p.added = nil
}

// Commit switches to the plan's configuration: kept addresses serve their
// new block at once, new ones start serving, removed ones shut down
// gracefully in the background (Shutdown waits for them).
func (p *Plan) Commit() {
	s := p.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		p.Abort()
		return
	}
	s.cfg.Store(p.cfg)
	for k, b := range s.live {
		if _, ok := p.want[k]; !ok {
			delete(s.live, k)
			go s.retire(b)
		}
	}
	for k, li := range p.want {
		b := s.live[k]
		if b == nil {
			if b = p.added[k]; b == nil {
				continue // Commit after Abort: nothing was bound
			}
			b.block.Store(li.block)
			s.start(b)
			s.live[k] = b
		}
		b.block.Store(li.block)
		s.warnExposed(b, li.block)
	}
}

// listenAt is one listen directive of an http block.
type listenAt struct {
	block *conf.HTTPServer
	pos   string
}

func blocks(cfg *conf.Config) map[listenKey]listenAt {
	out := map[listenKey]listenAt{}
	seen := map[string]int{}
	for _, hs := range cfg.HTTP {
		for _, l := range hs.Listen {
			k := listenKey{l.Addr, seen[l.Addr]}
			seen[l.Addr]++
			out[k] = listenAt{hs, l.Pos.FileLine()}
		}
	}
	return out
}
