package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/bench/benchtest"
	"github.com/rtmprecd/rtmprecd/internal/bench/load"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/record/format/hls"
)

// TestCountHLS records two streams of three passes of the 4-second clip
// (12 s: two 6-s segments each) as HLS with each segment type through
// our server and the load generator: the strict count finds every frame
// sent (fMP4 through mp4check, MPEG-TS through tscheck, continuity
// counters across segments included), and a recording with one broken
// segment is reported incomplete with the checker's reason.
func TestCountHLS(t *testing.T) {
	clip, err := load.ReadClip(testmedia.Clip(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ format, ext, broken string }{
		{"hls", ".m4s", "in moof"},
		{"hls-ts", ".ts", "continuity counter"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			dir := t.TempDir()
			rep := recordHLS(t, dir, tc.format, clip)
			got, err := CheckRecordings(dir, rep, len(clip.Headers), tc.format)
			if err != nil || got.Complete != 2 || got.Files != 2 {
				t.Fatalf("%+v, %v; want 2 complete recordings", got, err)
			}
			rec := filepath.Join(dir, rep.Streams[0].Name)
			p, err := readPlaylist(rec)
			if err != nil || len(p.Segments) < 2 || filepath.Ext(p.Segments[1].URI) != tc.ext {
				t.Fatalf("playlist %+v, %v: want %s segments, at least 2", p, err, tc.ext)
			}
			breakSegment(t, filepath.Join(rec, p.Segments[1].URI))
			got, err = CheckRecordings(dir, rep, len(clip.Headers), tc.format)
			if err != nil || got.Complete != 1 || len(got.Problems) != 1 || !strings.Contains(got.Problems[0], tc.broken) {
				t.Fatalf("with a broken segment: %+v, %v; want 1 complete and a problem naming %q", got, err, tc.broken)
			}
		})
	}
}

// recordHLS publishes two streams of three clip passes to an in-process
// server recording in format, and returns what they sent.
func recordHLS(t *testing.T, dir, format string, clip *load.Clip) *load.Report {
	t.Helper()
	lines, err := configLines(format)
	if err != nil {
		t.Fatal(err)
	}
	s, err := benchtest.StartWith(dir, lines)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := load.Run(ctx, load.Config{URL: s.URL("bench"), Streams: 2, Clip: clip, Loops: 3})
	if stop := s.Stop(); err != nil || stop != nil {
		t.Fatalf("load: %v; stop: %v", err, stop)
	}
	if errs := rep.Errors(); len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := os.Stat(filepath.Join(dir, rep.Streams[0].Name, hls.PlaylistName)); err != nil {
		t.Fatal(err)
	}
	return rep
}

// breakSegment changes the continuity counter of the segment's first
// packet (a TS segment's PAT; in an fMP4 segment, a byte of its moof
// size).
func breakSegment(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[3] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
