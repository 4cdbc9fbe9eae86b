package tscheck

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// encodeTS makes a 3-second H.264 (with B-frames, so DTS < PTS) and AAC
// MPEG-TS file with ffmpeg from lavfi sources.
func encodeTS(t *testing.T) string {
	t.Helper()
	ffmpeg := testmedia.RequireFFmpeg(t)
	out := filepath.Join(t.TempDir(), "av.ts")
	cmd := exec.Command(ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=3",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3",
		"-c:v", "libx264", "-profile:v", "main", "-preset", "veryfast", "-g", "25", "-keyint_min", "25",
		"-sc_threshold", "0", "-bf", "2", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "64k", "-f", "mpegts", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, b)
	}
	return out
}

// TestFFmpegTS: ffmpeg's own MPEG-TS passes every rule, key frame start
// included, and the access units tscheck reports are the packets
// ffprobe reads, with the same times and key flags.
func TestFFmpegTS(t *testing.T) {
	path := encodeTS(t)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check([][]byte{b}, Options{KeyFrameStart: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Tracks) != 2 || rep.Tracks[0].Codec != "H264" || rep.Tracks[1].Codec != "AAC" || rep.PCRs == 0 {
		t.Fatalf("report %+v", summary(rep))
	}
	probed := testmedia.Packets(t, path)
	var video, audio []testmedia.Packet
	for _, p := range probed {
		if p.Video {
			video = append(video, p)
		} else {
			audio = append(audio, p)
		}
	}
	compareUnits(t, "video", rep.Tracks[0].Units, video)
	compareUnits(t, "audio", rep.Tracks[1].Units, audio)
	if v := rep.Tracks[0]; v.KeyFrames != 3 || v.PES != len(v.Units) {
		t.Errorf("video: %d key frames, %d PES for %d units; want 3 key frames, a PES a unit", v.KeyFrames, v.PES, len(v.Units))
	}
	if len(video) != 75 || len(audio) < 120 {
		t.Errorf("ffprobe read %d video and %d audio packets, want 75 and about 130", len(video), len(audio))
	}
}

// compareUnits compares units with ffprobe's packets of one kind, in
// decode order, times within the millisecond rounding.
func compareUnits(t *testing.T, kind string, units []Unit, probed []testmedia.Packet) {
	t.Helper()
	if len(units) != len(probed) {
		t.Fatalf("%s: %d units, ffprobe reads %d packets", kind, len(units), len(probed))
	}
	for i, u := range units {
		p := probed[i]
		if abs(msOf(u.PTS)-p.PTS) > 1 || abs(msOf(u.DTS)-p.DTS) > 1 || (p.Video && u.Key != p.Key) {
			t.Fatalf("%s unit %d: pts %d dts %d key %v (ms), ffprobe %+v", kind, i, msOf(u.PTS), msOf(u.DTS), u.Key, p)
		}
		if u.Size <= 0 {
			t.Fatalf("%s unit %d: size %d", kind, i, u.Size)
		}
	}
}

func msOf(ts int64) int64 { return (ts + 45) / 90 }

func abs(v int64) int64 { return max(v, -v) }

// summary is a report without its units, for messages.
func summary(r Report) Report {
	for i := range r.Tracks {
		r.Tracks[i].Units = nil
	}
	return r
}
