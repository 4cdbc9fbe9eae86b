package record

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
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
// with Opus and AC-3 audio, encoded by ffmpeg and published by our client
// over Enhanced RTMP, recorded at once as mp4 and fmp4: every source
// packet is in each file with its pts, dts and key flag; ffprobe names
// the codecs and reads the picture size; the strict box checker passes;
// the record-done event's counts and size match the file.
func TestE2EMP4EnhancedRTMPCodecs(t *testing.T) {
	for _, tc := range []struct{ video, audio string }{
		{testmedia.HEVC, testmedia.Opus},
		{testmedia.AV1, testmedia.AC3},
		{testmedia.VP9, testmedia.Opus},
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
