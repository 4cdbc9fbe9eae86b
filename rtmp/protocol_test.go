package rtmp

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

func TestPlayAndUnknownCommandsKeepTheConnection(t *testing.T) {
	ts := startServer(t, testConfig("live"), Options{})
	c := dialClient(t, ts.addr, "live")
	id, err := c.CreateStream(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendCommand(client.CSIDStream, id, "play", 0, nil, "cam"); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, c, "NetStream.Play.Failed"); st.Level != "error" || st.StreamID != id {
		t.Errorf("play status %+v", st)
	}
	_, err = c.Call(testCtx(t), "noSuchCommand", "x")
	var ce *client.CommandError
	if !errors.As(err, &ce) || ce.Info.String("code") != "NetConnection.Call.Failed" {
		t.Errorf("unknown command: %v, want _error NetConnection.Call.Failed", err)
	}
	if _, err := c.Call(testCtx(t), "releaseStream", "cam"); err != nil {
		t.Errorf("releaseStream: %v, want an empty _result", err)
	}
	if _, err := c.Call(testCtx(t), "FCPublish", "cam"); err != nil {
		t.Errorf("FCPublish: %v, want an empty _result", err)
	}
	if _, err := c.Publish(testCtx(t), id, "cam", "live"); err != nil {
		t.Errorf("publish after play and unknown commands: %v", err)
	}
}

func TestMaxStreams(t *testing.T) {
	cfg := testConfig("live")
	cfg.Servers[0].MaxStreams = 2
	ts := startServer(t, cfg, Options{})
	c := dialClient(t, ts.addr, "live")
	ids := map[uint32]bool{}
	for range 2 {
		id, err := c.CreateStream(testCtx(t))
		if err != nil || id == 0 || ids[id] {
			t.Fatalf("createStream: %d, %v", id, err)
		}
		ids[id] = true
	}
	if _, err := c.CreateStream(testCtx(t)); err == nil {
		t.Fatal("third createStream succeeded with max_streams 2")
	}
	for id := range ids {
		c.DeleteStream(id)
		break
	}
	if _, err := c.CreateStream(testCtx(t)); err != nil {
		t.Errorf("createStream after deleteStream: %v", err)
	}
}

// TestAMF3AndAggregate: AMF3 commands and data (types 17, 15) are read as
// AMF0 after their first byte, and aggregate messages reach OnAV as their
// sub-messages with their own timestamps.
func TestAMF3AndAggregate(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "rec", log: ev, keepAV: true}}})
	c := dialClient(t, ts.addr, "live")
	id, err := c.CreateStream(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := amf.Append([]byte{0}, "publish", 0, nil, "cam3", "live")
	if err := c.WriteMessage(&chunk.Message{CSID: client.CSIDStream, Type: chunk.TypeCommandAMF3, StreamID: id, Payload: pub}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, c, "NetStream.Publish.Start")
	meta, _ := amf.Append([]byte{0}, "@setDataFrame", "onMetaData", amf.Object{{Key: "duration", Value: 0.0}})
	if err := c.WriteMessage(&chunk.Message{CSID: client.CSIDAudio, Type: chunk.TypeDataAMF3, StreamID: id, Timestamp: 0, Payload: meta}); err != nil {
		t.Fatal(err)
	}
	var agg []byte
	agg = chunk.AppendAggregateSub(agg, TypeVideo, 1000, id, []byte{0x17, 0x01, 0, 0, 0, 9})
	agg = chunk.AppendAggregateSub(agg, TypeAudio, 1010, id, []byte{0xAF, 0x01, 7})
	agg = chunk.AppendAggregateSub(agg, TypeVideo, 1040, id, []byte{0x27, 0x01, 0, 0, 0, 8})
	if err := c.WriteMessage(&chunk.Message{CSID: client.CSIDVideo, Type: chunk.TypeAggregate, StreamID: id, Timestamp: 1000, Payload: agg}); err != nil {
		t.Fatal(err)
	}
	ev.waitFor(t, "4 frames", func([]string) bool { return len(ev.framesOf("rec")) == 4 })
	f := ev.framesOf("rec")
	if f[0].Type != TypeData || !bytes.HasPrefix(f[0].Payload, []byte("\x02\x00\x0aonMetaData")) {
		t.Errorf("AMF3 data frame %+v", f[0])
	}
	want := []struct {
		typ uint8
		ts  int64
		key bool
	}{{TypeVideo, 1000, true}, {TypeAudio, 1010, false}, {TypeVideo, 1040, false}}
	for i, w := range want {
		if g := f[i+1]; g.Type != w.typ || g.Time != w.ts || g.Keyframe != w.key {
			t.Errorf("sub-message %d: %+v, want %+v", i, g, w)
		}
	}
	if m := ts.Registry().Lookup("live", "cam3").Codec().Metadata; !bytes.HasPrefix(m, []byte("\x02\x00\x0aonMetaData")) {
		t.Errorf("metadata %q", m)
	}
}

