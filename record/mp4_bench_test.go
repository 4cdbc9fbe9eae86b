package record

import (
	"testing"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// benchISO measures one media message through a recorder of format: its
// node, the MP4 or fMP4 muxer and the file.
func benchISO(b *testing.B, format string) {
	rc := newRecorder(b, "", all)
	rc.Format, rc.Suffix, rc.MoovRoom = format, ".mp4", 3600e9
	r := newRig(b, rc)
	r.feed(vSeq(0), aSeq(0), vKey(0, 0))
	v := media.Frame{Type: media.TypeVideo, Payload: make([]byte, 4096)}
	copy(v.Payload, avcPayload(false, 1))
	a := media.Frame{Type: media.TypeAudio, Payload: aacPayload(1)}
	b.SetBytes(int64(len(v.Payload) + len(a.Payload)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		v.Time, a.Time = int64(i+1)*40, int64(i+1)*40
		r.onAV(&v)
		r.onAV(&a)
	}
}

func BenchmarkMP4OnAV(b *testing.B)  { benchISO(b, "mp4") }
func BenchmarkFMP4OnAV(b *testing.B) { benchISO(b, "fmp4") }

// BenchmarkMP4CloseOneHour: finishing an hour of 25 fps video and 25
// audio messages a second (moov from the journal into the room).
func BenchmarkMP4CloseOneHour(b *testing.B) {
	for range b.N {
		b.StopTimer()
		rc := newRecorder(b, "", all)
		rc.Format, rc.Suffix, rc.MoovRoom = "mp4", ".mp4", 3600e9
		r := newRig(b, rc)
		r.feed(vSeq(0), aSeq(0), vKey(0, 0))
		v := media.Frame{Type: media.TypeVideo, Payload: avcPayload(false, 1)}
		a := media.Frame{Type: media.TypeAudio, Payload: aacPayload(1)}
		for i := range 3600 * 25 {
			v.Time, a.Time = int64(i+1)*40, int64(i+1)*40
			r.onAV(&v)
			r.onAV(&a)
		}
		b.StartTimer()
		r.close(rtmp.CloseUnpublish)
	}
}
