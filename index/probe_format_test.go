package index_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
)

// TestProbeOfAFormatWithoutReaderKeepsTheRecordersFigures: for a format
// this package cannot read (an MP4 recording), the probe at close takes
// only the size on disk; the recorder's frame counts, duration and codecs
// stay in the row instead of being zeroed.
func TestProbeOfAFormatWithoutReaderKeepsTheRecordersFigures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cam.mp4")
	put(t, path, make([]byte, 4321))
	r := index.Recording{Format: "mp4", Path: path, Size: 100, Duration: 3 * time.Second,
		VideoFrames: 75, AudioFrames: 131, Keyframes: 3, VideoCodec: "h264", Width: 320, Height: 240,
		AudioCodec: "aac", SampleRate: 44100, Channels: 1}
	f, err := index.Probe(r.Format, r.Path)
	if err != nil {
		t.Fatal(err)
	}
	f.Fill(&r)
	if r.Size != 4321 {
		t.Errorf("size %d, want the size on disk 4321", r.Size)
	}
	if r.Duration != 3*time.Second || r.VideoFrames != 75 || r.AudioFrames != 131 || r.Keyframes != 3 ||
		r.VideoCodec != "h264" || r.Width != 320 || r.AudioCodec != "aac" || r.SampleRate != 44100 {
		t.Errorf("the recorder's figures were lost: %+v", r)
	}
}
