package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestExportLimitReachesTheAPI: record_export_max of the record_api
// location is what the running daemon's export answers 422 with.
func TestExportLimitReachesTheAPI(t *testing.T) {
	dir := t.TempDir()
	path := writeConf(t, fmt.Sprintf(`record_index %s/.index.db;
http { server { listen 127.0.0.1:0; location /mp4/api/ { record_api on; control_token tok; record_export_max 10s; record_export_concurrency 1; } } }
`, dir))
	_, c, _, stop := runIndexed(t, path)
	defer stop()
	res := c.Do("GET", "/export/{streamPath}", "export/live/cam?start=1772373600&duration=11s", nil)
	if res.Status != 422 || !strings.Contains(string(res.Body), "record_export_max 10s") {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	if res = c.Do("GET", "/export/{streamPath}", "export/live/cam?start=1772373600&duration=10s", nil); res.Status != 404 {
		t.Fatalf("a range within the limit: %d %s", res.Status, res.Body)
	}
}

// TestPublishRecordExport: ffmpeg publishes 8 s in real time to the
// daemon, which records fMP4 files split every 3 s (at a key frame: two or
// three files) into the index; the
// export of the whole range (as MP4, from the API) holds every video
// frame ffprobe reads in the files, on a timeline that steps 40 ms across the
// files, and the playlist over the same range lists each file after a
// discontinuity and plays in ffprobe over HTTP (signed URL) with every
// video frame of the files: every file has the same track order (video
// first), which ffmpeg's HLS demuxer needs, since it keeps the first
// map's layout.
func TestPublishRecordExport(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	dir := t.TempDir()
	path := writeConf(t, fmt.Sprintf(`record_index %[1]s/.index.db;
rtmp { server { listen 127.0.0.1:0; application live {
    record all; record_path %[1]s/rec; record_format fmp4; record_interval 3s;
} } }
http { server { listen 127.0.0.1:0; location /mp4/api/ { record_api on; control_token tok; } } }
`, dir))
	d, c, logs, stop := runIndexed(t, path)
	defer stop()
	clip := testmedia.ClipLength(t, testmedia.AV, 8)
	if err := testmedia.Publish(context.Background(), t, clip, "rtmp://"+rtmpAddr(d, 0)+"/live/cam", true); err != nil {
		t.Fatal(err)
	}
	var rows []apiRow
	waitFor(t, 10*time.Second, "every file closed", func() bool {
		rows = listRows(t, c, "live/cam", "")
		for _, r := range rows {
			if r.Status != "done" {
				return false
			}
		}
		return len(rows) >= 2
	}, logs.String)
	var frames int // what ffprobe reads in the recorded files
	for _, r := range rows {
		v, _ := testmedia.ProbePackets(t, r.FilePath)
		frames += v
	}
	q := fmt.Sprintf("start=%d&end=%d", time.Now().Add(-time.Minute).Unix(), time.Now().Add(time.Minute).Unix())
	res := c.Do("GET", "/export/{streamPath}", "export/live/cam?format=mp4&"+q, nil)
	if res.Status != 200 || res.Header.Get("X-Export-Rest") != "" {
		t.Fatalf("export: %d %.300s", res.Status, res.Body)
	}
	name := filepath.Join(t.TempDir(), "export.mp4")
	if err := os.WriteFile(name, res.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	got, last := 0, int64(-1)
	for _, p := range testmedia.Packets(t, name) {
		if !p.Video {
			continue
		}
		if last >= 0 && p.DTS-last != 40 {
			t.Fatalf("video dts %d after %d across %d files", p.DTS, last, len(rows))
		}
		got, last = got+1, p.DTS
	}
	if got != frames || frames < 190 {
		t.Errorf("export of %d files: %d video frames, the files hold %d", len(rows), got, frames)
	}
	pl := c.Do("GET", "/playlist/{streamPath}.m3u8", "playlist/live/cam.m3u8?"+q, nil)
	if pl.Status != 200 || strings.Count(string(pl.Body), "#EXT-X-DISCONTINUITY") != len(rows)-1 {
		t.Errorf("playlist: %d\n%s", pl.Status, pl.Body)
	}
	var signed struct{ URL string }
	c.Do("GET", "/sign", "sign?path=playlist/live/cam.m3u8", nil).JSON(t, &signed)
	base := strings.TrimSuffix(c.Base, "/mp4/api")
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
		"-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", base+signed.URL+"&"+q).CombinedOutput()
	// ffprobe prints the stream once in its program and once on its own
	if f := strings.Fields(string(out)); err != nil || len(f) == 0 || f[0] != strconv.Itoa(frames) {
		t.Errorf("ffprobe of the playlist over HTTP: %v: %q, want %d video frames", err, out, frames)
	}
}
