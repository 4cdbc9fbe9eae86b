package rtmp

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yutopp/go-rtmp/message"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/handshake"
)

// rawConn is an attacker: a TCP connection that writes exact bytes.
type rawConn struct {
	net.Conn
	w *chunk.Writer
}

// dialRaw connects and, when hs is set, completes a plain handshake.
func dialRaw(t testing.TB, addr string, hs bool) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if hs {
		if err := handshake.Client(c); err != nil {
			t.Fatalf("handshake: %v", err)
		}
	}
	return &rawConn{Conn: c, w: chunk.NewWriter(c, chunk.DefaultChunkSize)}
}

// command writes an AMF0 command message; write errors are ignored, as the
// server may already have dropped us.
func (r *rawConn) command(t testing.TB, streamID uint32, vals ...any) {
	t.Helper()
	b, err := amf.Append(nil, vals...)
	if err != nil {
		t.Fatal(err)
	}
	r.w.WriteMessage(&chunk.Message{CSID: 3, Type: chunk.TypeCommandAMF0, StreamID: streamID, Payload: b})
}

// waitClosed reads (and discards) until the server closes the connection.
func (r *rawConn) waitClosed(t testing.TB) {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, r.Conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("server did not close the connection")
	}
}

// honest is a go-rtmp publisher that must not notice the attacks.
type honest struct {
	t    *testing.T
	ev   *eventLog
	send func(ts uint32) error
	n    int
}

func (h *honest) check() {
	h.t.Helper()
	h.n++
	within(h.t, "honest publisher write", func() error { return h.send(uint32(h.n) * 40) })
	h.ev.waitFor(h.t, "honest frame", func([]string) bool { return len(h.ev.framesOf("rec")) == h.n })
	if lines := h.ev.snapshot(); strings.Contains(strings.Join(lines, "\n"), "close") {
		h.t.Fatalf("honest publisher was closed: %q", lines)
	}
}

func nested(depth int) []byte {
	b, _ := amf.Append(nil, "connect", 1)
	for range depth {
		b = append(b, 0x03, 0x00, 0x01, 'a')
	}
	return b
}

