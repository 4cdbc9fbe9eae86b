package rtmp

import (
	"net"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/byteproxy"
)

// endModule records every SessionEnded call; it makes no hooks.
type endModule struct{ ended chan endedSession }

type endedSession struct {
	app     string
	in, out uint64
}

func (m *endModule) Name() string        { return "end" }
func (m *endModule) Hook(*Session) Hooks { return Hooks{} }
func (m *endModule) SessionEnded(s *Session) {
	e := endedSession{in: s.ChunkBytesIn(), out: s.ChunkBytesOut()}
	if a := s.App(); a != nil {
		e.app = a.Name
	}
	m.ended <- e
}

func (m *endModule) next(t *testing.T) endedSession {
	t.Helper()
	select {
	case e := <-m.ended:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("no SessionEnded in 10 s")
	}
	return endedSession{}
}

// TestSessionEndedEveryConnection: a module hears of every connection's
// end, one that never completed a handshake included, with the bytes of
// the chunk stream each way exactly as a proxy between client and server
// counted them, minus the handshakes (nginx-rtmp's in_bytes/out_bytes).
func TestSessionEndedEveryConnection(t *testing.T) {
	m := &endModule{ended: make(chan endedSession, 4)}
	srv := startServer(t, testConfig("live"), Options{Modules: []Module{m}})

	c, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte{3}) // C0 only: a health check that gives up
	c.Close()
	if e := m.next(t); e != (endedSession{}) {
		t.Errorf("connection without handshake: %+v, want no application and no bytes", e)
	}

	p := byteproxy.Start(t, srv.addr)
	pc, id := publishClient(t, p.Addr(), "live", "cam1")
	for i := range 50 {
		if err := pc.WriteMedia(9, id, uint64(i*40), make([]byte, 3000)); err != nil {
			t.Fatal(err)
		}
	}
	pc.Close()
	e := m.next(t)
	if !p.Wait(10 * time.Second) {
		t.Fatal("the proxied connection did not close")
	}
	want := endedSession{app: "live", in: p.ToServer() - HandshakeSize, out: p.ToClient() - HandshakeSize}
	if e != want || e.in < 50*3000 {
		t.Errorf("publisher: %+v, want %+v", e, want)
	}
}