func TestDropIdlePublisher(t *testing.T) {
	ev := newEventLog()
	cfg := testConfig("live")
	cfg.Servers[0].Applications[0].DropIdlePublisher = 300 * time.Millisecond
	ts := startServer(t, cfg, Options{Modules: []Module{&testModule{name: "m", log: ev}}})

	// An active publisher outlives several idle periods.
	active, aid := publishClient(t, ts.addr, "live", "active")
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := range 20 {
		<-tick.C
		if err := active.WriteMedia(TypeAudio, aid, uint64(i*50), []byte{0xAF, 0x01, 1}); err != nil {
			t.Fatal(err)
		}
	}
	if lines := ev.snapshot(); count(lines, "m:close idle") != 0 {
		t.Fatalf("active publisher dropped: %q", lines)
	}
	active.Close()
	ev.waitLine(t, "m:close disconnect")
	// A silent one is dropped, and its name can be published again.
	silent, sid := publishClient(t, ts.addr, "live", "silent")
	if err := silent.WriteMedia(TypeVideo, sid, 0, []byte{0x17, 0x01, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	ev.waitLine(t, "m:close idle")
	waitDone(t, silent)
	publishClient(t, ts.addr, "live", "silent")
	if lines := ev.snapshot(); count(lines, "m:close idle") != 1 {
		t.Errorf("events %q: want exactly the silent publisher dropped", lines)
	}
	if len(ts.logs.matching(slog.LevelInfo, "dropping idle publisher", "name=silent")) != 1 {
		t.Errorf("no single idle drop record: %q", ts.logs.all())
	}
}

// readPings reads server messages on a raw connection, counting ping
// requests, until the server closes it.
func readPings(t *testing.T, r *rawConn) (pings int) {
	t.Helper()
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	rd := chunk.NewReader(r.Conn, 0)
	for {
		m, err := rd.ReadMessage()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("server did not close the connection")
			}
			return pings
		}
		if m.Type == chunk.TypeUserControl && len(m.Payload) >= 2 && m.Payload[1] == chunk.EventPingRequest {
			pings++
		}
	}
}

func TestPingAndTimeout(t *testing.T) {
	tests := []struct {
		name              string
		ping, pingTimeout time.Duration
		timeout           time.Duration
		wantPings         int
		log               string
	}{
		{"unanswered ping", 100 * time.Millisecond, 150 * time.Millisecond, time.Minute, 1, "ping: unanswered"},
		{"timeout without ping", 0, 0, 200 * time.Millisecond, 0, "nothing received"},
		{"timeout before ping", time.Minute, time.Minute, 200 * time.Millisecond, 0, "nothing received"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig("live")
			sc := cfg.Servers[0]
			sc.Ping, sc.PingTimeout, sc.Timeout = tt.ping, tt.pingTimeout, tt.timeout
			ts := startServer(t, cfg, Options{})
			r := dialRaw(t, ts.addr, true)
			r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
			if got := readPings(t, r); got != tt.wantPings {
				t.Errorf("%d pings before the drop, want %d", got, tt.wantPings)
			}
			waitSessions(t, ts, 0)
			if n := len(ts.logs.matching(slog.LevelInfo, "connection closed", tt.log)); n != 1 {
				t.Errorf("%d records with %q: %q", n, tt.log, ts.logs.all())
			}
		})
	}
}

// TestPingAnswered: a client that answers pings (our client does, as
// ffmpeg) stays connected through many ping periods without sending media.
func TestPingAnswered(t *testing.T) {
	cfg := testConfig("live")
	cfg.Servers[0].Ping, cfg.Servers[0].PingTimeout = 50*time.Millisecond, 100*time.Millisecond
	ts := startServer(t, cfg, Options{})
	var pings atomic.Int32
	got5 := make(chan struct{})
	c, err := client.Dial(testCtx(t), ts.addr, client.Options{OnMessage: func(m *chunk.Message) {
		if m.Type == chunk.TypeUserControl && len(m.Payload) >= 2 && m.Payload[1] == chunk.EventPingRequest {
			if pings.Add(1) == 5 {
				close(got5)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Connect(testCtx(t), "live", "rtmp://"+ts.addr+"/live", nil); err != nil {
		t.Fatal(err)
	}
	select {
	case <-got5:
	case <-c.Done():
		t.Fatalf("dropped after %d pings: %v", pings.Load(), c.Err())
	case <-time.After(10 * time.Second):
		t.Fatal("no 5 pings in 10 s")
	}
	if _, err := c.CreateStream(testCtx(t)); err != nil {
		t.Errorf("connection unusable after pings: %v", err)
	}
}

// flakyListener fails Accept with a temporary error a few times, then
// with a permanent one: Serve must back off and retry, then return.
type flakyListener struct {
	net.Listener
	temp  int
	calls int
}

func (l *flakyListener) Accept() (net.Conn, error) {
	l.calls++
	if l.calls <= l.temp {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: syscall.EMFILE}
	}
	return nil, errors.New("listener broken")
}

func TestServeBacksOffOnTemporaryErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &flakyListener{Listener: ln, temp: 3}
	srv := NewServer(Options{Config: func() *conf.Config { return testConfig("live") }, Logger: slog.New(&logHandler{store: &logStore{}})})
	start := time.Now()
	err = srv.Serve(fl, 0)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("listener broken")) {
		t.Errorf("Serve = %v, want the permanent error", err)
	}
	if fl.calls != 4 {
		t.Errorf("%d Accept calls, want 4", fl.calls)
	}
	if d := time.Since(start); d < 35*time.Millisecond { // 5 + 10 + 20 ms
		t.Errorf("retried after %v: no backoff", d)
	}
}

func TestServeAfterShutdown(t *testing.T) {
	srv := NewServer(Options{Config: func() *conf.Config { return testConfig("live") }})
	if err := srv.Shutdown(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln, 0); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Shutdown = %v", err)
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Error("listener still open")
	}
}

func TestBadServerIndex(t *testing.T) {
	ts := startServer(t, testConfig("live"), Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go ts.Serve(ln, 7)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	(&rawConn{Conn: c}).waitClosed(t)
	if len(ts.logs.matching(slog.LevelError, "no rtmp server block")) != 1 {
		t.Errorf("logs %q", ts.logs.all())
	}
}
