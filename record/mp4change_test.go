package record

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gomp4 "github.com/abema/go-mp4"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// videoWidth reads the width of an MP4 file's video sample entry with
// go-mp4 (in the moov of both formats).
func videoWidth(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bp := gomp4.BoxPath{gomp4.BoxTypeMoov(), gomp4.BoxTypeTrak(), gomp4.BoxTypeMdia(), gomp4.BoxTypeMinf(),
		gomp4.BoxTypeStbl(), gomp4.BoxTypeStsd(), gomp4.BoxTypeAvc1()}
	boxes, err := gomp4.ExtractBoxWithPayload(f, nil, bp)
	if err != nil || len(boxes) != 1 {
		t.Fatalf("%s: avc1: %v, %d boxes", path, err, len(boxes))
	}
	return int(boxes[0].Payload.(*gomp4.VisualSampleEntry).Width)
}

// resentHeaders returns copies of frames' sequence headers stamped at
// time at: a publisher resending the same parameters.
func resentHeaders(frames []media.Frame, at int64) []media.Frame {
	var out []media.Frame
	for _, f := range frames {
		if f.SeqHeader {
			f.Time = at
			out = append(out, f)
		}
	}
	return out
}

// TestRecordMP4CodecChangeSplits: a publisher that changes resolution
// mid-stream (a new SPS) ends the mp4 or fmp4 file at that frame and
// starts the next one with it: the two files hold every packet of the
// two halves with their times, the second at the new size. Resending the
// same headers splits nothing, and FLV keeps one file, as before.
func TestRecordMP4CodecChangeSplits(t *testing.T) {
	small := testmedia.ClipSized(t, testmedia.AV, 2, "160x120")
	large := testmedia.ClipSized(t, testmedia.AV, 2, "320x240")
	a, b := framesOf(t, small), framesOf(t, large)
	shift := a[len(a)-1].Time + 40
	for i := range b {
		b[i].Time += shift
	}
	mid := len(a) / 2
	frames := append(append(append(append([]media.Frame{}, a[:mid]...), resentHeaders(a, a[mid].Time)...), a[mid:]...), b...)
	for _, format := range []string{"mp4", "fmp4", "flv"} {
		t.Run(format, func(t *testing.T) {
			rc := isoRecorder(t, format)
			if format == "flv" {
				rc.Suffix = ".flv"
			}
			r := newRig(t, rc)
			r.feed(frames...)
			r.close(rtmp.CloseUnpublish)
			paths := r.paths()
			if format == "flv" {
				if len(paths) != 1 {
					t.Fatalf("flv files %v, want one: FLV carries the change in band", paths)
				}
				return
			}
			if len(paths) != 2 {
				t.Fatalf("files %v, want two", paths)
			}
			evs := r.doneEvents()
			if evs[0].Reason != ReasonSplit {
				t.Errorf("first file closed for %q, want split", evs[0].Reason)
			}
			for i, src := range []string{small, large} {
				want, got := sortedPackets(testmedia.Packets(t, src)), sortedPackets(testmedia.Packets(t, paths[i]))
				if len(got) != len(want) {
					t.Fatalf("file %d: %d packets, its half of the source has %d", i, len(got), len(want))
				}
				for j := range want {
					if got[j] != want[j] {
						t.Fatalf("file %d packet %d: %+v, source %+v", i, j, got[j], want[j])
					}
				}
				walkBoxes(t, paths[i])
			}
			if w0, w1 := videoWidth(t, paths[0]), videoWidth(t, paths[1]); w0 != 160 || w1 != 320 {
				t.Errorf("widths %d and %d, want 160 and 320", w0, w1)
			}
		})
	}
}

// TestRecordMP4LeavesOutUnmappedCodec: ffmpeg's H.264 + Nellymoser clip
// (a codec MP4 has no sample entry for) recorded as mp4 and fmp4: the
// video is recorded whole, the audio is left out with one warning, the
// record-done event names it, and the publish goes on.
func TestRecordMP4LeavesOutUnmappedCodec(t *testing.T) {
	ff := testmedia.RequireFFmpeg(t)
	src := filepath.Join(t.TempDir(), "nelly.flv")
	cmd := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration=2",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=2",
		"-c:v", "libx264", "-profile:v", "baseline", "-g", "25", "-pix_fmt", "yuv420p", "-flags:v", "+bitexact",
		"-c:a", "nellymoser", "-ac", "1", "-ar", "44100", "-t", "2", "-f", "flv", src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	var wantVideo []testmedia.Packet
	for _, p := range testmedia.Packets(t, src) {
		if p.Video {
			wantVideo = append(wantVideo, p)
		}
	}
	for _, format := range []string{"mp4", "fmp4"} {
		t.Run(format, func(t *testing.T) {
			r := newRig(t, isoRecorder(t, format))
			r.feed(framesOf(t, src)...)
			r.close(rtmp.CloseUnpublish)
			paths := r.paths()
			if len(paths) != 1 {
				t.Fatalf("files %v", paths)
			}
			got := testmedia.Packets(t, paths[0])
			if len(got) != len(wantVideo) {
				t.Fatalf("%d packets, the source has %d video packets", len(got), len(wantVideo))
			}
			for i := range got {
				if !got[i].Video || got[i] != wantVideo[i] {
					t.Fatalf("packet %d: %+v, source video %+v", i, got[i], wantVideo[i])
				}
			}
			walkBoxes(t, paths[0])
			// the event counts the video samples in the file: ffmpeg's
			// closing end-of-sequence tag has no place in an MP4
			tags := int64(len(wantVideo))
			if ev := r.doneEvents()[0]; ev.Unmapped != "audio" || ev.AudioFrames != 0 || ev.VideoFrames != tags {
				t.Errorf("event: unmapped %q, audio %d, video %d frames", ev.Unmapped, ev.AudioFrames, ev.VideoFrames)
			}
			if n := strings.Count(r.logs.String(), "cannot carry this codec"); n != 1 {
				t.Errorf("%d warnings, want 1:\n%s", n, r.logs.String())
			}
		})
	}
}
