package listen

import (
	"errors"
	"net"
	"testing"
	"time"
)

// accept runs p.Accept with a deadline.
func accept(t *testing.T, p *Port) (net.Conn, error) {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := p.Accept()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("Accept did not return")
		return nil, nil
	}
}

// TestSocketOutlivesPorts: closing a port ends its Accept but not the
// socket; a connection that arrives between two ports goes to the next one;
// closing the socket ends every port and refuses connections.
func TestSocketOutlivesPorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := newSocket("127.0.0.1:0", ln)
	addr := ln.Addr().String()

	p1 := s.attach()
	dial(t, addr)
	if c, err := accept(t, p1); err != nil {
		t.Fatal(err)
	} else {
		c.Close()
	}
	p1.Close()
	if _, err := accept(t, p1); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept on a closed port: %v", err)
	}

	dial(t, addr) // no port attached: waits with the socket
	p2 := s.attach()
	if c, err := accept(t, p2); err != nil {
		t.Fatal(err)
	} else {
		c.Close()
	}
	if p2.Addr().String() != addr {
		t.Errorf("port address %v, want %s", p2.Addr(), addr)
	}

	s.close()
	if _, err := accept(t, p2); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after the socket closed: %v", err)
	}
	if !refused(addr) {
		t.Error("closed socket still accepts")
	}
}

func dial(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
}

// refused reports whether a connection to addr is refused.
func refused(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		c.Close()
		return false
	}
	return true
}
