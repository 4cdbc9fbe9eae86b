package hls

import (
	"path/filepath"
	"testing"
	"time"
)

// recordSession records n frames each of video (25 fps, a key frame
// every second) and AAC audio as HLS with seg segments of 2 s, closes
// the recording and returns its directory and playlist.
func recordSession(tb testing.TB, seg string, n int) (string, *Playlist) {
	tb.Helper()
	m, dir := openMuxer(tb, Format{Segment: seg, Fragment: 2 * time.Second, MaxFragment: 4 * time.Second}, time.Now())
	avSession(&feeder{t: tb, m: m}, 0, n, aacSeq)
	if err := m.Close(); err != nil {
		tb.Fatal(err)
	}
	return dir, readParsed(tb, filepath.Join(dir, PlaylistName))
}

// TestCountFMP4: the samples counted from the segments' moof headers
// are the samples the muxer stored (Stored, what a close reports), the
// sample entries name the codecs, and a recording of MPEG-TS segments
// is not counted (ok false).
func TestCountFMP4(t *testing.T) {
	m, dir := openMuxer(t, Format{Fragment: 2 * time.Second, MaxFragment: 4 * time.Second}, time.Now())
	avSession(&feeder{t: t, m: m}, 0, 250, aacSeq)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	v, a := m.(*muxer).Stored()
	c, ok, err := CountFMP4(dir, readParsed(t, filepath.Join(dir, PlaylistName)))
	if err != nil || !ok || c.Video != v || c.Audio != a || v < 249 || a < 249 || c.VideoEntry != "avc1" || c.AudioEntry != "mp4a" {
		t.Errorf("counted %+v (ok %v, %v); the muxer stored %d video %d audio of 250 each", c, ok, err, v, a)
	}
	tsDir, tsPl := recordSession(t, SegmentMPEGTS, 50)
	if c, ok, err := CountFMP4(tsDir, tsPl); ok || err != nil || c != (Counts{}) {
		t.Errorf("MPEG-TS recording counted %+v, ok %v, %v", c, ok, err)
	}
}

// BenchmarkCountFMP4Hour counts an hour of fMP4 HLS media (25 fps video
// and AAC audio in 2 s segments: 1800 segment files): the cost that
// index rebuild adds per hour of recording. The media data is not read,
// so the figure is per segment and per sample, not per byte.
func BenchmarkCountFMP4Hour(b *testing.B) {
	dir, pl := recordSession(b, SegmentFMP4, 3600*25)
	if len(pl.Segments) < 1700 {
		b.Fatalf("%d segments, want 1800", len(pl.Segments))
	}
	b.ResetTimer()
	for b.Loop() {
		c, ok, err := CountFMP4(dir, pl)
		if err != nil || !ok || c.Video < 3600*25-1 {
			b.Fatalf("%+v %v %v", c, ok, err)
		}
	}
}