func TestHostileInput(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{
		Modules:          []Module{&testModule{name: "rec", log: ev, keepAV: true}},
		HandshakeTimeout: 500 * time.Millisecond,
	})
	_, st := goPublish(t, ts.addr, "live", "honest")
	h := &honest{t: t, ev: ev, send: func(ts uint32) error {
		return st.Write(6, ts, &message.VideoMessage{Payload: bytes.NewReader([]byte{0x27, 0x01, 0, 0, 0, 1, 2, 3})})
	}}
	h.check()

	connect := func(r *rawConn) { r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}}) }
	tests := []struct {
		name   string
		hs     bool
		attack func(r *rawConn)
		log    string // in the one Warn record
	}{
		{"strict array of 2^31-1 elements", true, func(r *rawConn) {
			b, _ := amf.Append(nil, "connect", 1)
			b = append(b, 0x03, 0x00, 0x03, 'a', 'p', 'p', 0x0A, 0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x09)
			r.w.WriteMessage(&chunk.Message{CSID: 3, Type: chunk.TypeCommandAMF0, Payload: b})
		}, "limit"},
		{"16 KB connect of 4,000 nested objects", true, func(r *rawConn) {
			r.w.WriteMessage(chunk.SetChunkSizeMessage(65536))
			r.w.SetChunkSize(65536)
			b := nested(4_000)
			if len(b) > preConnectMaxMessage {
				t.Fatalf("payload %d bytes exceeds the limit before connect", len(b))
			}
			r.w.WriteMessage(&chunk.Message{CSID: 3, Type: chunk.TypeCommandAMF0, Payload: b})
		}, "limit"},
		{"1 MB connect of 250k nested objects", true, func(r *rawConn) {
			r.w.WriteMessage(chunk.SetChunkSizeMessage(65536))
			r.w.SetChunkSize(65536)
			r.w.WriteMessage(&chunk.Message{CSID: 3, Type: chunk.TypeCommandAMF0, Payload: nested(250_000)})
		}, "too large"},
		{"SetChunkSize 2^31-1 then a 16 MB message", true, func(r *rawConn) {
			r.w.WriteMessage(chunk.SetChunkSizeMessage(0x7FFFFFFF))
			// fmt 0, csid 4, timestamp 0, length 0xFFFFFF, video, stream 1, then a few bytes
			r.Write([]byte{0x04, 0, 0, 0, 0xFF, 0xFF, 0xFF, 9, 1, 0, 0, 0, 0x17, 0x01})
		}, "too large"},
		{"message over max_message", true, func(r *rawConn) {
			connect(r)
			r.w.WriteMessage(&chunk.Message{CSID: 6, Type: chunk.TypeVideo, StreamID: 1, Payload: make([]byte, 1<<20+1)})
		}, "too large"},
		{"thousands of chunk streams before connect", true, func(r *rawConn) {
			for csid := uint32(3); csid < 3003; csid++ {
				if r.w.WriteMessage(&chunk.Message{CSID: csid, Type: chunk.TypeAudio, Payload: []byte{0xAF}}) != nil {
					return
				}
			}
		}, "beyond 2 streams"},
		{"thousands of chunk streams", true, func(r *rawConn) {
			connect(r)
			for csid := uint32(3); csid < 3003; csid++ {
				if r.w.WriteMessage(&chunk.Message{CSID: csid, Type: chunk.TypeAudio, Payload: []byte{0xAF}}) != nil {
					return
				}
			}
		}, "beyond 64 streams"},
		{"garbage after handshake", true, func(r *rawConn) {
			r.Write(bytes.Repeat([]byte{0xFF}, 4096))
		}, "chunk"},
		{"garbage instead of handshake", false, func(r *rawConn) {
			r.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
		}, "handshake"},
		{"publish before connect", true, func(r *rawConn) {
			r.command(t, 1, "publish", 0, nil, "honest", "live")
		}, "command before connect"},
		{"connect twice", true, func(r *rawConn) {
			connect(r)
			connect(r)
		}, "duplicate connect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(ts.logs.matching(slog.LevelWarn, "dropping client"))
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			alloc := ms.TotalAlloc
			r := dialRaw(t, ts.addr, tt.hs)
			tt.attack(r)
			r.waitClosed(t)
			waitSessions(t, ts, 1)
			runtime.ReadMemStats(&ms)
			if grew := ms.TotalAlloc - alloc; grew > 64<<20 {
				t.Errorf("allocated %d MB serving the attack", grew>>20)
			}
			warns := ts.logs.matching(slog.LevelWarn, "dropping client")
			if len(warns) != before+1 {
				t.Fatalf("%d Warn records for the attack, want 1: %q", len(warns)-before, warns[before:])
			}
			t.Log(warns[before])
			if !strings.Contains(warns[before], tt.log) {
				t.Errorf("Warn record %q does not mention %q", warns[before], tt.log)
			}
			h.check()
		})
	}
}

// TestStalledHandshakes opens many connections that stop mid-handshake:
// each is closed at the handshake timeout (no goroutine or memory kept),
// and a publisher that arrives meanwhile is served. Production defaults
// to 10 s and copes with 1000 such connections the same way; the test uses
// 200 and 300 ms to stay quick.
func TestStalledHandshakes(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{
		Modules:          []Module{&testModule{name: "rec", log: ev, keepAV: true}},
		HandshakeTimeout: 300 * time.Millisecond,
	})
	const n = 200
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write([]byte{3, 0, 0, 0, 0}) // C0 and 4 bytes of C1
		conns[i] = c
	}
	_, st := goPublish(t, ts.addr, "live", "honest")
	h := &honest{t: t, ev: ev, send: func(ts uint32) error {
		return st.Write(6, ts, &message.VideoMessage{Payload: bytes.NewReader([]byte{0x17, 0x01, 0, 0, 0})})
	}}
	h.check()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Error("stalled handshake not closed")
			}
		})
	}
	wg.Wait()
	waitSessions(t, ts, 1)
	h.check()
	if got := len(ts.logs.matching(slog.LevelDebug, "handshake: not completed within")); got != n {
		t.Errorf("%d handshake timeout records at debug level, want %d", got, n)
	}
	if got := ts.Registry().Stats().HandshakesIncomplete.Timeout; got != n {
		t.Errorf("%d handshake timeouts counted, want %d", got, n)
	}
}
