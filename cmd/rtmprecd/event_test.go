package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/recapi/apitest"
)

// eventConf records live/* continuously (all) and around events in each
// format, with a short pre-roll so the test stays short.
func eventConf(dir string) string {
	return fmt.Sprintf(`record_index %[1]s/.index.db;
rtmp { server { listen 127.0.0.1:0; application live {
    record_event_before 1s; record_event_after 1s; record_event_max_before 2s;
    recorder all { record all; record_path %[1]s/all; }
    recorder ev { record all event; record_path %[1]s/ev; }
    recorder evmp4 { record all event; record_path %[1]s/evmp4; record_format mp4; }
    recorder evfmp4 { record all event; record_path %[1]s/evfmp4; record_format fmp4; }
} } }
http { server { listen 127.0.0.1:0;
    location /mp4/api/ { record_api on; control_token tok; }
    location /control { rtmp_control all; control_token tok; }
} }
`, dir)
}

type eventAnswer struct {
	Recorder    string  `json:"recorder"`
	FilePath    string  `json:"filePath"`
	RecordingID *int64  `json:"recordingId"`
	Before      float64 `json:"beforeDuration"`
	After       float64 `json:"afterDuration"`
	Clamped     bool    `json:"clamped"`
	Extended    bool    `json:"extended"`
	Message     string  `json:"message"`
}

type eventRow struct {
	RecordingID int64   `json:"recordingId"`
	FilePath    string  `json:"filePath"`
	EventID     string  `json:"eventId"`
	EventName   string  `json:"eventName"`
	EventDesc   string  `json:"eventDesc"`
	EventLevel  int     `json:"eventLevel"`
	Offset      float64 `json:"offset"`
}

