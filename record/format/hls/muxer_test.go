package hls

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
)

// segmentMS records a stream and returns its segments' durations.
func segmentMS(t *testing.T, f Format, feed func(*feeder)) []int64 {
	t.Helper()
	m, dir := openMuxer(t, f, t0)
	fd := &feeder{t: t, m: m}
	feed(fd)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	p := readParsed(t, filepath.Join(dir, PlaylistName))
	if err := Validate(p, true); err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, s := range p.Segments {
		out = append(out, s.MS)
	}
	return out
}

// TestSegmentingRule: a segment ends at the first video key frame at or
// after the fragment; at the max fragment without one; audio-only
// streams at the fragment. Both segment types follow the same rule.
func TestSegmentingRule(t *testing.T) {
	cases := []struct {
		name string
		feed func(*feeder)
		want []int64
	}{
		{"key frames every 1.5 s", func(f *feeder) { video(f, 9000, 1500) }, []int64{3000, 3000, 3000}},
		{"one key frame, then none", func(f *feeder) { video(f, 9000, 100000) }, []int64{3000, 3000, 3000}},
		{"key frames every 2.4 s", func(f *feeder) { video(f, 7200, 2400) }, []int64{2400, 2400, 2400}},
		{"audio only", func(f *feeder) {
			f.feed(media.TypeAudio, 0, aacSeq)
			for i := range 200 { // 23 ms frames: 4.6 s
				f.feed(media.TypeAudio, int64(i)*23, aacFrame(i))
			}
		}, []int64{2001, 2001, 598}},
	}
	for _, segType := range []string{SegmentFMP4, SegmentMPEGTS} {
		for _, c := range cases {
			t.Run(segType+"/"+c.name, func(t *testing.T) {
				f := Format{Segment: segType, Fragment: 2 * time.Second, MaxFragment: 3 * time.Second}
				got := segmentMS(t, f, c.feed)
				if len(got) != len(c.want) {
					t.Fatalf("segments %v, want %v", got, c.want)
				}
				for i := range got {
					if got[i] != c.want[i] {
						t.Fatalf("segments %v, want %v", got, c.want)
					}
				}
			})
		}
	}
}

// video feeds ms of 25 fps video with a key frame every keyMS.
func video(f *feeder, ms, keyMS int64) {
	f.feed(media.TypeVideo, 0, avcSeq())
	for i := range int(ms / 40) {
		t := int64(i) * 40
		f.feed(media.TypeVideo, t, avcFrame(t%keyMS == 0, i))
	}
}
