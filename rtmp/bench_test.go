package rtmp

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/hub"
	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// countModule signals every n-th frame: the measured path is socket →
// chunk reader → classification → OnAV, with nothing else per frame.
type countModule struct {
	n      atomic.Int64
	every  atomic.Int64
	signal chan struct{}
	ev     *eventLog
}

func (m *countModule) Name() string        { return "count" }
func (m *countModule) Hook(*Session) Hooks { return Hooks{AV: m} }

func (m *countModule) OnAV(f *Frame) {
	if m.n.Add(1)%m.every.Load() == 0 {
		m.signal <- struct{}{}
	}
}

// publishRaw connects, creates a stream and publishes app/name with raw
// messages, then waits until the server started the publish.
func publishRaw(tb testing.TB, ts *testServer, ev *eventLog, name string) *rawConn {
	tb.Helper()
	r := dialRaw(tb, ts.addr, true)
	r.SetDeadline(time.Time{})
	r.command(tb, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
	r.command(tb, 0, "createStream", 2, nil)
	r.command(tb, 1, "publish", 0, nil, name, "live")
	ev.waitLine(tb, "mark:publish "+name+" args= type=live")
	go io.Copy(io.Discard, r) // replies and pings
	return r
}

// encodedVideo is one 4 KiB video message as chunks of chunkSize, to be
// written whole.
func encodedVideo(chunkSize int) []byte {
	var buf bytes.Buffer
	w := chunk.NewWriter(&buf, chunkSize)
	w.WriteMessage(&chunk.Message{CSID: 6, Type: chunk.TypeVideo, StreamID: 1, Timestamp: 40, Payload: filled(4096, 0x27, 0x01, 0, 0, 0)})
	return buf.Bytes()
}

func benchServer(tb testing.TB, every int64, chunkSize int, poll time.Duration) (*countModule, *rawConn) {
	ev := newEventLog()
	cm := &countModule{signal: make(chan struct{}, 1), ev: ev}
	cm.every.Store(every)
	ts := startServer(tb, testConfig("live"), Options{Modules: []Module{&testModule{name: "mark", log: ev}, cm}, PollInterval: poll})
	r := publishRaw(tb, ts, ev, "bench")
	if chunkSize != chunk.DefaultChunkSize {
		r.w.WriteMessage(chunk.SetChunkSizeMessage(uint32(chunkSize)))
	}
	return cm, r
}

// readModes are the two ways a publishing session reads its socket: woken
// for every message (polling off) and polling, here at 1 ms so that one
// pipelined connection measures the path rather than the clock.
var readModes = []struct {
	name string
	poll time.Duration
}{{"wake", -1}, {"poll", time.Millisecond}}

// BenchmarkSocketToOnAV measures one 4 KiB video message from a loopback
// socket to OnAV, at the initial chunk size (128) and at the 4096 that
// ffmpeg and OBS announce, in both read modes. Messages are pipelined;
// allocs/op must be 0.
func BenchmarkSocketToOnAV(b *testing.B) {
	for _, mode := range readModes {
		for _, cs := range []int{128, 4096} {
			b.Run(fmt.Sprintf("%s/chunk%d", mode.name, cs), func(b *testing.B) {
				msg := encodedVideo(cs)
				cm, r := benchServer(b, 1<<62, cs, mode.poll)
				b.SetBytes(4096)
				b.ReportAllocs()
				b.ResetTimer()
				cm.every.Store(int64(b.N) + cm.n.Load())
				for range b.N {
					if _, err := r.Write(msg); err != nil {
						b.Fatal(err)
					}
				}
				<-cm.signal
			})
		}
	}
}

// TestSocketToOnAVAllocs guards the hot path: a media message from the
// socket to OnAV allocates nothing, woken per message or polling.
func TestSocketToOnAVAllocs(t *testing.T) {
	for _, mode := range readModes {
		t.Run(mode.name, func(t *testing.T) {
			msg := encodedVideo(4096)
			cm, r := benchServer(t, 1, 4096, mode.poll)
			send := func() {
				if _, err := r.Write(msg); err != nil {
					t.Fatal(err)
				}
				<-cm.signal
			}
			send() // warm up: first codec state, buffers
			if n := testing.AllocsPerRun(200, send); n != 0 {
				t.Errorf("%.2f allocations per media message, want 0", n)
			}
		})
	}
}

// readerModule attaches a queued reader that needs the GOP cache to every
// publish's stream hub, as a live player would.
type readerModule struct{ read atomic.Int64 }

func (m *readerModule) Name() string          { return "reader" }
func (m *readerModule) Hook(s *Session) Hooks { return Hooks{Publish: &readerHook{m: m, s: s}} }
func (m *readerModule) Read(*Frame)           { m.read.Add(1) }

type readerHook struct {
	m *readerModule
	s *Session
}

func (h *readerHook) OnPublish(context.Context, *Publish) error {
	h.s.Stream().Attach(h.m, hub.ReaderOptions{Queue: 8, GOP: true})
	return nil
}

// TestSocketToHubReaderAllocs: with a queued reader and the GOP cache on
// the stream hub, a media message from the socket to the recorders and
// into the reader's queue still allocates nothing once the queue's slots
// have held a message of its size.
func TestSocketToHubReaderAllocs(t *testing.T) {
	ev := newEventLog()
	cm := &countModule{signal: make(chan struct{}, 1), ev: ev}
	cm.every.Store(1)
	rm := &readerModule{}
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "mark", log: ev}, rm, cm}, PollInterval: -1})
	r := publishRaw(t, ts, ev, "bench")
	r.w.WriteMessage(chunk.SetChunkSizeMessage(4096))
	msg := encodedVideo(4096)
	stuck := time.After(time.Minute) // one timer: a timer per message would be the allocation measured
	send := func() {
		if _, err := r.Write(msg); err != nil {
			t.Fatal(err)
		}
		select {
		case <-cm.signal:
		case <-stuck:
			t.Fatalf("frames stopped going through the hub; server log:\n%s", strings.Join(ts.logs.all(), "\n"))
		}
	}
	for range 20 { // warm up: codec state, every queue slot
		send()
	}
	if n := testing.AllocsPerRun(200, send); n != 0 {
		t.Errorf("%.2f allocations per media message, want 0", n)
	}
	if rm.read.Load() == 0 {
		t.Error("the queued reader read nothing")
	}
}
