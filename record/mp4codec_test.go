package record

import (
	"encoding/json"
	"os"
	"os/exec"
	"sort"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/mp4check"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// isoServer serves application live with two recorders of the stream:
// "mp4" writing DIR/name.mp4 and "fmp4" writing DIR/name.f.mp4, plus the
// extra directives of both.
func isoServer(t *testing.T, extra string) *server {
	t.Helper()
	return startServer(t, "recorder mp4 { record all; record_path DIR; record_format mp4; "+extra+" }\n"+
		"recorder fmp4 { record all; record_path DIR; record_format fmp4; record_suffix .f.mp4; "+extra+" }")
}

// probeStream is what ffprobe says of a file's stream.
type probeStream struct {
	CodecType string `json:"codec_type"`
	CodecName string `json:"codec_name"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
}

func probeStreams(t *testing.T, path string) map[string]probeStream {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,codec_name,width,height",
		"-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var res struct{ Streams []probeStream }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	m := map[string]probeStream{}
	for _, s := range res.Streams {
		m[s.CodecType] = s
	}
	return m
}

// comparePackets fails unless got holds exactly want's packets (count,
// pts, dts, key flag), compared per kind in decode order.
func comparePackets(t *testing.T, path string, got, want []testmedia.Packet) {
	t.Helper()
	g, w := sortedPackets(got), sortedPackets(want)
	if len(g) != len(w) {
		t.Fatalf("%s: %d packets, source has %d", path, len(g), len(w))
	}
	for i := range w {
		if g[i] != w[i] {
			t.Fatalf("%s: packet %d: %+v, source %+v", path, i, g[i], w[i])
		}
	}
}

// TestE2EMP4EnhancedRTMPCodecs: HEVC (with B-frames), AV1 and VP9 video
// with Opus, AC-3, E-AC-3 and FLAC audio, encoded by ffmpeg and published by our client
// over Enhanced RTMP, recorded at once as mp4 and fmp4: every source
// packet is in each file with its pts, dts and key flag; ffprobe names
// the codecs and reads the picture size (VP9's configuration record has
// none: it comes from the first key frame); every sample has the size
// sent; the strict box checker passes;
// the record-done event's counts and size match the file.
func TestE2EMP4EnhancedRTMPCodecs(t *testing.T) {
	for _, tc := range []struct{ video, audio string }{
		{testmedia.HEVC, testmedia.Opus},
		{testmedia.AV1, testmedia.AC3},
		{testmedia.VP9, testmedia.Opus},
		{testmedia.VP9, testmedia.EAC3},
		{testmedia.HEVC, testmedia.FLAC},
	} {
		t.Run(tc.video+"+"+tc.audio, func(t *testing.T) {
			v, a := testmedia.ERTMPTrack(t, tc.video, 2), testmedia.ERTMPTrack(t, tc.audio, 2)
			want := append(append([]testmedia.Packet{}, v.Packets...), a.Packets...)
			s := isoServer(t, "")
			p, err := publish(t, s.addr, "cam")
			if err != nil {
				t.Fatal(err)
			}
			p.send(t, testmedia.Interleave(v, a)...)
			p.c.DeleteStream(p.sid)
			for _, ev := range s.wait(t, 2) {
				comparePackets(t, ev.Path, testmedia.Packets(t, ev.Path), want)
				checkISOFile(t, ev)
				st := probeStreams(t, ev.Path)
				if vs := st["video"]; vs.CodecName != tc.video || vs.Width != v.Width || vs.Height != v.Height {
					t.Errorf("%s: video %+v, want %s %dx%d", ev.Path, vs, tc.video, v.Width, v.Height)
				}
				if as := st["audio"]; as.CodecName != tc.audio {
					t.Errorf("%s: audio %+v, want %s", ev.Path, as, tc.audio)
				}
				if ev.VideoFrames != int64(len(v.Packets)) || ev.AudioFrames != int64(len(a.Packets)) {
					t.Errorf("%s: event counts %d video %d audio, file %d and %d", ev.Path,
						ev.VideoFrames, ev.AudioFrames, len(v.Packets), len(a.Packets))
				}
				checkSampleSizes(t, ev.Path, map[string][]int{"vide": v.Sizes, "soun": a.Sizes})
				if d := dtsSpan(want); ev.Duration != d {
					t.Errorf("%s: event duration %v, the packets' decode times span %v", ev.Path, ev.Duration, d)
				}
			}
		})
	}
}

// checkISOFile checks a closed mp4 or fmp4 recording: the strict box
// checker walks it, go-mp4 reads every box, and the record-done event's
// size is the file's.
func checkISOFile(t *testing.T, ev Event) {
	t.Helper()
	st, err := os.Stat(ev.Path)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Size != st.Size() {
		t.Errorf("%s: event size %d, file %d", ev.Path, ev.Size, st.Size())
	}
	walkBoxes(t, ev.Path)
}

// TestE2EMP4FFmpegMP3AndAAC: ffmpeg publishes H.264 with MP3 (libmp3lame)
// and H.264 with AAC over plain RTMP, ending with the end-of-sequence tag
// it always sends: both files hold every source packet with its times,
// and the record-done event counts the samples in the file (the
// end-of-sequence tag has no place in an MP4 and is not counted).
func TestE2EMP4FFmpegMP3AndAAC(t *testing.T) {
	mp3 := testmedia.ClipMP3(t, 2)
	for _, tc := range []struct{ name, clip, audio string }{
		{"mp3", mp3, "mp3"},
		{"aac", testmedia.ClipVariant(t, testmedia.AV), "aac"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := testmedia.Packets(t, tc.clip)
			s := isoServer(t, "")
			if err := testmedia.Publish(t.Context(), t, tc.clip, "rtmp://"+s.addr+"/live/cam", false); err != nil {
				t.Fatal(err)
			}
			for _, ev := range s.wait(t, 2) {
				got := testmedia.Packets(t, ev.Path)
				comparePackets(t, ev.Path, got, want)
				checkISOFile(t, ev)
				v, a := testmedia.ProbePackets(t, ev.Path)
				if ev.VideoFrames != int64(v) || ev.AudioFrames != int64(a) {
					t.Errorf("%s: event counts %d video %d audio, file %d and %d", ev.Path, ev.VideoFrames, ev.AudioFrames, v, a)
				}
				if as := probeStreams(t, ev.Path)["audio"]; as.CodecName != tc.audio {
					t.Errorf("%s: audio %+v, want %s", ev.Path, as, tc.audio)
				}
			}
		})
	}
}

// TestRecordFMP4LateTrackIsNamed: audio whose sequence start comes after
// the fMP4's first fragment cannot join the initialization segment: the
// video is recorded whole, the record-done event names the audio as left
// out and counts only the video; the mp4 (whose moov is written at
// close) takes the late track.
func TestRecordFMP4LateTrackIsNamed(t *testing.T) {
	all := clipFrames(t, testmedia.AV)
	var video, audio []media.Frame
	for _, f := range all {
		if f.Type == media.TypeVideo {
			video = append(video, f)
		} else if f.Time >= 2000 || f.SeqHeader {
			audio = append(audio, f)
		}
	}
	// Video for two seconds (two key frames: a fragment is written), then
	// the audio joins with its sequence start.
	var frames []media.Frame
	for _, f := range video {
		if f.Time < 2000 {
			frames = append(frames, f)
		}
	}
	rest := append(audio, video[len(frames):]...)
	sort.SliceStable(rest, func(i, j int) bool { return !rest[j].SeqHeader && rest[i].Time < rest[j].Time })
	frames = append(frames, rest...)
	for _, format := range []string{"fmp4", "mp4"} {
		t.Run(format, func(t *testing.T) {
			r := newRig(t, isoRecorder(t, format))
			r.feed(frames...)
			r.close(rtmp.CloseUnpublish)
			ev := r.doneEvents()[0]
			v, a := testmedia.ProbePackets(t, ev.Path)
			if ev.VideoFrames != int64(v) || ev.AudioFrames != int64(a) {
				t.Errorf("event counts %d video %d audio, file %d and %d", ev.VideoFrames, ev.AudioFrames, v, a)
			}
			wantUnmapped := map[string]string{"fmp4": "audio", "mp4": ""}[format]
			if ev.Unmapped != wantUnmapped || (a == 0) != (format == "fmp4") {
				t.Errorf("unmapped %q with %d audio packets in the file, want %q", ev.Unmapped, a, wantUnmapped)
			}
			checkISOFile(t, ev)
		})
	}
}

// dtsSpan is the time from the first to the last decode time of ps.
func dtsSpan(ps []testmedia.Packet) time.Duration {
	lo, hi := ps[0].DTS, ps[0].DTS
	for _, p := range ps {
		lo, hi = min(lo, p.DTS), max(hi, p.DTS)
	}
	return time.Duration(hi-lo) * time.Millisecond
}

// checkSampleSizes fails unless each track of the file at path (by
// handler) holds samples of exactly the sizes sent, in order.
func checkSampleSizes(t *testing.T, path string, want map[string][]int) {
	t.Helper()
	rep, err := mp4check.File(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range rep.Tracks {
		w := want[tr.Handler]
		if len(tr.List) != len(w) {
			t.Fatalf("%s: %s track has %d samples, %d sent", path, tr.Handler, len(tr.List), len(w))
		}
		for i, s := range tr.List {
			if int(s.Size) != w[i] {
				t.Fatalf("%s: %s sample %d is %d bytes, sent %d", path, tr.Handler, i, s.Size, w[i])
			}
		}
	}
}
