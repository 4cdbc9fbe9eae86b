package testmedia

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
	"github.com/rtmprecd/rtmprecd/media"
)

// Enhanced RTMP codecs ERTMPTrack encodes.
const (
	HEVC = "hevc"
	AV1  = "av1"
	VP9  = "vp9"
	Opus = "opus"
	AC3  = "ac3"
	EAC3 = "eac3"
	FLAC = "flac"
)

// ertmpCodec is how ffmpeg encodes one codec and how its frames travel
// over Enhanced RTMP.
type ertmpCodec struct {
	encoder string   // the ffmpeg encoder that must exist
	args    []string // encoder options
	fourCC  string
	video   bool
	cts     bool // CodedFrames carry a composition time (AVC, HEVC)
}

var ertmpCodecs = map[string]ertmpCodec{
	HEVC: {encoder: "libx265", fourCC: "hvc1", video: true, cts: true,
		args: []string{"-x265-params", "keyint=25:min-keyint=25:scenecut=0:log-level=error", "-tag:v", "hvc1"}},
	AV1:  {encoder: "libaom-av1", fourCC: "av01", video: true, args: []string{"-cpu-used", "8", "-g", "25", "-row-mt", "1"}},
	VP9:  {encoder: "libvpx-vp9", fourCC: "vp09", video: true, args: []string{"-g", "25", "-deadline", "realtime", "-cpu-used", "8"}},
	Opus: {encoder: "libopus", fourCC: "Opus", args: []string{"-frame_duration", "20", "-ar", "48000"}},
	AC3:  {encoder: "ac3", fourCC: "ac-3", args: []string{"-ar", "48000", "-b:a", "96k"}},
	EAC3: {encoder: "eac3", fourCC: "ec-3", args: []string{"-ar", "48000", "-b:a", "96k"}},
	// ffmpeg 5.1 writes FLAC into MP4 only with -strict experimental.
	FLAC: {encoder: "flac", fourCC: "fLaC", args: []string{"-ar", "48000", "-strict", "-2"}},
}

// Encoder fails the test under CI=true, and skips it elsewhere, when
// ffmpeg has no encoder of that name.
func Encoder(t testing.TB, name string) {
	t.Helper()
	ff := RequireFFmpeg(t)
	out, err := exec.Command(ff, "-hide_banner", "-encoders").Output()
	if err != nil {
		testenv.Need(t, "ffmpeg -encoders", err)
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[1] == name {
			return
		}
	}
	testenv.Need(t, "ffmpeg encoder "+name, fmt.Errorf("ffmpeg lists no encoder %q", name))
}

// ERTMP is one encoded track as our client publishes it over Enhanced
// RTMP, and as ffprobe reads its source.
type ERTMP struct {
	Src     string        // the MP4 ffmpeg wrote
	Frames  []media.Frame // the sequence start (if any), then every packet
	Packets []Packet      // ffprobe's packets of Src, times in ms, shifted so the first dts is 0
	Sizes   []int         // each packet's bytes, in Packets' order
	Width   int           // the source's picture size (video)
	Height  int
}

// ERTMPTrack encodes seconds of a lavfi source (160x120 at 25 frames a
// second, a key frame a second; or a 48 kHz tone) with codec in an MP4
// under t.TempDir() and turns it into Enhanced RTMP tags with exact
// millisecond times: every source time must be a whole millisecond.
func ERTMPTrack(t testing.TB, codec string, seconds int) ERTMP {
	t.Helper()
	c, ok := ertmpCodecs[codec]
	if !ok {
		t.Fatalf("testmedia: no Enhanced RTMP codec %q", codec)
	}
	Encoder(t, c.encoder)
	src := filepath.Join(t.TempDir(), codec+".mp4")
	dur := strconv.Itoa(seconds)
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin", "-y"}
	if c.video {
		args = append(args, "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25:duration="+dur,
			"-c:v", c.encoder, "-pix_fmt", "yuv420p", "-video_track_timescale", "1000")
	} else {
		args = append(args, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+dur, "-c:a", c.encoder)
	}
	args = append(append(args, c.args...), "-t", dur, "-map_metadata", "-1", "-use_editlist", "0", "-f", "mp4", src)
	if out, err := exec.Command("ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("testmedia: encode %s: %v: %s", codec, err, out)
	}
	tr := ERTMP{Src: src}
	probe := probeData(t, src)
	tr.Width, tr.Height = probe.Streams[0].Width, probe.Streams[0].Height
	tr.Frames = append(tr.Frames, c.seqStart(t, probe.Streams[0])...)
	var shift int64 // FLV times cannot be negative: B-frames' first dts is
	for i, p := range probe.Packets {
		pkt := p.packet(t, src, probe.Streams[0].TimeBase, c.video)
		if i == 0 && pkt.DTS < 0 {
			shift = -pkt.DTS
		}
		pkt.PTS, pkt.DTS = pkt.PTS+shift, pkt.DTS+shift
		data := unhex(t, p.Data)
		if strconv.Itoa(len(data)) != p.Size {
			t.Fatalf("testmedia: %s: packet %d: %d bytes read from ffprobe's dump, size %s", src, i, len(data), p.Size)
		}
		tr.Packets, tr.Sizes = append(tr.Packets, pkt), append(tr.Sizes, len(data))
		tr.Frames = append(tr.Frames, c.frame(t, pkt, data))
	}
	return tr
}