// TestEventRecordingThroughTheAPIs: while ffmpeg -re publishes in real
// time, Monibuca's event body (verbatim) records an FLV file that holds
// exactly the packets (ffprobe) of the continuous recording from a key
// frame 2 s (the clamped before) ahead of the trigger to about 2 s after
// it; a
// second event extends it with its own row; the control API's
// record/event records MP4 and fMP4 files that start with a key frame;
// the rows and the events list show the events; errors are 404 and 409.
func TestEventRecordingThroughTheAPIs(t *testing.T) {
	testmedia.RequireFFmpeg(t)
	dir := t.TempDir()
	stale := filepath.Join(dir, "ev", ".rtmprecd-spool", "1-2-1.ring") // a crash's leftover
	if err := os.MkdirAll(filepath.Dir(stale), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("old pre-roll"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, c, logs, stop := runIndexed(t, writeConf(t, eventConf(dir)))
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("a stale spool file survived the start: %v", err)
	}
	clip := testmedia.ClipLength(t, testmedia.AV, 9) // a key frame a second
	published := make(chan error, 1)
	go func() {
		published <- testmedia.Publish(context.Background(), t, clip, "rtmp://"+rtmpAddr(d, 0)+"/live/cam1", true)
	}()
	waitFor(t, 20*time.Second, "4 s recorded", func() bool {
		rows := listRows(t, c, "live/cam1", "recorder=all")
		return len(rows) == 1 && rows[0].Duration >= 4
	}, logs.String)

	monibuca := `{"streamPath": "live/cam1", "eventId": "alarm_001", "eventName": "motion", "beforeDuration": "30s",
		"afterDuration": "1s", "eventDesc": "front door", "eventLevel": "0"}`
	res := c.Do("POST", "/event/start", "event/start", []byte(monibuca))
	var first eventAnswer
	res.JSON(t, &first)
	if res.Status != 200 || first.Recorder != "ev" || !first.Clamped || first.Before != 2 || first.After != 1 ||
		!strings.Contains(first.Message, "record_event_max_before") || first.RecordingID == nil {
		t.Fatalf("event/start: %d %s", res.Status, res.Body)
	}
	again := c.Do("POST", "/event/start", "event/start", []byte(`{"streamPath": "live/cam1", "eventId": "alarm_002", "afterDuration": 2, "eventLevel": 5}`))
	var second eventAnswer
	again.JSON(t, &second)
	if again.Status != 200 || !second.Extended || second.FilePath != first.FilePath {
		t.Fatalf("second event/start: %d %s", again.Status, again.Body)
	}
	for _, rec := range []string{"evmp4", "evfmp4"} {
		body := controlGet(t, d, "/control/record/event?app=live&name=cam1&rec="+rec+"&eventId=cam-"+rec+"&before=1&after=1s", 200)
		if !strings.HasPrefix(body, dir+"/"+rec+"/") {
			t.Fatalf("record/event %s: %q", rec, body)
		}
	}
	controlGet(t, d, "/control/record/event?app=live&name=cam1&rec=all", 409)
	controlGet(t, d, "/control/record/event?app=live&name=nobody", 404)
	if r := c.Do("POST", "/event/start", "event/start", []byte(`{"streamPath": "live/nobody"}`)); r.Status != 404 {
		t.Fatalf("event for a stream not publishing: %d %s", r.Status, r.Body)
	}
	if r := c.Do("POST", "/event/start", "event/start", []byte(`{"streamPath": "live/cam1", "recorder": "all"}`)); r.Status != 409 {
		t.Fatalf("event for a recorder without event: %d %s", r.Status, r.Body)
	}
	eventsDone := func() bool {
		rows := listRows(t, c, "live/cam1", "eventOnly=true")
		done := 0
		for _, r := range rows {
			if r.Status == "done" {
				done++
			}
		}
		return done == 3
	}
	waitFor(t, 20*time.Second, "three event files closed", eventsDone, logs.String)
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "every row done", func() bool {
		rows := listRows(t, c, "live/cam1", "")
		for _, r := range rows {
			if r.Status != "done" {
				return false
			}
		}
		return len(rows) == 4
	}, logs.String)
	checkEventRows(t, c, first.FilePath)
	files := map[string]string{}
	for _, r := range listRows(t, c, "live/cam1", "") {
		files[r.Recorder] = r.FilePath
	}
	stop()
	if rings, _ := filepath.Glob(filepath.Join(dir, "*", ".rtmprecd-spool", "*.ring")); len(rings) != 0 {
		t.Fatalf("spool files left after unpublish: %v", rings)
	}

	ev := testmedia.Packets(t, first.FilePath)
	sameSpan(t, testmedia.Packets(t, files["all"]), ev)
	if span := ev[len(ev)-1].DTS - ev[0].DTS; span < 2000+2000-40 || span > 2000+2000+2000 {
		t.Fatalf("event file spans %d ms: want 2 s before the first trigger to about 2 s after the second", span)
	}
	for _, rec := range []string{"evmp4", "evfmp4"} {
		var ps []testmedia.Packet // video: fMP4 fragments put a track's packets together
		for _, p := range testmedia.Packets(t, files[rec]) {
			if p.Video {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 || !ps[0].Key {
			t.Fatalf("%s: first video packet %+v, want a key frame", files[rec], ps[:min(1, len(ps))])
		}
		if span := ps[len(ps)-1].DTS - ps[0].DTS; span < 1000+1000-40 || span > 1000+1000+2000 {
			t.Fatalf("%s spans %d ms, want 1 s before to about 1 s after", files[rec], span)
		}
	}
}

// sameSpan checks that the event file's packets are exactly those of
// the continuous file from one of its key frames on, times shifted.
func sameSpan(t *testing.T, all, ev []testmedia.Packet) {
	t.Helper()
	if len(ev) == 0 || !ev[0].Video || !ev[0].Key {
		t.Fatalf("event file starts with %+v, want a video key frame", ev[:min(1, len(ev))])
	}
	for i, p := range all {
		if !p.Video || !p.Key || i+len(ev) > len(all) {
			continue
		}
		k, same := p.DTS, true
		for j, e := range ev {
			a := all[i+j]
			if a.Video != e.Video || a.Key != e.Key || a.DTS-k != e.DTS-ev[0].DTS {
				same = false
				break
			}
		}
		if same {
			return
		}
	}
	t.Fatalf("the event file's %d packets are not a span of the continuous file's %d", len(ev), len(all))
}

// checkEventRows: the event file's row lists both events, the events
// list has all four, newest first, with Monibuca's fields.
func checkEventRows(t *testing.T, c *apitest.Client, path string) {
	t.Helper()
	res := c.Do("GET", "/list/{streamPath}", "list/live/cam1?eventOnly=true", nil)
	var list struct {
		Data []struct {
			FilePath string     `json:"filePath"`
			EventID  string     `json:"eventId"`
			Events   []eventRow `json:"events"`
		} `json:"data"`
	}
	res.JSON(t, &list)
	found := false
	for _, r := range list.Data {
		if r.FilePath == path {
			found = true
			if r.EventID != "alarm_001" || len(r.Events) != 2 || r.Events[0].EventID != "alarm_001" ||
				r.Events[1].EventID != "alarm_002" || r.Events[0].Offset < 1.9 || r.Events[1].EventLevel != 5 {
				t.Fatalf("row of %s: %+v", path, r)
			}
		}
	}
	if !found {
		t.Fatalf("no eventOnly row for %s: %s", path, res.Body)
	}
	all := c.Do("GET", "/events/{streamPath}", "events/live/cam1", nil)
	var evs struct {
		Total int        `json:"total"`
		Data  []eventRow `json:"data"`
	}
	all.JSON(t, &evs)
	if all.Status != 200 || evs.Total != 4 {
		t.Fatalf("events: %d %s", all.Status, all.Body)
	}
	cat := c.Do("GET", "/catalog", "catalog", nil)
	if !strings.Contains(string(cat.Body), `"events":4`) {
		t.Fatalf("catalog: %s", cat.Body)
	}
	one := c.Do("GET", "/events", "events?eventId=alarm_001", nil)
	one.JSON(t, &evs)
	if evs.Total != 1 || evs.Data[0].EventName != "motion" || evs.Data[0].EventDesc != "front door" || evs.Data[0].FilePath != path {
		t.Fatalf("events?eventId=alarm_001: %s", one.Body)
	}
}

// controlGet calls the control API and checks the status; it returns the
// body.
func controlGet(t *testing.T, d *Daemon, path string, want int) string {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+d.web.Addrs()[0].String()+path, nil)
	req.Header.Set("Authorization", "Bearer tok")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s: %d %s, want %d", path, res.StatusCode, b, want)
	}
	return strings.TrimSpace(string(b))
}
