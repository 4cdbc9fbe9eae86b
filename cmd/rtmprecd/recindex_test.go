package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/index"
	"github.com/rtmprecd/rtmprecd/index/sqlite"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/recapi/apitest"
)

// indexConf records live/* three ways (a plain recorder, one split every
// 50 frames, a manual one) with the index and the API at Monibuca's
// /mp4/api/ behind a token.
func indexConf(dir string) string {
	return fmt.Sprintf(`record_index %[1]s/.index.db;
rtmp { server { listen 127.0.0.1:0; application live {
    record all; record_path %[1]s/all;
    recorder pieces { record all; record_path %[1]s/pieces; record_max_frames 50; }
    recorder man { record all manual; record_path %[1]s/man; }
} } }
http { server { listen 127.0.0.1:0; location /mp4/api/ { record_api on; control_token tok; } } }
`, dir)
}

// runIndexed runs the daemon in process on path; stop ends it and waits.
func runIndexed(t *testing.T, path string) (d *Daemon, c *apitest.Client, logs *testserver.LogBuffer, stop func()) {
	t.Helper()
	cfg, err := conf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs = &testserver.LogBuffer{}
	out, err := newLogOutput(cfg, logs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	started, exited := make(chan *Daemon, 1), make(chan int, 1)
	d = newDaemon(cfg, out)
	go func() { exited <- serve(ctx, d, nil, started) }()
	select {
	case <-started:
	case code := <-exited:
		t.Fatalf("daemon exited %d\n%s", code, logs)
	}
	done := false
	stop = func() {
		if done {
			return
		}
		done = true
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("exit code %d", code)
		}
		out.Close()
	}
	t.Cleanup(stop)
	c = &apitest.Client{T: t, Base: "http://" + d.api.Addrs()[0].String() + "/mp4/api", Token: "tok"}
	return d, c, logs, stop
}

type apiRow struct {
	ID          int64   `json:"id"`
	StreamPath  string  `json:"streamPath"`
	Recorder    string  `json:"recorder"`
	FilePath    string  `json:"filePath"`
	Status      string  `json:"status"`
	Size        int64   `json:"size"`
	Duration    float64 `json:"duration"`
	VideoFrames int64   `json:"videoFrames"`
	AudioFrames int64   `json:"audioFrames"`
	Keyframes   int64   `json:"keyframes"`
	VideoCodec  string  `json:"videoCodec"`
	AudioCodec  string  `json:"audioCodec"`
	Pinned      bool    `json:"pinned"`
}

func listRows(t *testing.T, c *apitest.Client, sp, query string) []apiRow {
	t.Helper()
	res := c.Do("GET", "/list/{streamPath}", "list/"+sp+"?size=1000&"+query, nil)
	if res.Status != 200 {
		t.Fatalf("list: %d %s", res.Status, res.Body)
	}
	var a struct{ Data []apiRow }
	res.JSON(t, &a)
	return a.Data
}

// sameAsFile checks a row's figures against its file read by the strict
// reader.
func sameAsFile(t *testing.T, r apiRow) {
	t.Helper()
	f, err := index.ProbeFLV(r.FilePath)
	if err != nil {
		t.Fatalf("%s: %v", r.FilePath, err)
	}
	if r.Status != "done" || r.Size != f.Size || r.VideoFrames != f.VideoFrames || r.AudioFrames != f.AudioFrames ||
		r.Keyframes != f.Keyframes || time.Duration(math.Round(r.Duration*1000))*time.Millisecond != f.Duration || r.VideoCodec != f.VideoCodec {
		t.Errorf("row %+v\nfile %+v", r, f)
	}
}

