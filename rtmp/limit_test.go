package rtmp

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
)

func TestAutoMaxConnections(t *testing.T) {
	cases := []struct {
		nofile uint64
		want   int
	}{
		{1024, 448},
		{256, 64},
		{100, 16},
		{65536, 32704},
		{1 << 20, 524224},
		{^uint64(0), maxAuto}, // RLIM_INFINITY
	}
	for _, tc := range cases {
		if got := AutoMaxConnections(tc.nofile); got != tc.want {
			t.Errorf("AutoMaxConnections(%d) = %d, want %d", tc.nofile, got, tc.want)
		}
	}
}

// limitConfig is testConfig with max_connections n.
func limitConfig(n int) *conf.Config {
	cfg := testConfig("live")
	cfg.MaxConnections = n
	return cfg
}

// sessionOf waits until the server has accepted c and returns its session.
func sessionOf(t *testing.T, ts *testServer, c net.Conn) *Session {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, s := range ts.Registry().Sessions() {
			if s.conn.RemoteAddr().String() == c.LocalAddr().String() {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no session for %s", c.LocalAddr())
		}
		time.Sleep(2 * time.Millisecond) // polling with a deadline
	}
}

// evicted reports whether s was closed to make room.
func evicted(ts *testServer, s *Session) bool {
	return s.evicted.Load()
}

// closedByServer reports whether the server closes c within 10 s.
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestMaxConnectionsIdleFlood: 200 idle TCP connections against
// max_connections 20 do not lock a publisher out: each new connection past
// the limit closes the oldest idle one, and the publisher that arrives
// last connects, publishes and sends media.
func TestMaxConnectionsIdleFlood(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, limitConfig(20), Options{Modules: []Module{&testModule{name: "rec", log: ev, keepAV: true}}})
	idle := make([]net.Conn, 200)
	for i := range idle {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle[i] = c
	}
	sessionOf(t, ts, idle[len(idle)-1])
	h := honestPublisher(t, ts, ev)
	for _, c := range idle[:150] {
		if !closedByServer(c) {
			t.Fatalf("idle connection %s still open", c.LocalAddr())
		}
	}
	open := 0
	for _, s := range ts.Registry().Sessions() {
		if !evicted(ts, s) {
			open++
		}
	}
	if open > 20 {
		t.Errorf("%d connections kept open, max_connections 20", open)
	}
	st := ts.Registry().Stats().Shed
	if st.IdleAtLimit < 181 || st.RefusedAtLimit != 0 {
		t.Errorf("closed %d idle connections and refused %d, want at least 181 and 0", st.IdleAtLimit, st.RefusedAtLimit)
	}
	if got := ts.logs.matching(slog.LevelWarn, "max_connections reached: closing idle connections"); len(got) != 1 {
		t.Errorf("%d Warn records about making room, want 1 (once a minute): %q", len(got), got)
	}
	h.check()
}

// TestMaxConnectionsIdleOrder: connections that have not completed the
// handshake go first, oldest first, then those that have not sent
// connect; when every connection is connected to an application, the new
// connection is refused and the others carry on.
func TestMaxConnectionsIdleOrder(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, limitConfig(3), Options{Modules: []Module{&testModule{name: "rec", log: ev, keepAV: true}}})
	shaken := dialRaw(t, ts.addr, true) // handshake done, no connect: the oldest
	s0 := sessionOf(t, ts, shaken)
	waitStage(t, ts, s0, stageConnect)
	var raw [2]net.Conn
	var sess [2]*Session
	for i := range raw {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		raw[i], sess[i] = c, sessionOf(t, ts, c)
	}
	next := func() *Session {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return sessionOf(t, ts, c)
	}
	n1 := next()
	if !evicted(ts, sess[0]) || evicted(ts, sess[1]) || evicted(ts, s0) {
		t.Fatal("the first new connection did not close the oldest connection in handshake")
	}
	next()
	if !evicted(ts, sess[1]) || evicted(ts, s0) {
		t.Fatal("the second new connection did not close the other connection in handshake")
	}
	// n1 and the one after it are now in handshake and newer than s0,
	// but handshakes go first.
	next()
	if !evicted(ts, n1) || evicted(ts, s0) {
		t.Fatal("a connection in handshake was kept while one before connect was closed")
	}
	for _, c := range raw {
		if !closedByServer(c) {
			t.Errorf("evicted connection %s still open", c.LocalAddr())
		}
	}

	// Three connected clients fill the limit: the rest are closed to make
	// room, then a fourth connection is refused.
	ts2 := startServer(t, limitConfig(3), Options{Modules: []Module{&testModule{name: "rec", log: ev, keepAV: true}}})
	var conns []*rawConn
	for range 3 {
		r := dialRaw(t, ts2.addr, true)
		r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
		conns = append(conns, r)
	}
	for _, r := range conns {
		waitStage(t, ts2, sessionOf(t, ts2, r), stageApp)
	}
	c, err := net.Dial("tcp", ts2.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !closedByServer(c) {
		t.Fatal("the connection past the limit was not refused")
	}
	if got := ts2.Registry().Stats().Shed.RefusedAtLimit; got != 1 {
		t.Errorf("refused %d connections, want 1", got)
	}
	if got := ts2.logs.matching(slog.LevelWarn, "refusing new connections"); len(got) != 1 {
		t.Errorf("%d Warn records about refusing, want 1: %q", len(got), got)
	}
	if n := len(ts2.Registry().Sessions()); n != 3 {
		t.Errorf("%d connections open, want the 3 connected ones", n)
	}
}

// waitStage waits until s reached stage st.
func waitStage(t *testing.T, ts *testServer, s *Session, st stage) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ts.reg.mu.Lock()
		got := s.stage
		ts.reg.mu.Unlock()
		if got >= st {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("session %d at stage %d, want %d", s.id, got, st)
		}
		time.Sleep(2 * time.Millisecond) // polling with a deadline
	}
}

// TestMaxConnectionsBeforeConnectTier: with no connection left in the
// handshake, the oldest that has not sent connect makes room, and its end
// is logged at Debug only (the Warn a minute says why).
func TestMaxConnectionsBeforeConnectTier(t *testing.T) {
	ts := startServer(t, limitConfig(2), Options{})
	var sess []*Session
	var conns []*rawConn
	for range 2 {
		r := dialRaw(t, ts.addr, true)
		s := sessionOf(t, ts, r)
		waitStage(t, ts, s, stageConnect)
		sess, conns = append(sess, s), append(conns, r)
	}
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sessionOf(t, ts, c)
	if !evicted(ts, sess[0]) || evicted(ts, sess[1]) {
		t.Fatal("the oldest connection before connect was not the one closed")
	}
	conns[0].waitClosed(t)
	waitSessions(t, ts, 2)
	if got := ts.logs.matching(slog.LevelDebug, "connection closed to make room under max_connections"); len(got) != 1 {
		t.Errorf("%d Debug records for the closed connection, want 1: %q", len(got), got)
	}
	if got := ts.logs.matching(slog.LevelInfo, "connection closed"); len(got) != 0 {
		t.Errorf("Info records: %q", got)
	}
}
