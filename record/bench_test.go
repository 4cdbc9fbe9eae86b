package record

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
)

// BenchmarkOnAV: one 4 KiB video frame through a recording node into a
// file in a temp dir. Steady state must not allocate.
func BenchmarkOnAV(b *testing.B) {
	r := newRig(b, newRecorder(b, "", all))
	r.feed(vSeq(0), aSeq(0), vKey(0, 0))
	f := media.Frame{Type: media.TypeVideo, Payload: make([]byte, 4096)}
	copy(f.Payload, avcPayload(false, 1))
	b.SetBytes(int64(len(f.Payload)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		f.Time = int64(i+1) * 40
		r.onAV(&f)
	}
	b.StopTimer()
	if n := r.h.nodes[0].vframes; n != int64(b.N)+1 {
		b.Fatalf("%d frames written, want %d", n, b.N+1)
	}
}

// TestOnAVDoesNotAllocate pins BenchmarkOnAV's 0 allocs/op in the test run.
func TestOnAVDoesNotAllocate(t *testing.T) {
	r := newRig(t, newRecorder(t, "", all))
	r.feed(vSeq(0), aSeq(0), vKey(0, 0))
	v := media.Frame{Type: media.TypeVideo, Payload: avcPayload(false, 1)}
	a := media.Frame{Type: media.TypeAudio, Payload: aacPayload(1)}
	i := int64(0)
	allocs := testing.AllocsPerRun(200, func() {
		i++
		v.Time, a.Time = i*40, i*40+3
		r.onAV(&v)
		r.onAV(&a)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame pair, want 0", allocs)
	}
}
