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
	"syscall"
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
	d = newDaemon(cfg, out, nil)
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
	if addrs := d.web.Addrs(); len(addrs) > 0 {
		c = &apitest.Client{T: t, Base: "http://" + addrs[0].String() + "/mp4/api", Token: "tok"}
	}
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
	rtmpAddr := rtmpAddr(d, 0)

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

// TestIndexReconcilesAfterKill9: the built binary is killed while our
// client publishes; at the next start the row left in status recording
// is completed from the file.
func TestIndexReconcilesAfterKill9(t *testing.T) {
	dir := t.TempDir()
	conf := fmt.Sprintf(`record_index %[1]s/.index.db;
rtmp { server { listen 127.0.0.1:0; application live { record all; record_path %[1]s/all; } } }
`, dir)
	d := startDaemon(t, conf)
	p := startPublisher(t, d.addr, "live", "cam1")
	p.waitSent(100)
	d.waitLog(t, "record: file opened", 1)
	waitFor(t, 10*time.Second, "the opened row", func() bool { return rowStatus(t, dir) == "recording" })
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	d.wait(t)
	p.c.Close()

	again := startDaemon(t, conf)
	again.waitLog(t, "index: completed a recording left open", 1)
	if code := again.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d\n%s", code, again.log())
	}
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, ".index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := s.Live(context.Background(), filepath.Join(dir, "all", "cam1.flv"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := index.ProbeFLV(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != index.StatusDone || r.Reason != index.ReasonCrash || r.Size != f.Size || r.VideoFrames != f.VideoFrames ||
		r.VideoFrames == 0 || r.Duration != f.Duration || r.End.IsZero() {
		t.Fatalf("row %+v\nfile %+v", r, f)
	}
}

// rowStatus is the status of the only row of the index in dir, read by
// a second connection while the daemon runs (WAL).
func rowStatus(t *testing.T, dir string) string {
	s, err := sqlite.Open(context.Background(), filepath.Join(dir, ".index.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, _, _ := s.List(context.Background(), index.Query{Size: 10})
	if len(rows) != 1 {
		return ""
	}
	return string(rows[0].Status)
}

// TestCorruptIndexIsReportedAtTestAndStart: -t and the start both fail
// naming the file, saying it is corrupt and how to recover.
func TestCorruptIndexIsReportedAtTestAndStart(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, ".index.db")
	if err := os.WriteFile(db, bytes.Repeat([]byte("rtmprecd is not a database "), 300), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeConf(t, fmt.Sprintf(`record_index %s;
rtmp { server { listen 127.0.0.1:0; application live { record all; record_path %s; } } }
`, db, dir))
	want := "record_index " + db + ": index database is corrupt"
	code, out := runBinary(t, "-t", "-c", path)
	if code != exitConfig || !strings.Contains(out, want) || !strings.Contains(out, "index rebuild") || !strings.Contains(out, "test failed") {
		t.Fatalf("-t: exit %d\n%s", code, out)
	}
	d, _ := launchDaemon(t, path)
	if code := d.wait(t); code != exitConfig || !strings.Contains(d.log(), want) {
		t.Fatalf("start: exit %d\n%s", code, d.log())
	}
}

// TestRecordingGoesOnWhenTheIndexDisappears: the database files are
// removed while our client publishes; the daemon says so once, the
// publisher is not disturbed and the file is complete.
func TestRecordingGoesOnWhenTheIndexDisappears(t *testing.T) {
	old := progressPeriod
	progressPeriod = 20 * time.Millisecond
	t.Cleanup(func() { progressPeriod = old })
	dir := t.TempDir()
	path := writeConf(t, fmt.Sprintf(`record_index %[1]s/.index.db;
rtmp { server { listen 127.0.0.1:0; application live { record all; record_path %[1]s/all; } } }
`, dir))
	d, _, logs, stop := runIndexed(t, path)
	p := startPublisher(t, rtmpAddr(d, 0), "live", "cam1")
	p.waitSent(50)
	for _, suffix := range []string{"", "-wal", "-shm", ".journal"} {
		os.Remove(filepath.Join(dir, ".index.db") + suffix)
	}
	waitFor(t, 10*time.Second, "the log line", func() bool { return strings.Contains(logs.String(), "the database file is gone") }, logs.String)
	p.waitSent(p.sent.Load() + 100)
	sent, err := p.finish()
	if err != nil {
		t.Fatalf("publisher disturbed: %v", err)
	}
	stop()
	if got := mediaTags(t, filepath.Join(dir, "all", "cam1.flv")); got != sent {
		t.Fatalf("file holds %d media tags of %d sent", got, sent)
	}
	if n := strings.Count(logs.String(), "the database file is gone"); n != 1 {
		t.Fatalf("logged %d times", n)
	}
}
