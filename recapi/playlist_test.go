package recapi_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/playback/playbacktest"
	"github.com/rtmprecd/rtmprecd/recapi"
)

// TestPlaylistPlaysOverHTTP: a 25-second stream recorded as fMP4 files
// (byte ranges of each fragment) and as HLS fMP4 and MPEG-TS recordings
// (their segments), split every 10 s; the playlist of 4.5 s to 23.2 s, fetched
// through a signed URL, plays in ffprobe over HTTP with no token: every
// frame of the fragments (or segments) that cover the range, 4 s to 24 s,
// is read, and the playlist has a discontinuity at each new recording.
func TestPlaylistPlaysOverHTTP(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 25)
	for _, src := range []string{"fmp4", "hls", "hls-ts"} {
		t.Run(src, func(t *testing.T) {
			r := newExportRig(t, recapi.ExportLimits{}, playbacktest.Record(t, clip, src, t.TempDir(), 10*time.Second, playbacktest.Epoch))
			q := "&" + rangeQuery(4500*time.Millisecond, 23200*time.Millisecond)
			res := r.c.Do("GET", "/playlist/{streamPath}.m3u8", "playlist/live/cam.m3u8?"+q[1:], nil)
			pl := string(res.Body)
			maps := 3 // one a recording
			if src == "hls-ts" {
				maps = 0 // a TS segment carries its own program tables
			}
			if res.Status != 200 || !strings.HasPrefix(pl, "#EXTM3U\n") || !strings.HasSuffix(pl, "#EXT-X-ENDLIST\n") ||
				strings.Count(pl, "#EXT-X-DISCONTINUITY") != 2 || strings.Count(pl, "#EXT-X-MAP:") != maps ||
				strings.Contains(pl, "sig=") {
				t.Fatalf("playlist: %d\n%s", res.Status, pl)
			}
			if src == "fmp4" && !strings.Contains(pl, "#EXT-X-BYTERANGE:") {
				t.Errorf("fmp4 playlist without byte ranges:\n%s", pl)
			}
			signed := r.sign(t, "playlist/live/cam.m3u8")
			out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
				"-show_entries", "stream=nb_read_packets,width", "-of", "csv=p=0", r.srv.URL+signed+q).CombinedOutput()
			if err != nil {
				t.Fatalf("ffprobe: %v: %s", err, out)
			}
			lines := strings.Fields(string(out)) // the stream, also listed under the HLS program
			fields := strings.Split(lines[len(lines)-1], ",")
			if n, _ := strconv.Atoi(fields[len(fields)-1]); len(fields) != 2 || fields[0] != "160" || n != 500 {
				t.Errorf("ffprobe over HTTP read %q, want 160 wide and 500 video frames (4 s to 24 s)", out)
			}
		})
	}
}

// TestMPEGTSRecordings: HLS recordings with MPEG-TS segments export in
// every format (ffprobe reads the 125 video frames of 0 to 5 s), and the
// playlist of the range lists their segments, with no map.
func TestMPEGTSRecordings(t *testing.T) {
	clip := testmedia.ClipLength(t, testmedia.AV, 6)
	r := newExportRig(t, recapi.ExportLimits{}, playbacktest.Record(t, clip, "hls-ts", t.TempDir(), time.Minute, playbacktest.Epoch))
	q := rangeQuery(0, 5*time.Second)
	for _, f := range []string{"mp4", "fmp4", "flv"} {
		res := r.c.Do("GET", "/export/{streamPath}", "export/live/cam?format="+f+"&"+q, nil)
		if res.Status != 200 {
			t.Fatalf("export %s: %d %s", f, res.Status, res.Body)
		}
		name := filepath.Join(t.TempDir(), "out."+f)
		if err := os.WriteFile(name, res.Body, 0o644); err != nil {
			t.Fatal(err)
		}
		if v, a := testmedia.ProbePackets(t, name); v != 125 || a < 200 {
			t.Errorf("export %s: ffprobe reads %d video %d audio packets, want 125 video and the audio", f, v, a)
		}
	}
	res := r.c.Do("GET", "/playlist/{streamPath}.m3u8", "playlist/live/cam.m3u8?"+q, nil)
	if pl := string(res.Body); res.Status != 200 || !strings.Contains(pl, ".ts\n") || strings.Contains(pl, "#EXT-X-MAP") {
		t.Errorf("playlist: %d %s", res.Status, res.Body)
	}
}
