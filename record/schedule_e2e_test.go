package record

import (
	"bytes"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// waitRecorded polls until recorder rec's open file of the server holds
// media up to ms (the server has processed the frames sent so far: every
// recorder of a publish sees a frame in one call).
func waitRecorded(t *testing.T, m *Module, rec string, ms int64) {
	t.Helper()
	waitRecordedName(t, m, rec, "", ms)
}

// waitRecordedName is waitRecorded for stream name ("" any).
func waitRecordedName(t *testing.T, m *Module, rec, name string, ms int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, r := range m.Recordings() {
			if r.Recorder == rec && (name == "" || r.Name == name) && r.Duration >= time.Duration(ms)*time.Millisecond {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("recorder %q never recorded %d ms", rec, ms)
}

// TestE2EScheduleWindowOpensMidStream: our client publishes through the
// real server; a record_schedule window opens in the middle of a GOP and
// the scheduled file starts with that GOP's key frame (from the hub's GOP
// cache), holds exactly what an always-on recorder has for the span, and
// ends at the first key frame after the window with reason "schedule".
func TestE2EScheduleWindowOpensMidStream(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 2, 0, 59, 59, 0, time.UTC)}
	s := startServer(t, `record all; record_path DIR/all;
   recorder sched { record all; record_path DIR/sched; record_timezone UTC; record_schedule daily 01:00-01:01; }`)
	s.m.Now = clk.Now
	p, err := publish(t, s.addr, "cam")
	if err != nil {
		t.Fatal(err)
	}
	p.send(t, gopFrames(0, 11, 200)...) // key frame at 0, then to 400 ms: before the window
	waitRecorded(t, s.m, "", 400)
	clk.Advance(time.Second) // 01:00:00: the window opens at the next frame, mid-GOP
	p.send(t, gopFrames(11, 50, 200)...)
	waitRecorded(t, s.m, "", 1960)
	clk.Advance(time.Minute) // 01:01:00: the window has closed
	p.send(t, gopFrames(50, 61, 200)...)
	p.c.DeleteStream(p.sid)
	evs := s.wait(t, 2)
	byRec := map[string]Event{}
	for _, ev := range evs {
		byRec[ev.Recorder] = ev
	}
	sched, all := byRec["sched"], byRec[""]
	if sched.Reason != ReasonSchedule || sched.FirstTime != 0 || sched.VideoFrames != 50 {
		t.Fatalf("scheduled file: reason %q, first %d ms, %d video frames; want schedule, 0, 50; log:\n%s",
			sched.Reason, sched.FirstTime, sched.VideoFrames, s.logs)
	}
	got, want := mediaTags(readFLV(t, sched.Path)), mediaTags(readFLV(t, all.Path))
	if len(got) == 0 || !got[0].IsKeyframe() {
		t.Fatalf("scheduled file starts with %s, want a key frame", tagsString(got[:min(len(got), 3)]))
	}
	for i := range got {
		if i >= len(want) || got[i].Type != want[i].Type || got[i].Timestamp != want[i].Timestamp || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("tag %d of the scheduled file differs from the always-on file's", i)
		}
	}
	if last := got[len(got)-1].Timestamp; last >= 2000 {
		t.Errorf("scheduled file goes on to %d ms, past the key frame after the window", last)
	}
}

// TestE2EReloadKeepsSessionSchedule: a publisher that connected under a
// configuration whose schedule is closed keeps that schedule after a
// reload removes it (it records nothing), while a publisher that
// connects after the reload records at once.
func TestE2EReloadKeepsSessionSchedule(t *testing.T) {
	dir := t.TempDir()
	load := func(extra string) *conf.Config {
		// the probe recorder, the same in both, shows when a session's frames were processed
		src := fmt.Sprintf(`rtmp { server { listen 127.0.0.1:1935; application live { record all; record_path %s/main; record_timezone UTC; %s
			recorder probe { record all; record_path %s/probe; record_schedule daily 00:00-24:00; } } } }`, dir, extra, dir)
		cfg, err := conf.LoadBytes("t.conf", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	var cur atomic.Pointer[conf.Config]
	cur.Store(load("record_schedule daily 03:00-04:00;"))
	clk := &clock{t: time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)}
	logs := &testserver.LogBuffer{}
	m := &Module{Now: clk.Now, Logger: logs.Logger(0)}
	m.tick = func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	events := make(chan Event, 8)
	m.Events(func(ev Event) { events <- ev })
	addr := testserver.Start(t, testserver.Options{Source: cur.Load, Modules: []rtmp.Module{m}, Logs: logs,
		ShutdownTimeout: 5 * time.Second}).Addr()

	before, err := publish(t, addr, "before")
	if err != nil {
		t.Fatal(err)
	}
	cur.Store(load("")) // the reload: no schedule any more
	after, err := publish(t, addr, "after")
	if err != nil {
		t.Fatal(err)
	}
	before.send(t, gopFrames(0, 30, 64)...)
	after.send(t, gopFrames(0, 30, 64)...)
	waitRecordedName(t, m, "probe", "before", 1000)
	waitRecordedName(t, m, "probe", "after", 1000)
	before.c.DeleteStream(before.sid)
	after.c.DeleteStream(after.sid)
	for range 3 { // two probe files and one of the inline recorder
		select {
		case ev := <-events:
			if ev.Recorder == "" && ev.Name != "after" {
				t.Errorf("recorded %q, want only the stream published after the reload", ev.Name)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("missing recordings; log:\n%s", logs)
		}
	}
	if got := files(t, dir+"/main"); len(got) != 1 || !strings.HasPrefix(got[0], "after") {
		t.Errorf("files %v, want after.flv alone", got)
	}
}
