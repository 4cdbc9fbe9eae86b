package record

import (
	"encoding/binary"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
	"github.com/rtmprecd/rtmprecd/rtmp"
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

// cpuTime is the process's user plus system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFormatsOnAV: a 12 KiB video frame and an AAC frame (one op,
// 40 ms: about the 2.5 Mbit/s of make bench's clip) through a recorder
// of each format, a key frame every 2 s, HLS at its default 6 s
// fragment (a 1.8 MB segment and a playlist rewrite every 150 ops): FLV
// is the reference for the HLS figures. CPU-s/GB is the process's user
// plus system time, the kernel's file creation and renames included.
func BenchmarkFormatsOnAV(b *testing.B) {
	for _, c := range []struct{ name, format, seg string }{
		{"flv", "flv", ""}, {"hls-fmp4", "hls", hls.SegmentFMP4}, {"hls-mpegts", "hls", hls.SegmentMPEGTS},
	} {
		b.Run(c.name, func(b *testing.B) {
			rc := newRecorder(b, "", all)
			rc.Format, rc.HLSSegmentType = c.format, c.seg
			if c.format == "hls" {
				rc.Suffix = ""
			}
			r := newRig(b, rc)
			r.feed(vSeq(0), aSeq(0), media.Frame{Type: media.TypeVideo, Payload: avcSized(true, 12<<10), Keyframe: true})
			key := media.Frame{Type: media.TypeVideo, Payload: avcSized(true, 12<<10), Keyframe: true}
			inter := media.Frame{Type: media.TypeVideo, Payload: avcSized(false, 12<<10)}
			a := media.Frame{Type: media.TypeAudio, Payload: aacPayload(1)}
			b.SetBytes(int64(len(inter.Payload) + len(a.Payload)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime(b)
			for i := range b.N {
				v := &inter
				if (i+1)%50 == 0 {
					v = &key
				}
				v.Time, a.Time = int64(i+1)*40, int64(i+1)*40
				r.onAV(v)
				r.onAV(&a)
			}
			// the process's user+system time, the kernel's share of
			// creating and renaming files included: the CPU-s/GB
			gb := float64(b.N) * float64(len(inter.Payload)+len(a.Payload)) / 1e9
			b.ReportMetric((cpuTime(b)-cpu0).Seconds()/gb, "CPU-s/GB")
		})
	}
}

// TestHLSOnAVAllocatesPerSegmentOnly pins BenchmarkFormatsOnAV's
// 0 allocs/op for both segment types: once the init segment or the
// program tables are written, over 30 s of media (five segments, five
// playlist rewrites) fewer allocations than frame pairs.
func TestHLSOnAVAllocatesPerSegmentOnly(t *testing.T) {
	for _, segType := range []string{hls.SegmentFMP4, hls.SegmentMPEGTS} {
		t.Run(segType, func(t *testing.T) {
			rc := newRecorder(t, "", all)
			rc.Format, rc.Suffix, rc.HLSSegmentType = "hls", "", segType
			r := newRig(t, rc)
			r.feed(vSeq(0), aSeq(0), media.Frame{Type: media.TypeVideo, Payload: avcSized(true, 4096), Keyframe: true})
			key := media.Frame{Type: media.TypeVideo, Payload: avcSized(true, 4096), Keyframe: true}
			inter := media.Frame{Type: media.TypeVideo, Payload: avcSized(false, 4096)}
			a := media.Frame{Type: media.TypeAudio, Payload: aacPayload(1)}
			i := int64(0)
			pair := func() {
				i++
				v := &inter
				if i%50 == 0 {
					v = &key
				}
				v.Time, a.Time = i*40, i*40+3
				r.onAV(v)
				r.onAV(&a)
			}
			for range 100 { // the first fragment builds the init segment (go-mp4 allocates)
				pair()
			}
			allocs := testing.AllocsPerRun(750, pair)
			if allocs != 0 {
				t.Fatalf("%v allocations per frame pair, want fewer than one", allocs)
			}
			r.close(rtmp.CloseUnpublish)
			if p := readPlaylist(t, r.doneEvents()[0].Playlist, true); len(p.Segments) < 5 {
				t.Fatalf("%d segments: the run did not roll segments", len(p.Segments))
			}
		})
	}
}
