package rtmp

import (
	"bytes"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yutopp/go-rtmp/message"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// zeros is the payload attackers send, allocated once so that the tests'
// allocation counts measure the server.
var zeros = make([]byte, 1<<16)

// announce writes, on chunk stream csid, the header of a video message of
// length bytes and the first n (at most 64 Ki) bytes of its payload (chunk
// size 65536).
func (r *rawConn) announce(csid uint32, length, n int) error {
	h := []byte{byte(csid), 0, 0, 0, byte(length >> 16), byte(length >> 8), byte(length), chunk.TypeVideo, 1, 0, 0, 0}
	if _, err := r.Write(h); err != nil {
		return err
	}
	_, err := r.Write(zeros[:n])
	return err
}

// bigChunks announces a 64 KiB chunk size to the server.
func (r *rawConn) bigChunks() {
	r.w.WriteMessage(chunk.SetChunkSizeMessage(65536))
	r.w.SetChunkSize(65536)
}

// honestPublisher is a go-rtmp publisher whose every frame must arrive.
func honestPublisher(t *testing.T, ts *testServer, ev *eventLog) *honest {
	t.Helper()
	_, st := goPublish(t, ts.addr, "live", "honest")
	h := &honest{t: t, ev: ev, send: func(ts uint32) error {
		return st.Write(6, ts, &message.VideoMessage{Payload: bytes.NewReader([]byte{0x17, 0x01, 0, 0, 0, 1, 2, 3})})
	}}
	h.check()
	return h
}

// TestPinnedMemoryBeforeConnect is the attack of ten connections that
// never send connect, each announcing 31 chunk streams of 1,000,000-byte
// video messages: before connect a connection may only use what connect
// needs, so each is dropped at its first announcement, the server
// allocates next to nothing for them, and a publisher alongside carries on.
func TestPinnedMemoryBeforeConnect(t *testing.T) {
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{Modules: []Module{&testModule{name: "rec", log: ev, keepAV: true}}})
	h := honestPublisher(t, ts, ev)
	ts.reg.partial.peak.Store(0) // the honest publisher's connect is not the attack
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	alloc := ms.TotalAlloc
	var wg sync.WaitGroup
	for range 10 {
		r := dialRaw(t, ts.addr, true)
		wg.Go(func() {
			r.bigChunks()
			for csid := uint32(4); csid < 4+31; csid++ {
				if r.announce(csid, 1_000_000, 65536) != nil { // the first 64 KiB chunk
					break // dropped
				}
			}
			r.waitClosed(t)
		})
	}
	wg.Wait()
	waitSessions(t, ts, 1)
	runtime.ReadMemStats(&ms)
	grew := ms.TotalAlloc - alloc
	if grew > 16<<20 {
		t.Errorf("allocated %d MB serving 10 connections that never connect", grew>>20)
	}
	t.Logf("allocated %d KiB in the process during the attack", grew>>10)
	if got := ts.logs.matching(slog.LevelWarn, "dropping client", "over limit 16384"); len(got) != 10 {
		t.Errorf("%d drops for messages over the limit before connect, want 10: %q", len(got), got)
	}
	if p := ts.reg.partial.peak.Load(); p > 0 {
		t.Errorf("unfinished messages held %d bytes before connect, want none", p)
	}
	h.check()
}

