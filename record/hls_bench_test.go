package record

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// avcSized is an AVC frame of size bytes whose one NAL unit fills it (a
// length-prefixed stream every container can split).
func avcSized(key bool, size int) []byte {
	b := make([]byte, size)
	copy(b, avcPayload(key, 1)[:5])
	binary.BigEndian.PutUint32(b[5:], uint32(size-9))
	b[9] = 0x41
	if key {
		b[9] = 0x65
	}
	return b
}

// BenchmarkFormatsOnAV: a 4 KiB video frame and an AAC frame (one op)
// through a recorder of each format, a key frame every 2 s (so HLS
// segments roll at record_hls_fragment 2s and the playlist is rewritten
// every 50 ops): FLV is the reference for the HLS figures.
func BenchmarkFormatsOnAV(b *testing.B) {
	for _, c := range []struct{ name, format, seg string }{
		{"flv", "flv", ""}, {"hls-fmp4", "hls", hls.SegmentFMP4}, {"hls-mpegts", "hls", hls.SegmentMPEGTS},
	} {
		b.Run(c.name, func(b *testing.B) {
			rc := newRecorder(b, "", all)
			rc.Format, rc.HLSSegmentType, rc.HLSFragment = c.format, c.seg, 2*time.Second
			if c.format == "hls" {
				rc.Suffix = ""
			}
			r := newRig(b, rc)
			r.feed(vSeq(0), aSeq(0), media.Frame{Type: media.TypeVideo, Payload: avcSized(true, 4096), Keyframe: true})
			key := media.Frame{Type: media.TypeVideo, Payload: avcSized(true, 4096), Keyframe: true}
			inter := media.Frame{Type: media.TypeVideo, Payload: avcSized(false, 4096)}
			a := media.Frame{Type: media.TypeAudio, Payload: aacPayload(1)}
			b.SetBytes(int64(len(inter.Payload) + len(a.Payload)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				v := &inter
				if (i+1)%50 == 0 {
					v = &key
				}
				v.Time, a.Time = int64(i+1)*40, int64(i+1)*40
				r.onAV(v)
				r.onAV(&a)
			}
		})
	}
}
