// Package byteproxy is a TCP proxy for tests that counts the bytes each
// way: what a client really sent to a server and received from it, to
// check a server's own byte counters (access log, statistics) exactly,
// whatever the client (ffmpeg included).
package byteproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy forwards every connection it accepts to a target address.
type Proxy struct {
	ln       net.Listener
	target   string
	toServer atomic.Uint64
	toClient atomic.Uint64
	conns    sync.WaitGroup
}

// Start listens on 127.0.0.1:0 and forwards to target until the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target}
	done := make(chan struct{})
	go p.accept(done)
	t.Cleanup(func() {
		ln.Close()
		<-done
		p.conns.Wait()
	})
	return p
}

// Addr is the proxy's address, host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// ToServer is the bytes clients sent through the proxy so far.
func (p *Proxy) ToServer() uint64 { return p.toServer.Load() }

// ToClient is the bytes the target sent back so far.
func (p *Proxy) ToClient() uint64 { return p.toClient.Load() }

// Wait waits until every proxied connection has closed both ways, so
// that the counts are final; false after timeout.
func (p *Proxy) Wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { p.conns.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (p *Proxy) accept(done chan<- struct{}) {
	defer close(done)
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.conns.Add(1)
		go p.serve(c)
	}
}

// serve copies both ways; a side that ends its sending half-closes the
// other connection, as a direct connection would look to the peer.
func (p *Proxy) serve(client net.Conn) {
	defer p.conns.Done()
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); pipe(server, client, &p.toServer) }()
	go func() { defer wg.Done(); pipe(client, server, &p.toClient) }()
	wg.Wait()
}

func pipe(dst, src net.Conn, n *atomic.Uint64) {
	buf := make([]byte, 32<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			n.Add(uint64(k))
			if _, werr := dst.Write(buf[:k]); werr != nil {
				src.Close()
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				if tc, ok := dst.(*net.TCPConn); ok {
					tc.CloseWrite()
					return
				}
			}
			dst.Close()
			return
		}
	}
}