// TestMessageMustCompleteInTime: a client that announces a message and
// sends its bytes one at a time, each well within the timeout, is dropped
// once the message is not complete a timeout after its first chunk; a
// publisher alongside that keeps sending is not.
func TestMessageMustCompleteInTime(t *testing.T) {
	cfg := testConfig("live")
	cfg.Servers[0].Timeout, cfg.Servers[0].Ping = 2*time.Second, 0
	ev := newEventLog()
	ts := startServer(t, cfg, Options{Modules: []Module{&testModule{name: "rec", log: ev, keepAV: true}}})
	h := honestPublisher(t, ts, ev)
	stop := make(chan struct{})
	defer close(stop)
	go func() { // the honest publisher sends a frame every 100 ms
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for n := uint32(1000); ; n++ {
			select {
			case <-stop:
				return
			case <-tick.C:
				h.send(n * 40)
			}
		}
	}()

	r := dialRaw(t, ts.addr, true)
	r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
	r.bigChunks()
	start := time.Now()
	if err := r.announce(6, 100_000, 1000); err != nil {
		t.Fatal(err)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for sent := 0; ; sent++ {
		<-tick.C
		if _, err := r.Write([]byte{0}); err != nil {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("still connected after trickling %d bytes for 10 s", sent)
		}
	}
	r.waitClosed(t)
	if got := ts.logs.matching(slog.LevelWarn, "dropping client", "not completed within 2s"); len(got) != 1 {
		t.Fatalf("%d drops for the trickled message, want 1: %q", len(got), got)
	}
	if lines := ev.snapshot(); strings.Contains(strings.Join(lines, "\n"), "close") {
		t.Fatalf("the honest publisher was closed: %q", lines)
	}
}

// TestPartialBytesCapped: ten connected clients each start 31 messages of
// 1,000,000 bytes and send 64 KiB of each, then wait. Past the server-wide
// cap on bytes held by unfinished messages the connection holding the
// most is dropped, until the rest fit: the total never goes past the cap
// by more than one read buffer per connection, and a publisher sending a
// 300 KB key frame alongside is unaffected.
func TestPartialBytesCapped(t *testing.T) {
	const limit = 4 << 20
	const perConn = 31 * 65536
	ev := newEventLog()
	ts := startServer(t, testConfig("live"), Options{
		Modules:         []Module{&testModule{name: "rec", log: ev, keepAV: true}},
		MaxPartialBytes: limit,
	})
	h := honestPublisher(t, ts, ev)
	honestSession := ts.Registry().Lookup("live", "honest")

	attackers := make([]*rawConn, 10)
	for i := range attackers {
		r := dialRaw(t, ts.addr, true)
		r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
		r.bigChunks()
		attackers[i] = r
	}
	var wg sync.WaitGroup
	for _, r := range attackers {
		wg.Go(func() {
			for csid := uint32(4); csid < 4+31; csid++ {
				if r.announce(csid, 1_000_000, 65536) != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	// Wait until every attacker's bytes were read: it holds them all, or
	// it was dropped.
	settled := func() bool {
		for _, s := range ts.Registry().Sessions() {
			if s != honestSession && s.dropReason() == "" && s.held.Load() != perConn {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(10 * time.Second)
	for !settled() {
		if time.Now().After(deadline) {
			t.Fatalf("attackers not settled; %d bytes held", ts.Registry().PartialBytes())
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	if got := ts.Registry().PartialBytes(); got > limit {
		t.Errorf("%d bytes held after shedding, cap %d", got, limit)
	}
	if peak, bound := ts.reg.partial.peak.Load(), int64(limit+11*readBufSize); peak > bound {
		t.Errorf("unfinished messages held up to %d bytes, bound %d", peak, bound)
	}
	drops := ts.logs.matching(slog.LevelWarn, "dropping client: its unfinished messages hold the most memory")
	if want := 10 - limit/perConn; len(drops) < want || uint64(len(drops)) != ts.Registry().Stats().Shed.PartialMessages {
		t.Errorf("%d drops (counted %d), want at least %d", len(drops), ts.Registry().Stats().Shed.PartialMessages, want)
	}
	t.Logf("%d of 10 attackers dropped; peak %d bytes held", len(drops), ts.reg.partial.peak.Load())
	h.check()

	// Another publisher sends a 300 KB key frame in 4 KiB chunks while
	// the remaining attackers hold their bytes: an attacker makes room.
	key := append([]byte{0x17, 0x01, 0, 0, 0}, make([]byte, 300_000)...)
	_, st := goPublish(t, ts.addr, "live", "honest2")
	within(t, "honest key frame", func() error {
		return st.Write(6, 0, &message.VideoMessage{Payload: bytes.NewReader(key)})
	})
	ev.waitFor(t, "the key frame", func([]string) bool {
		for _, f := range ev.framesOf("rec") {
			if len(f.Payload) == len(key) {
				return true
			}
		}
		return false
	})
	if s := ts.Registry().Lookup("live", "honest"); s != honestSession || s.dropReason() != "" {
		t.Fatal("the honest publisher was dropped")
	}
	for _, r := range attackers {
		r.Close()
	}
	waitSessions(t, ts, 2)
	if got := ts.Registry().PartialBytes(); got != 0 {
		t.Errorf("%d bytes still counted after the attackers left", got)
	}
}
