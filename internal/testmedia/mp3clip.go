package testmedia

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// ClipMP3 encodes an FLV clip of H.264 and MP3 (libmp3lame) lasting
// seconds (25 frames a second, a key frame a second) in t.TempDir(). An
// FLV stream names its MP3 track only with the first audio frame: the
// case of a track that appears after the first video frames.
func ClipMP3(t testing.TB, seconds int) string {
	t.Helper()
	Encoder(t, "libmp3lame")
	clip := filepath.Join(t.TempDir(), "mp3.flv")
	d := strconv.Itoa(seconds)
	cmd := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration="+d,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration="+d,
		"-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p",
		"-c:a", "libmp3lame", "-ar", "44100", "-b:a", "64k", "-t", d, "-f", "flv", clip)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testmedia: ffmpeg: %v: %s", err, out)
	}
	return clip
}
