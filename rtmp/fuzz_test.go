package rtmp

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
	"github.com/rtmprecd/rtmprecd/rtmp/handshake"
)

var updateSeeds = flag.Bool("update", false, "rewrite the seed corpus of FuzzSession under testdata/fuzz")

// balanceModule checks the hook protocol under any input: OnClose once
// per successful OnPublish, never OnAV outside a publish.
type balanceModule struct {
	open, closes, publishes, badAV atomic.Int32
}

func (m *balanceModule) Name() string { return "balance" }
func (m *balanceModule) Hook(*Session) Hooks {
	return Hooks{Publish: m, AV: m, Close: m}
}
func (m *balanceModule) OnPublish(ctx context.Context, p *Publish) error {
	m.publishes.Add(1)
	if m.open.Add(1) != 1 {
		m.badAV.Add(100)
	}
	return nil
}

func (m *balanceModule) OnAV(f *Frame) {
	if m.open.Load() != 1 {
		m.badAV.Add(1)
	}
}

func (m *balanceModule) OnClose(ctx context.Context, why CloseReason) {
	m.closes.Add(1)
	m.open.Add(-1)
}

// FuzzSession feeds arbitrary bytes, after a real handshake, to a real
// session: the session must never panic, and the hooks' protocol must hold.
func FuzzSession(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		mod, logs := runSession(t, data)
		for _, r := range logs.all() {
			if strings.Contains(r, "panic") {
				t.Fatal(r)
			}
		}
		if mod.publishes.Load() != mod.closes.Load() || mod.badAV.Load() != 0 || mod.open.Load() != 0 {
			t.Fatalf("publishes %d closes %d bad %d", mod.publishes.Load(), mod.closes.Load(), mod.badAV.Load())
		}
	})
}

// runSession serves data, after a real handshake over loopback TCP, on
// one session until the client has half-closed and the session ended, and
// returns what its hooks saw.
func runSession(t *testing.T, data []byte) (*balanceModule, *logStore) {
	cfg := testConfig("live")
	cfg.Servers[0].Applications[0].DropIdlePublisher = time.Minute
	logs := &logStore{}
	mod := &balanceModule{}
	srv := NewServer(Options{Modules: []Module{mod}, Logger: slog.New(&logHandler{store: logs}),
		Config: func() *conf.Config { return cfg }})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go srv.Serve(ln, 0)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := handshake.Client(c); err != nil {
		t.Fatal(err)
	}
	replies := make(chan struct{})
	go func() { io.Copy(io.Discard, c); close(replies) }()
	c.Write(data)
	c.(*net.TCPConn).CloseWrite() // EOF after data; replies still flow
	select {
	case <-replies: // the server closed: the session ended
	case <-time.After(10 * time.Second):
		t.Fatal("session did not end after the client's EOF")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	return mod, logs
}

// TestSessionSeedPublish checks that the main seed really reaches the
// publish path, so the fuzzer starts from deep inside the protocol.
func TestSessionSeedPublish(t *testing.T) {
	mod, logs := runSession(t, seedSessions()["publish"])
	if mod.publishes.Load() != 2 || mod.closes.Load() != 2 {
		t.Errorf("publishes %d closes %d, want 2 and 2; logs %q", mod.publishes.Load(), mod.closes.Load(), logs.all())
	}
}

// seedSessions are the committed seeds: a complete ffmpeg-like publish and
// the hostile sequences of TestHostileInput, as chunk streams.
func seedSessions() map[string][]byte {
	msg := func(w *chunk.Writer, csid uint32, typ uint8, sid uint32, ts uint64, vals ...any) {
		b, err := amf.Append(nil, vals...)
		if err != nil {
			panic(err)
		}
		w.WriteMessage(&chunk.Message{CSID: csid, Type: typ, StreamID: sid, Timestamp: ts, Payload: b})
	}
	media := func(w *chunk.Writer, typ uint8, ts uint64, p []byte) {
		w.WriteMessage(&chunk.Message{CSID: 6, Type: typ, StreamID: 1, Timestamp: ts, Payload: p})
	}
	build := func(f func(w *chunk.Writer)) []byte {
		var buf bytes.Buffer
		f(chunk.NewWriter(&buf, chunk.DefaultChunkSize))
		return buf.Bytes()
	}
	connect := amf.Object{{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://h/live"}}
	return map[string][]byte{
		"publish": build(func(w *chunk.Writer) {
			w.WriteMessage(chunk.SetChunkSizeMessage(4096))
			w.SetChunkSize(4096)
			msg(w, 3, chunk.TypeCommandAMF0, 0, 0, "connect", 1, connect)
			msg(w, 3, chunk.TypeCommandAMF0, 0, 0, "releaseStream", 2, nil, "cam")
			msg(w, 3, chunk.TypeCommandAMF0, 0, 0, "FCPublish", 3, nil, "cam")
			msg(w, 3, chunk.TypeCommandAMF0, 0, 0, "createStream", 4, nil)
			msg(w, 8, chunk.TypeCommandAMF0, 1, 0, "publish", 5, nil, "cam?a=b", "live")
			msg(w, 4, chunk.TypeDataAMF0, 1, 0, "@setDataFrame", "onMetaData", amf.ECMAArray{{Key: "width", Value: 640.0}})
			media(w, TypeVideo, 0, []byte{0x17, 0, 0, 0, 0, 1, 0x64})
			media(w, TypeAudio, 0, []byte{0xAF, 0, 0x12, 0x10})
			media(w, TypeVideo, 40, []byte{0x90, 'h', 'v', 'c', '1', 1})
			media(w, TypeVideo, 0x1000000, []byte{0x27, 1, 0, 0, 0, 5})
			msg(w, 3, chunk.TypeCommandAMF0, 0, 0, "FCUnpublish", 6, nil, "cam")
			msg(w, 3, chunk.TypeCommandAMF0, 0, 0, "deleteStream", 7, nil, 1.0)
			msg(w, 8, chunk.TypeCommandAMF0, 1, 0, "publish", 8, nil, "cam2", "live")
			msg(w, 8, chunk.TypeCommandAMF0, 1, 0, "closeStream", 0, nil)
			msg(w, 3, chunk.TypeCommandAMF0, 0, 0, "play", 0, nil, "cam")
		}),
		"publish-before-connect": build(func(w *chunk.Writer) {
			msg(w, 8, chunk.TypeCommandAMF0, 1, 0, "publish", 0, nil, "cam", "live")
		}),
		"amf3-command": build(func(w *chunk.Writer) {
			b, _ := amf.Append([]byte{0}, "connect", 1, connect)
			w.WriteMessage(&chunk.Message{CSID: 3, Type: chunk.TypeCommandAMF3, Payload: b})
		}),
		"huge-strict-array": build(func(w *chunk.Writer) {
			b, _ := amf.Append(nil, "connect", 1)
			b = append(b, 0x0A, 0x7F, 0xFF, 0xFF, 0xFF)
			w.WriteMessage(&chunk.Message{CSID: 3, Type: chunk.TypeCommandAMF0, Payload: b})
		}),
		"nested": build(func(w *chunk.Writer) {
			b := nested(2000)
			w.WriteMessage(&chunk.Message{CSID: 3, Type: chunk.TypeCommandAMF0, Payload: b})
		}),
	}
}

// TestFuzzSeeds keeps the committed corpus in step with seedSessions;
// run with -update after changing them.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzSession")
	for name, b := range seedSessions() {
		path := filepath.Join(dir, name)
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != want {
			t.Errorf("seed %s is missing or stale (%v): run go test -run TestFuzzSeeds -update", path, err)
		}
	}
}
