package hls

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
)

// tsSegment records n frames of video and audio (40 ms each) as MPEG-TS
// and returns its one segment, closed: PAT, PMT, then PES packets of
// both PIDs.
func tsSegment(t testing.TB, n int) []byte {
	m, dir := openMuxer(t, Format{Segment: SegmentMPEGTS, Fragment: 10 * time.Second}, t0)
	fd := &feeder{t: t, m: m}
	fd.feed(media.TypeVideo, 0, avcSeq())
	fd.feed(media.TypeAudio, 0, aacSeq)
	for i := range n {
		fd.feed(media.TypeVideo, int64(i)*40, avcFrame(i%10 == 0, i))
		fd.feed(media.TypeAudio, int64(i)*40+5, aacFrame(i))
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "000000.ts"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzReadTS: the reader of torn MPEG-TS segments never panics, reads
// only whole packets, and its cut keeps only PES packets that are
// complete and end before it.
func FuzzReadTS(f *testing.F) {
	seg := tsSegment(f, 3) // small: the fuzzer stalls on large seeds
	f.Add(seg)
	f.Add(seg[:len(seg)-77])
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := readTS(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if s.whole > int64(len(b)) || s.whole%tsPacketSize != 0 {
			t.Fatalf("whole packets end at %d of %d bytes", s.whole, len(b))
		}
		c := s.cut()
		if c < 0 || c > s.whole || c%tsPacketSize != 0 {
			t.Fatalf("cut at %d, whole packets end at %d", c, s.whole)
		}
		for i, p := range s.pes {
			if p.start >= p.end || p.end > s.whole || i > 0 && p.start <= s.pes[i-1].start {
				t.Fatalf("PES %d: %+v", i, p)
			}
			if p.start < c && (!p.complete || p.end > c) {
				t.Fatalf("cut at %d keeps PES %+v", c, p)
			}
		}
		if ms, ok := s.durationMS(c); ok && ms < 0 {
			t.Fatalf("negative duration %d", ms)
		}
	})
}

// TestReadTSSegment: the reader finds every PES packet of a segment the
// muxer wrote, with its timestamps; a whole segment is kept whole, and
// a cut inside its last PES packet drops just that packet.
func TestReadTSSegment(t *testing.T) {
	seg := tsSegment(t, 25)
	s, err := readTS(bytes.NewReader(seg), int64(len(seg)))
	if err != nil {
		t.Fatal(err)
	}
	var v, a int
	for _, p := range s.pes {
		if !p.complete || p.ts < tsOffset {
			t.Fatalf("PES %+v", p)
		}
		if p.video() {
			v++
		} else if p.audio() {
			a++
		}
	}
	if v != 25 || a != 25 || s.whole != int64(len(seg)) || s.cut() != s.whole {
		t.Fatalf("%d video and %d audio PES packets, whole %d, cut %d of %d bytes", v, a, s.whole, s.cut(), len(seg))
	}
	if ms, ok := s.durationMS(s.cut()); !ok || ms != 24*40+40 {
		t.Fatalf("duration %d ms, %v; want %d", ms, ok, 25*40)
	}
	last := s.pes[len(s.pes)-1]
	torn := seg[:last.end-10]
	s, err = readTS(bytes.NewReader(torn), int64(len(torn)))
	if err != nil || s.cut() != last.start || s.whole != last.end-tsPacketSize {
		t.Fatalf("torn: %v, cut %d, want %d", err, s.cut(), last.start)
	}
}

// TestReadTSPrivateStream: an audio-only segment whose PES packets are on
// private_stream_1 (Opus in MPEG-TS) is measured by them.
func TestReadTSPrivateStream(t *testing.T) {
	var b bytes.Buffer
	out := newTSOut(&b)
	s := pesStream{pid: 0x100, sid: 0xbd}
	for i := range 3 {
		ts := int64(tsOffset + i*20*90)
		if err := out.writePES(&s, pesPacket{pts: ts, dts: ts, pcr: -1, random: true}, [][]byte{{1, 2, 3}}, 3); err != nil {
			t.Fatal(err)
		}
	}
	if err := out.flush(); err != nil {
		t.Fatal(err)
	}
	sc, err := readTS(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if ms, ok := sc.durationMS(sc.cut()); !ok || ms != 60 || len(sc.pes) != 3 {
		t.Fatalf("%d PES packets, %d ms (%v), want 3 and 60", len(sc.pes), ms, ok)
	}
}
