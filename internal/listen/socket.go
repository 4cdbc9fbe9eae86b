package listen

import (
	"errors"
	"net"
	"sync"
)

// socket is one bound TCP listener that outlives configurations. A single
// goroutine accepts on it and hands every result to whichever port is
// attached at the time, so that a reload can hand the socket to another
// server (another rtmp server index, or from rtmp to http) without closing
// it: rtmp.Server.Serve takes a fixed server index, and the same address
// cannot be bound twice.
type socket struct {
	addr string // the listen address as configured, e.g. "127.0.0.1:0"
	ln   net.Listener

	accepted chan acceptResult // unbuffered: the loop runs one accept ahead at most
	quit     chan struct{}     // closed by close
	done     chan struct{}     // closed when the accept loop has returned
	once     sync.Once
}

// acceptResult is what one Accept on the socket returned.
type acceptResult struct {
	c   net.Conn
	err error
}

func newSocket(addr string, ln net.Listener) *socket {
	s := &socket{
		addr:     addr,
		ln:       ln,
		accepted: make(chan acceptResult),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go s.loop()
	return s
}

// loop accepts until the socket is closed. Errors are handed on like
// connections: rtmp.Server.Serve owns the backoff for temporary ones, and
// while it sleeps this loop waits on the unbuffered channel instead of
// spinning.
func (s *socket) loop() {
	defer close(s.done)
	for {
		c, err := s.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		select {
		case s.accepted <- acceptResult{c, err}:
		case <-s.quit:
			if c != nil {
				c.Close()
			}
			return
		}
	}
}

// close stops accepting: connections still in the kernel's backlog are
// refused. It waits for the accept loop.
func (s *socket) close() {
	s.once.Do(func() {
		close(s.quit)
		s.ln.Close()
	})
	<-s.done
}

// attach returns a new port reading from s, for one Serve.
func (s *socket) attach() *Port {
	return &Port{s: s, closed: make(chan struct{})}
}

// Port is the net.Listener given to one Serve (rtmp.Server's or
// http.Server's): a view of a socket that can be closed, ending that Serve,
// while the socket stays bound.
type Port struct {
	s      *socket
	closed chan struct{}
	once   sync.Once
}

// Accept returns the socket's next connection, or net.ErrClosed once the
// port or the socket is closed. A connection the socket accepted but this
// port did not take stays with the socket for the next port.
func (p *Port) Accept() (net.Conn, error) {
	select {
	case r := <-p.s.accepted:
		return r.c, r.err
	case <-p.closed:
	case <-p.s.done:
	}
	return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: p.Addr(), Err: net.ErrClosed}
}

// Close ends the port only; the socket keeps listening.
func (p *Port) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

// Addr is the socket's bound address.
func (p *Port) Addr() net.Addr { return p.s.ln.Addr() }