// TestIndexFollowsRealRecordingsThroughTheAPI: rows appear at open and
// grow while our client publishes, complete with the file's figures;
// pieces of a split are separate rows; start/stop through the API record
// a file; an ffmpeg publish gets the packet counts ffprobe sees; delete
// refuses a pinned row; and after the database is deleted, rebuild gives
// the same rows (ids aside), pins and deletions included.
func TestIndexFollowsRealRecordingsThroughTheAPI(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	dir := t.TempDir()
	path := writeConf(t, indexConf(dir))
	d, c, logs, stop := runIndexed(t, path)
	rtmpAddr := d.lis.live[0].sock.ln.Addr().String()

	p := startPublisher(t, rtmpAddr, "live", "cam1")
	p.waitSent(20)
	var first []apiRow
	waitFor(t, 10*time.Second, "a row in status recording", func() bool {
		first = listRows(t, c, "live/cam1", "recorder=")
		return len(first) == 1 && first[0].Status == "recording"
	}, logs.String)
	waitFor(t, 10*time.Second, "the row to grow", func() bool {
		r := listRows(t, c, "live/cam1", "recorder=")
		return r[0].Size > first[0].Size && r[0].Duration > first[0].Duration
	})
	start := c.Do("POST", "/start/{streamPath}", "start/live/cam1", nil)
	var started apiRow
	start.JSON(t, &started)
	if start.Status != 200 || started.Status != "recording" || started.Recorder != "man" {
		t.Fatalf("start: %d %s", start.Status, start.Body)
	}
	p.waitSent(p.sent.Load() + 60)
	res := c.Do("POST", "/stop/{streamPath}", "stop/live/cam1", []byte(`{"recorder": "man"}`))
	var stopped apiRow
	res.JSON(t, &stopped)
	if res.Status != 200 || stopped.ID != started.ID || stopped.Status != "done" || stopped.VideoFrames == 0 {
		t.Fatalf("stop: %d %s", res.Status, res.Body)
	}
	sameAsFile(t, stopped)
	p.waitSent(p.sent.Load() + 150)
	if _, err := p.finish(); err != nil {
		t.Fatal(err)
	}
	if err := testmedia.Publish(context.Background(), t, testmedia.Clip(t), "rtmp://"+rtmpAddr+"/live/cam2", false); err != nil {
		t.Fatal(err)
	}
	allDone := func(sp string) bool {
		rows := listRows(t, c, sp, "")
		for _, r := range rows {
			if r.Status != "done" {
				return false
			}
		}
		return len(rows) >= 2
	}
	waitFor(t, 10*time.Second, "every row done", func() bool { return allDone("live/cam1") && allDone("live/cam2") }, logs.String)

	rows := listRows(t, c, "live/cam1", "")
	pieces := 0
	for _, r := range rows {
		sameAsFile(t, r)
		if r.Recorder == "pieces" {
			pieces++
		}
	}
	if pieces < 3 || len(rows) != pieces+2 {
		t.Fatalf("%d rows, %d pieces:\n%+v", len(rows), pieces, rows)
	}
	var cam2 apiRow
	for _, r := range listRows(t, c, "live/cam2", "") {
		sameAsFile(t, r)
		if r.Recorder == "" {
			cam2 = r
		}
	}
	if v, a := testmedia.ProbePackets(t, cam2.FilePath); int64(v) != cam2.VideoFrames || int64(a) != cam2.AudioFrames || cam2.VideoCodec != "h264" || cam2.AudioCodec != "aac" {
		t.Fatalf("ffprobe %d/%d packets, row %+v", v, a, cam2)
	}
	pinned, gone := rows[0], rows[1]
	c.Do("POST", "/recordings/{id}/pin", fmt.Sprintf("recordings/%d/pin", pinned.ID), nil)
	del := c.Do("POST", "/delete/{streamPath}", "delete/live/cam1", []byte(fmt.Sprintf(`{"ids": [%d, %d]}`, pinned.ID, gone.ID)))
	if !strings.Contains(string(del.Body), `"status":"pinned"`) || !strings.Contains(string(del.Body), `"status":"deleted"`) {
		t.Fatalf("delete: %s", del.Body)
	}
	if _, err := os.Stat(gone.FilePath); !os.IsNotExist(err) || fileExists(pinned.FilePath) == false {
		t.Fatalf("after delete: %v", err)
	}
	before := snapshot(t, filepath.Join(dir, ".index.db"))
	stop()

	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(dir, ".index.db") + suffix)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"index", "rebuild", "-c", path}, &out, &errb); code != 0 {
		t.Fatalf("rebuild: %d %s %s", code, out.String(), errb.String())
	}
	t.Logf("rebuild:\n%s", out.String())
	if after := snapshot(t, filepath.Join(dir, ".index.db")); after != before {
		t.Fatalf("rebuilt rows differ:\nbefore\n%s\nafter\n%s", before, after)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// snapshot lists every row by what a file or the journal can tell: ids,
// wall times and close reasons aside.
func snapshot(t *testing.T, db string) string {
	t.Helper()
	s, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var lines []string
	for _, st := range []index.Status{"", index.StatusDeleted} {
		rows, _, err := s.List(context.Background(), index.Query{Status: st, Size: 100000})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			lines = append(lines, fmt.Sprintf("%s %s %s rec=%q %s %s size=%d dur=%v v=%d a=%d k=%d %s %dx%d %s pinned=%v",
				r.Path, r.StreamPath, r.Name, r.Recorder, r.Format, r.Status, r.Size, r.Duration, r.VideoFrames, r.AudioFrames,
				r.Keyframes, r.VideoCodec, r.Width, r.Height, r.AudioCodec, r.Pinned))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
