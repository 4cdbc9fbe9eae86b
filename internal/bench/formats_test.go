package bench

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/bench/load"
)

// TestCountMP4 counts the samples of an ffmpeg-made MP4 (mp4check's
// seed) by track kind, and CheckRecordings finds a complete mp4 stream
// by its suffix.
func TestCountMP4(t *testing.T) {
	src := filepath.Join("..", "mp4check", "testdata", "prog.mp4")
	c, err := Formats["mp4"].Count(src)
	if err != nil {
		t.Fatal(err)
	}
	if c.Video != 3 || c.Audio != 6 || c.Headers != 2 || c.Size == 0 {
		t.Fatalf("count %+v, want 3 video, 6 audio, 2 tracks", c)
	}
	dir := t.TempDir()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "s1.mp4"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sent     load.StreamReport
		complete int
	}{
		{load.StreamReport{Name: "s1", Video: 3, Audio: 6}, 1},
		{load.StreamReport{Name: "s1", Video: 4, Audio: 6}, 0},
	} {
		got, err := CheckRecordings(dir, &load.Report{Streams: []load.StreamReport{tc.sent}}, 2, "fmp4")
		if err != nil || got.Complete != tc.complete {
			t.Errorf("sent %+v: %+v, %v; want %d complete", tc.sent, got, err, tc.complete)
		}
	}
	if _, err := CheckRecordings(dir, &load.Report{}, 2, "webm"); err == nil {
		t.Error("a format the benchmark cannot read was accepted")
	}
}

// TestConfigLines: each format's directives for the daemon's config;
// hls-ts is record_format hls with MPEG-TS segments.
func TestConfigLines(t *testing.T) {
	for name, want := range map[string]string{
		"flv":    "record_format flv;",
		"hls":    "record_format hls;",
		"hls-ts": "record_format hls;\n            record_hls_segment_type mpegts;",
	} {
		if got, err := configLines(name); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := configLines("webm"); err == nil {
		t.Error("a format the benchmark does not know was configured")
	}
	if got := FormatNames(); got != "flv, fmp4, hls, hls-ts, mp4" {
		t.Errorf("format names %q", got)
	}
}