// Interleave merges tracks' frames by time (sequence starts first), as a
// publisher sends them.
func Interleave(tracks ...ERTMP) []media.Frame {
	var out []media.Frame
	for _, tr := range tracks {
		out = append(out, tr.Frames...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].SeqHeader != out[j].SeqHeader {
			return out[i].SeqHeader
		}
		return out[i].Time < out[j].Time
	})
	return out
}

type probeOut struct {
	Streams []probeStream `json:"streams"`
	Packets []probePacket `json:"packets"`
}

type probeStream struct {
	TimeBase  string `json:"time_base"`
	Width     int    `json:"width"`
	Height    int    `json:"height"`
	Extradata string `json:"extradata"`
	Profile   string `json:"profile"`
}

type probePacket struct {
	PTS   *int64 `json:"pts"`
	DTS   *int64 `json:"dts"`
	Flags string `json:"flags"`
	Size  string `json:"size"`
	Data  string `json:"data"`
}

func probeData(t testing.TB, src string) probeOut {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-show_data", "-show_streams", "-show_packets",
		"-show_entries", "stream=time_base,width,height,extradata,profile:packet=pts,dts,flags,size,data", "-of", "json", src)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("testmedia: ffprobe %s: %v: %s", src, err, stderr.Bytes())
	}
	var out probeOut
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out.Streams) != 1 {
		t.Fatalf("testmedia: ffprobe %s: %v, %d streams", src, err, len(out.Streams))
	}
	return out
}

// packet converts a probed packet's times to exact milliseconds.
func (p probePacket) packet(t testing.TB, src, timeBase string, video bool) Packet {
	t.Helper()
	var num, den int64
	if _, err := fmt.Sscanf(timeBase, "%d/%d", &num, &den); err != nil || num == 0 || den == 0 {
		t.Fatalf("testmedia: %s: time base %q", src, timeBase)
	}
	ms := func(v *int64) int64 {
		if v == nil || *v*num*1000%den != 0 {
			t.Fatalf("testmedia: %s: a time that is not a whole millisecond (%v in %s)", src, v, timeBase)
		}
		return *v * num * 1000 / den
	}
	return Packet{Video: video, PTS: ms(p.PTS), DTS: ms(p.DTS), Key: strings.HasPrefix(p.Flags, "K")}
}

// unhex reads ffprobe's hexdump ("00000000: 0102 0304 ...  text").
func unhex(t testing.TB, dump string) []byte {
	t.Helper()
	var out []byte
	for _, line := range strings.Split(dump, "\n") {
		_, rest, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		if len(rest) > 40 {
			rest = rest[:40] // 8 groups of 4 hex digits with spaces; the text column follows
		}
		b, err := hex.DecodeString(strings.ReplaceAll(rest, " ", ""))
		if err != nil {
			t.Fatalf("testmedia: ffprobe hexdump %q: %v", line, err)
		}
		out = append(out, b...)
	}
	return out
}

// seqStart is the codec's Enhanced RTMP sequence start, or nil for a
// codec whose frames say everything (AC-3, E-AC-3).
func (c ertmpCodec) seqStart(t testing.TB, s probeStream) []media.Frame {
	t.Helper()
	var rec []byte
	switch c.fourCC {
	case "ac-3", "ec-3":
		return nil // the frames carry their parameters
	case "fLaC":
		// The signature, then STREAMINFO as the last metadata block
		// (ffmpeg's extradata is the bare STREAMINFO).
		info := unhex(t, s.Extradata)
		rec = append([]byte{'f', 'L', 'a', 'C', 0x80, 0, 0, byte(len(info))}, info...)
	case "vp09":
		// ffmpeg keeps no extradata for VP9: a VPCodecConfigurationRecord
		// of profile 0, level 1, 8 bits 4:2:0, BT.709, no init data.
		rec = []byte{0, 10, 8<<4 | 1<<1, 1, 1, 1, 0, 0}
	default:
		rec = unhex(t, s.Extradata)
		if len(rec) == 0 {
			t.Fatalf("testmedia: %s: no extradata", c.fourCC)
		}
	}
	if c.video {
		return []media.Frame{{Type: media.TypeVideo, Payload: append([]byte{0x90, c.fourCC[0], c.fourCC[1], c.fourCC[2], c.fourCC[3]}, rec...), SeqHeader: true, Keyframe: true}}
	}
	return []media.Frame{{Type: media.TypeAudio, Payload: append([]byte{0x90, c.fourCC[0], c.fourCC[1], c.fourCC[2], c.fourCC[3]}, rec...), SeqHeader: true}}
}

// frame is one packet as an Enhanced RTMP CodedFrames message.
func (c ertmpCodec) frame(t testing.TB, p Packet, data []byte) media.Frame {
	t.Helper()
	if !c.video {
		b := append([]byte{0x91, c.fourCC[0], c.fourCC[1], c.fourCC[2], c.fourCC[3]}, data...)
		return media.Frame{Type: media.TypeAudio, Time: p.DTS, Payload: b}
	}
	ft := byte(2) // inter frame
	if p.Key {
		ft = 1
	}
	b := []byte{0x80 | ft<<4 | 1, c.fourCC[0], c.fourCC[1], c.fourCC[2], c.fourCC[3]}
	if c.cts {
		cts := p.PTS - p.DTS
		b = append(b, byte(cts>>16), byte(cts>>8), byte(cts))
	} else if p.PTS != p.DTS {
		t.Fatalf("testmedia: %s packet with composition offset %d", c.fourCC, p.PTS-p.DTS)
	}
	return media.Frame{Type: media.TypeVideo, Time: p.DTS, Payload: append(b, data...), Keyframe: p.Key}
}
