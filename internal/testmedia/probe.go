package testmedia

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ProbePackets returns the numbers of video and audio packets ffprobe reads
// from the file at path (all streams of each type added up). Sequence
// headers and end-of-sequence tags are not packets: an FLV made by ffmpeg
// has one more audio tag and two more video tags than packets. ffprobe
// errors fail the test.
func ProbePackets(t testing.TB, path string) (video, audio int) {
	t.Helper()
	out := ffprobe(t, "-count_packets", "-show_entries", "stream=codec_type,nb_read_packets", "-of", "json", path)
	var res struct {
		Streams []struct {
			CodecType     string `json:"codec_type"`
			NbReadPackets string `json:"nb_read_packets"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("testmedia: ffprobe %s: decode json: %v: %s", path, err, out)
	}
	for _, s := range res.Streams {
		n, err := strconv.Atoi(s.NbReadPackets)
		if err != nil {
			t.Fatalf("testmedia: ffprobe %s: %s stream nb_read_packets %q: %v", path, s.CodecType, s.NbReadPackets, err)
		}
		switch s.CodecType {
		case "video":
			video += n
		case "audio":
			audio += n
		}
	}
	return video, audio
}

// ProbeDuration returns the container duration ffprobe reports for path.
func ProbeDuration(t testing.TB, path string) time.Duration {
	t.Helper()
	out := strings.TrimSpace(string(ffprobe(t, "-show_entries", "format=duration", "-of", "default=noprint_wrappers=1:nokey=1", path)))
	sec, err := strconv.ParseFloat(out, 64)
	if err != nil {
		t.Fatalf("testmedia: ffprobe %s: duration %q: %v", path, out, err)
	}
	return time.Duration(sec * float64(time.Second))
}

// ffprobe runs ffprobe with args and returns its stdout; any error or
// stderr output fails the test, since -v error prints only real problems.
func ffprobe(t testing.TB, args ...string) []byte {
	t.Helper()
	RequireFFmpeg(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ffprobe", append([]string{"-v", "error"}, args...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("testmedia: ffprobe %s: %v: %s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// OpenWarnings returns what ffprobe and ffmpeg print at level warning
// when they open and read the file at path: ffprobe showing its format,
// then ffmpeg decoding it to nowhere. Failures to run fail the test.
func OpenWarnings(t testing.TB, path string) string {
	t.Helper()
	RequireFFmpeg(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	for _, c := range [][]string{
		{"ffprobe", "-v", "warning", "-show_format", path},
		{"ffmpeg", "-nostdin", "-v", "warning", "-i", path, "-f", "null", "-"},
	} {
		cmd := exec.CommandContext(ctx, c[0], c[1:]...)
		cmd.Stderr = &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("testmedia: %s: %v: %s", strings.Join(c, " "), err, out.Bytes())
		}
	}
	return out.String()
}

// Packet is one packet as ffprobe reads it, times in milliseconds.
type Packet struct {
	Video    bool
	PTS, DTS int64
	Key      bool
}

// Packets returns every packet ffprobe reads from path, in file order,
// with times rounded to milliseconds from pts_time and dts_time.
func Packets(t testing.TB, path string) []Packet {
	t.Helper()
	var ps []Packet
	for _, p := range probePackets(t, path, false) {
		ps = append(ps, p.Packet)
	}
	return ps
}
