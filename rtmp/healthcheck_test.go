package rtmp

import (
	"log/slog"
	"net"
	"testing"
	"time"
)

// TestHealthChecksLogAtDebug: connections that close before completing
// the handshake, as a load balancer's TCP health check does (connect and
// close, or a few bytes and close), log at Debug, not Info, and are
// counted; bytes that are not a handshake still drop the client at Warn,
// counted apart.
func TestHealthChecksLogAtDebug(t *testing.T) {
	ts := startServer(t, testConfig("live"), Options{HandshakeTimeout: 5 * time.Second})
	const checks = 5
	for i := range checks {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			c.Write([]byte{3, 0, 0, 0}) // C0 and part of C1
		}
		sessionOf(t, ts, c)
		c.Close()
	}
	garbage := dialRaw(t, ts.addr, false)
	garbage.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	garbage.waitClosed(t)
	waitSessions(t, ts, 0)

	hs := ts.Registry().Stats().HandshakesIncomplete
	if hs.Closed != checks || hs.Invalid != 1 || hs.Timeout != 0 {
		t.Errorf("counted %+v, want %d closed and 1 invalid", hs, checks)
	}
	if got := ts.logs.matching(slog.LevelDebug, "connection closed by the client before completing the handshake"); len(got) != checks {
		t.Errorf("%d Debug records, want %d: %q", len(got), checks, got)
	}
	if got := ts.logs.matching(slog.LevelInfo, "connection closed"); len(got) != 0 {
		t.Errorf("health checks logged at Info: %q", got)
	}
	if got := ts.logs.matching(slog.LevelWarn, "dropping client", "handshake"); len(got) != 1 {
		t.Errorf("%d Warn records for the garbage, want 1: %q", len(got), got)
	}
}
