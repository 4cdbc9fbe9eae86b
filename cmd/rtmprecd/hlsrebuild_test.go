package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
)

// TestIndexRebuildFindsTheDaemonsHLSRecordings: the daemon records an
// ffmpeg publish as HLS with fMP4 and with MPEG-TS segments; once the
// database is deleted, `rtmprecd index rebuild` gives back the rows the
// live close wrote (path, stream, format hls, status, bytes of the
// directory, duration, start within 1 s); for fMP4 segments also the
// recorder's video and audio frame counts, which rebuild reads from the
// segments' moof headers (and names the codecs); for MPEG-TS segments
// rebuild leaves the counts empty (a full demux is not cheap).
func TestIndexRebuildFindsTheDaemonsHLSRecordings(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	dir := t.TempDir()
	path := writeConf(t, fmt.Sprintf(`record_index %[1]s/.index.db;
rtmp { server { listen 127.0.0.1:0;
    application fmp4 { record all; record_path %[1]s/fmp4; record_format hls; record_hls_fragment 1s; }
    application ts { record all; record_path %[1]s/ts; record_format hls; record_hls_fragment 1s; record_hls_segment_type mpegts; }
} }
http { server { listen 127.0.0.1:0; location /mp4/api/ { record_api on; control_token tok; } } }
`, dir))
	d, c, logs, stop := runIndexed(t, path)
	for _, app := range []string{"fmp4", "ts"} {
		if err := testmedia.Publish(context.Background(), t, testmedia.Clip(t), "rtmp://"+rtmpAddr(d, 0)+"/"+app+"/cam", false); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 10*time.Second, "both rows done", func() bool {
		a, b := listRows(t, c, "fmp4/cam", ""), listRows(t, c, "ts/cam", "")
		return len(a) == 1 && a[0].Status == "done" && len(b) == 1 && b[0].Status == "done"
	}, logs.String)
	db := filepath.Join(dir, ".index.db")
	closed := hlsRows(t, db)
	stop()
	if len(closed) != 2 {
		t.Fatalf("rows at close: %+v", closed)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(db + suffix)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"index", "rebuild", "-c", path}, &out, &errb); code != 0 {
		t.Fatalf("rebuild: %d %s %s", code, out.String(), errb.String())
	}
	t.Logf("rebuild:\n%s", out.String())
	rebuilt := hlsRows(t, db)
	if len(rebuilt) != len(closed) {
		t.Fatalf("rebuilt %d rows, closed %d", len(rebuilt), len(closed))
	}
	for i, a := range closed {
		b := rebuilt[i]
		same := a.Path == b.Path && a.StreamPath == b.StreamPath && a.Format == "hls" && b.Format == "hls" &&
			a.Status == b.Status && a.Size == b.Size && a.Duration == b.Duration && a.Duration > 3*time.Second
		if !same || a.Start.Sub(b.Start).Abs() > time.Second || a.End.Sub(b.End).Abs() > time.Second {
			t.Errorf("at close %+v\nrebuilt  %+v", a, b)
		}
		counted := a.VideoFrames == b.VideoFrames && a.AudioFrames == b.AudioFrames && a.VideoFrames > 50 && a.AudioFrames > 50 &&
			b.VideoCodec == "h264" && b.AudioCodec == "aac"
		if strings.HasPrefix(a.StreamPath, "ts/") {
			counted = a.VideoFrames > 50 && b.VideoFrames == 0 && b.AudioFrames == 0
		}
		if !counted {
			t.Errorf("%s frames: at close %d video %d audio; rebuilt %d video %d audio, codecs %q %q",
				a.StreamPath, a.VideoFrames, a.AudioFrames, b.VideoFrames, b.AudioFrames, b.VideoCodec, b.AudioCodec)
		}
	}
}

// hlsRows lists the index's rows by path.
func hlsRows(t *testing.T, db string) []index.Recording {
	t.Helper()
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, _, err := s.List(context.Background(), index.Query{Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(rows, func(i, j int) bool { return strings.Compare(rows[i].Path, rows[j].Path) < 0 })
	return rows
}
