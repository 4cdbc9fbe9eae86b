package record

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// countSink counts write system calls.
type countSink struct {
	sink
	writes *atomic.Int64
}

func (s countSink) Writev(bufs [][]byte) (int64, error) {
	s.writes.Add(1)
	return s.sink.Writev(bufs)
}

// flushRig is a rig with a 4 KiB buffer, a manual flush ticker and a
// write counter.
type flushRig struct {
	*rig
	tick   chan time.Time
	writes atomic.Int64
}

func newFlushRig(t *testing.T) *flushRig {
	fr := &flushRig{tick: make(chan time.Time)}
	fr.rig = newRigWith(t, func(m *Module) {
		m.BufferSize = 4096
		m.tick = func(time.Duration) (<-chan time.Time, func()) { return fr.tick, func() {} }
		m.wrap = func(s sink) sink { return countSink{s, &fr.writes} }
	}, newRecorder(t, "", all))
	return fr
}

// onDisk returns the media tags in the file now, read strictly while it
// is being recorded.
func (fr *flushRig) onDisk(t *testing.T) string {
	t.Helper()
	return tagsString(readFLV(t, fr.h.nodes[0].path).Tags)
}

// waitDisk polls the file until it holds want: the ticker flushes on its
// own goroutine.
func (fr *flushRig) waitDisk(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f, err := flv.ReadFile(fr.h.nodes[0].path) // may catch a write in progress
		if err == nil && tagsString(stripMeta(f).Tags) == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("file never held %s (last read: %v)", want, err)
		}
		runtime.Gosched()
	}
}

// TestFlushPolicy: whole tags reach the file only at a keyframe, when the
// buffer is full, when a write finds the buffer older than the flush
// period, on the ticker, and at close; the file is a valid FLV at each
// step.
func TestFlushPolicy(t *testing.T) {
	fr := newFlushRig(t)
	fr.feed(vSeq(0), aSeq(0), vKey(0, 0))
	if got, want := fr.onDisk(t), "V0h A0h V0k"; got != want {
		t.Fatalf("after the keyframe: %s, want %s", got, want)
	}
	w0 := fr.writes.Load() // header and metadata, then the keyframe flush
	fr.feed(aRaw(10, 0), vInter(40, 1))
	if got := fr.onDisk(t); got != "V0h A0h V0k" || fr.writes.Load() != w0 {
		t.Fatalf("small frames were written at once: %s, %d writes", got, fr.writes.Load()-w0)
	}
	fr.clk.Advance(defaultFlush)
	fr.feed(aRaw(33, 1))
	if got, want := fr.onDisk(t), "V0h A0h V0k A10 V40 A33"; got != want || fr.writes.Load() != w0+1 {
		t.Fatalf("after the flush period: %s, want %s (%d writes)", got, want, fr.writes.Load()-w0)
	}
	fr.feed(vInter(80, 2)) // the stream stalls with this frame buffered
	fr.tick <- time.Time{}
	fr.waitDisk(t, "V0h A0h V0k A10 V40 A33 V80")
	w1 := fr.writes.Load()
	var big []media.Frame
	for i := range 200 { // 200 × 25-byte tags: the 4 KiB buffer fills once
		big = append(big, aRaw(int64(100+i), i))
	}
	fr.feed(big...)
	if n := fr.writes.Load() - w1; n != 1 {
		t.Fatalf("%d writes for 5000 bytes through a 4 KiB buffer, want 1", n)
	}
	readFLV(t, fr.h.nodes[0].path)
	fr.close(rtmp.CloseUnpublish)
	f := readFLV(t, fr.paths()[0])
	if len(f.Tags) != 7+200 {
		t.Fatalf("%d tags after close, want %d", len(f.Tags), 207)
	}
	checkMeta(t, fr.paths()[0])
}

// TestFlushLargeTagInPlace: a tag larger than the buffer goes out with
// the buffered tags in one write.
func TestFlushLargeTagInPlace(t *testing.T) {
	fr := newFlushRig(t)
	fr.feed(vSeq(0), vKey(0, 0), aSeq(0), aRaw(1, 0))
	w0 := fr.writes.Load()
	p := make([]byte, 10000)
	copy(p, avcPayload(false, 1))
	fr.feed(media.Frame{Type: media.TypeVideo, Time: 40, Payload: p})
	if n := fr.writes.Load() - w0; n != 1 {
		t.Fatalf("%d writes, want 1", n)
	}
	// That the buffer does not grow is the FLV writer's own test
	// (flv.TestLargeTagInPlaceKeepsTheBuffer).
	if got, want := fr.onDisk(t), "V0h V0k A0h A1 V40"; got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

// TestFlusherStopsWithDaemon: the flusher service stops a running flush
// ticker at once and for good: a stream that registers afterwards starts
// none.
func TestFlusherStopsWithDaemon(t *testing.T) {
	var starts, stops atomic.Int32
	r := newRigWith(t, func(m *Module) {
		m.tick = func(time.Duration) (<-chan time.Time, func()) {
			starts.Add(1)
			return nil, func() { stops.Add(1) }
		}
	}, newRecorder(t, "", all))
	r.feed(vSeq(0), vKey(0, 0))
	if starts.Load() != 1 {
		t.Fatalf("%d tickers started by a publishing stream, want 1", starts.Load())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.m.Flusher().Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if stops.Load() != 1 {
		t.Fatalf("the ticker was not stopped (%d stops)", stops.Load())
	}
	r.m.register(nil, streamKey{"live", "late"})
	if starts.Load() != 1 {
		t.Errorf("a stream registered after Stop started a ticker")
	}
}
