package record

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// seekFirstVideo runs `ffmpeg -copyts -ss at -i path` copying one video
// packet and returns its pts in ms: the key frame ffmpeg seeked to.
func seekFirstVideo(t *testing.T, path string, at float64) int64 {
	t.Helper()
	out, err := exec.Command("ffmpeg", "-hide_banner", "-v", "error", "-nostdin", "-copyts",
		"-ss", strconv.FormatFloat(at, 'f', 3, 64), "-i", path, "-map", "0:v", "-c", "copy",
		"-frames:v", "1", "-f", "framecrc", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg -ss %v %s: %v: %s", at, path, err, out)
	}
	var num, den int64 = 0, 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#tb 0:") {
			fmt.Sscanf(strings.TrimSpace(line[6:]), "%d/%d", &num, &den)
			continue
		}
		if strings.HasPrefix(line, "#") || den == 0 {
			continue
		}
		f := strings.Split(line, ",")
		if len(f) < 3 {
			break
		}
		pts, err := strconv.ParseInt(strings.TrimSpace(f[2]), 10, 64)
		if err != nil {
			t.Fatalf("framecrc line %q: %v", line, err)
		}
		return pts * num * 1000 / den
	}
	t.Fatalf("ffmpeg -ss %v %s: no video packet: %s", at, path, out)
	return 0
}

// TestRecordMP4SeekLandsOnKeyframe: `ffmpeg -ss T` on an mp4 and an fmp4
// recording (the fMP4 through its mfra) starts at the last key frame at
// or before T for H.264 without B-frames, and for HEVC with them (whose
// key frames are presented after they are decoded) at the same key frame
// as on the MP4 ffmpeg wrote of the same packets.
func TestRecordMP4SeekLandsOnKeyframe(t *testing.T) {
	h264 := testmedia.ClipLength(t, testmedia.AV, 8)
	hevc := testmedia.ERTMPTrack(t, testmedia.HEVC, 8)
	for _, src := range []struct {
		name    string
		frames  []media.Frame
		packets []testmedia.Packet
		ffmpeg  string // an MP4 of the same packets that ffmpeg wrote, or ""
	}{
		{"h264", framesOf(t, h264), testmedia.Packets(t, h264), ""},
		{"hevc", hevc.Frames, hevc.Packets, hevc.Src},
	} {
		var keys []int64
		for _, p := range src.packets {
			if p.Video && p.Key {
				keys = append(keys, p.PTS)
			}
		}
		if len(keys) < 6 {
			t.Fatalf("%s: source key frames %v", src.name, keys)
		}
		for _, format := range []string{"mp4", "fmp4"} {
			t.Run(src.name+"/"+format, func(t *testing.T) {
				r := newRig(t, isoRecorder(t, format))
				r.feed(src.frames...)
				r.close(rtmp.CloseUnpublish)
				p := r.paths()[0]
				walkBoxes(t, p)
				for _, at := range []float64{0.5, 2.52, float64(keys[4]) / 1000, 6.9} {
					want := keys[0]
					for _, k := range keys {
						if float64(k)/1000 <= at {
							want = k
						}
					}
					if src.ffmpeg != "" {
						if want = seekFirstVideo(t, src.ffmpeg, at); !slices.Contains(keys, want) {
							t.Fatalf("-ss %v on ffmpeg's file: %d ms is no key frame of %v", at, want, keys)
						}
					}
					if got := seekFirstVideo(t, p, at); got != want {
						t.Errorf("-ss %v: first packet at %d ms, want the key frame at %d", at, got, want)
					}
				}
			})
		}
	}
}

// TestE2EMP4TenMinutesMoovFirst: ten minutes of media (a 10-second clip
// looped by ffmpeg, sent as fast as it goes) recorded as mp4 with
// record_interval 10m: the moov room is sized for the interval (with a
// minute to spare; record_moov_room's default hour is larger), the
// finished file has its moov before the mdat, and holds every packet.
func TestE2EMP4TenMinutesMoovFirst(t *testing.T) {
	if testing.Short() {
		t.Skip("ten minutes of media")
	}
	clip := testmedia.ClipSized(t, testmedia.AV, 10, "64x48")
	wv, wa := testmedia.ProbePackets(t, clip)
	s := startServer(t, "record all; record_path DIR; record_format mp4; record_interval 10m;")
	ff := testmedia.RequireFFmpeg(t)
	cmd := exec.CommandContext(t.Context(), ff, "-hide_banner", "-loglevel", "error", "-nostdin",
		"-stream_loop", "59", "-i", clip, "-c", "copy", "-f", "flv", "rtmp://"+s.addr+"/live/cam")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	ev := s.wait(t, 1)[0]
	rep, err := mp4check.File(ev.Path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.MoovAt > rep.MdatAt || strings.Join(rep.Top, " ") != "ftyp moov free mdat" {
		t.Fatalf("moov at %d, mdat at %d: boxes %v", rep.MoovAt, rep.MdatAt, rep.Top)
	}
	v, a := testmedia.ProbePackets(t, ev.Path)
	if v != 60*wv || a != 60*wa {
		t.Fatalf("%d video %d audio packets, sent %d and %d", v, a, 60*wv, 60*wa)
	}
	if d := testmedia.ProbeDuration(t, ev.Path); d.Minutes() < 9.9 {
		t.Fatalf("duration %v, want ten minutes", d)
	}
	t.Logf("%s: %d bytes, moov at %d, mdat at %d", filepath.Base(ev.Path), ev.Size, rep.MoovAt, rep.MdatAt)
}
