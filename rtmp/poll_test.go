package rtmp

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/rtmp/amf"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

// pollServer starts a server polling every poll with a module that keeps
// every frame, and a raw publisher of live/cam that sent one video
// message (so the session polls from then on) at chunk size 4096.
func pollServer(t *testing.T, poll, timeout time.Duration) (*testServer, *eventLog, *rawConn) {
	t.Helper()
	ev := newEventLog()
	cfg := testConfig("live")
	cfg.Servers[0].Timeout = timeout
	ts := startServer(t, cfg, Options{PollInterval: poll, Modules: []Module{&testModule{name: "keep", log: ev, keepAV: true}}})
	r := dialRaw(t, ts.addr, true)
	r.SetDeadline(time.Time{})
	r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
	r.command(t, 0, "createStream", 2, nil)
	r.command(t, 1, "publish", 0, nil, "cam", "live")
	ev.waitLine(t, "keep:publish cam args= type=live")
	go io.Copy(io.Discard, r)
	// One write, so that one read takes the whole first message even with
	// a tick of an hour.
	var first bytes.Buffer
	chunk.NewWriter(&first, chunk.DefaultChunkSize).WriteMessage(chunk.SetChunkSizeMessage(4096))
	first.Write(videoMessages(0, 1))
	r.Write(first.Bytes())
	waitFrames(t, ev, 1)
	return ts, ev, r
}

// videoMessages encodes n video messages from number first on, every
// fifth from the fifth a 100 KB keyframe (larger than any buffer a chunk stream keeps),
// the others 3 KB, each filled from its number.
func videoMessages(first, n int) []byte {
	var buf bytes.Buffer
	w := chunk.NewWriter(&buf, 4096)
	for i := first; i < first+n; i++ {
		w.WriteMessage(&chunk.Message{CSID: 6, Type: chunk.TypeVideo, StreamID: 1, Timestamp: uint64(40 * i), Payload: videoPayload(i)})
	}
	return buf.Bytes()
}

func videoPayload(i int) []byte {
	size, head := 3000, byte(0x27)
	if i%5 == 4 {
		size, head = 100_000, 0x17
	}
	p := bytes.Repeat([]byte{byte(i)}, size)
	p[0], p[1] = head, 1
	return p
}

func waitFrames(t *testing.T, ev *eventLog, n int) []Frame {
	t.Helper()
	var got []Frame
	ev.waitFor(t, fmt.Sprintf("%d frames", n), func([]string) bool {
		got = ev.framesOf("keep")
		return len(got) >= n
	})
	return got
}

func checkPolled(t *testing.T, got []Frame, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d frames, want %d", len(got), n)
	}
	for i, f := range got {
		if want := videoPayload(i); !bytes.Equal(f.Payload, want) || f.Time != int64(40*i) {
			t.Fatalf("frame %d: %d bytes at %d ms, want %d bytes at %d ms, intact", i, len(f.Payload), f.Time, len(want), 40*i)
		}
	}
}

// TestPollingDelivers: a polling session gets every message intact, keyframes
// larger than the kept buffers included, sent in bursts and one by one,
// across the fallback to blocking reads after a pause.
func TestPollingDelivers(t *testing.T) {
	_, ev, r := pollServer(t, 5*time.Millisecond, time.Minute)
	r.Write(videoMessages(1, 30)) // one burst: several reads, buffer refills
	waitFrames(t, ev, 31)
	for i := 31; i < 40; i++ {
		r.Write(videoMessages(i, 1))
	}
	waitFrames(t, ev, 40)
	// Well past maxIdlePolls empty ticks: the session reads blocking again.
	time.Sleep(10 * maxIdlePolls * 5 * time.Millisecond) // a pause on the publisher's side, not a synchronisation
	r.Write(videoMessages(40, 10))
	checkPolled(t, waitFrames(t, ev, 50), 50)
}

// TestPollingDropReadsWhatArrived: what the publisher had sent when the
// session is dropped still reaches the hooks, as it would have with a
// session woken per message, even though the next tick is far away.
func TestPollingDropReadsWhatArrived(t *testing.T) {
	ts, ev, r := pollServer(t, time.Hour, time.Minute)
	if _, err := r.Write(videoMessages(1, 20)); err != nil { // in the server's socket buffer on return
		t.Fatal(err)
	}
	ts.Registry().Lookup("live", "cam").Drop(CloseDrop)
	ev.waitLine(t, "keep:close drop")
	checkPolled(t, ev.framesOf("keep"), 21)
}

// TestPollingTimeout: a publisher that goes silent while polled is timed
// out by the server's timeout as before.
func TestPollingTimeout(t *testing.T) {
	ts, ev, _ := pollServer(t, 5*time.Millisecond, 300*time.Millisecond)
	ev.waitLine(t, "keep:close disconnect")
	waitSessions(t, ts, 0) // the session logs its end after OnClose
	if n := len(ts.logs.matching(slog.LevelInfo, "connection closed", "nothing received")); n != 1 {
		t.Errorf("%d timeout records: %q", n, ts.logs.all())
	}
}

// TestTickClock: every waiter wakes at the next tick, and the clock stops
// when nobody waits.
func TestTickClock(t *testing.T) {
	c := newTickClock(time.Millisecond)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 3 {
				c.wait(nil)
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		running := c.running
		c.mu.Unlock()
		if !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("clock still running without waiters")
		}
		time.Sleep(time.Millisecond) // polling a state with a deadline
	}
	c.wait(nil) // starts again
}

// TestHeavyStreamReadOnArrival: a stream that sends more per tick than
// polling can hold in the socket buffer is read as it arrives instead.
func TestHeavyStreamReadOnArrival(t *testing.T) {
	ev := newEventLog()
	var heavy atomic.Bool
	mod := &testModule{name: "keep", log: ev, onAV: func(s *Session, f *Frame) {
		if !s.in.poll.on && time.Now().Before(s.in.poll.heavy) { // on the session goroutine
			heavy.Store(true)
		}
	}}
	ts := startServer(t, testConfig("live"), Options{PollInterval: 50 * time.Millisecond, Modules: []Module{mod}})
	r := dialRaw(t, ts.addr, true)
	r.SetDeadline(time.Time{})
	r.command(t, 0, "connect", 1, amf.Object{{Key: "app", Value: "live"}})
	r.command(t, 0, "createStream", 2, nil)
	r.command(t, 1, "publish", 0, nil, "cam", "live")
	ev.waitLine(t, "keep:publish cam args= type=live")
	go io.Copy(io.Discard, r)
	r.w.WriteMessage(chunk.SetChunkSizeMessage(4096))
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; !heavy.Load(); i++ { // 100 KB every millisecond or so: far above any socket buffer per tick
		if time.Now().After(deadline) {
			t.Fatal("a stream of 100 KB per millisecond is still polled after 10 s")
		}
		if _, err := r.Write(videoMessages(5*i+4, 1)); err != nil {
			t.Fatal(err)
		}
	}
}
