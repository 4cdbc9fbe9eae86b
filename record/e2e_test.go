package record

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// server is the real RTMP server with the record module, on 127.0.0.1:0.
type server struct {
	addr   string
	dir    string
	m      *Module
	events chan Event
	logs   *testserver.LogBuffer
}

// startServer loads an rtmp block whose application "live" holds body
// (with DIR replaced by a temp dir) and serves it.
func startServer(t *testing.T, body string) *server {
	t.Helper()
	dir := t.TempDir()
	src := fmt.Sprintf("application live {\n   live on;\n   %s\n  }", strings.ReplaceAll(body, "DIR", dir))
	s := startServerWith(t, src, nil)
	s.dir = dir
	return s
}

// startServerWith serves the applications apps with a record module that
// setup may adjust first.
func startServerWith(t *testing.T, apps string, setup func(*Module)) *server {
	t.Helper()
	return startServerConf(t, fmt.Sprintf("rtmp {\n server {\n  listen 127.0.0.1:1935;\n  %s\n }\n}\n", apps), setup)
}

// startServerConf serves the whole configuration src.
func startServerConf(t *testing.T, src string, setup func(*Module)) *server {
	t.Helper()
	s := &server{events: make(chan Event, 64), logs: &testserver.LogBuffer{}}
	log := s.logs.Logger(slog.LevelInfo)
	s.m = &Module{Logger: log}
	// No flush ticks: writes and close flush; a ticker firing during the
	// run would also race with TestRecordSuffix's time.Local (the built
	// daemon's tests run the real ticker).
	s.m.tick = func(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
	if setup != nil {
		setup(s.m)
	}
	s.m.Events(func(ev Event) { s.events <- ev })
	s.addr = testserver.Start(t, testserver.Options{Config: src, Modules: []rtmp.Module{s.m},
		Logs: s.logs, Logger: log, HandshakeTimeout: 5 * time.Second, ShutdownTimeout: 5 * time.Second}).Addr()
	return s
}

// wait returns the next n record-done events.
func (s *server) wait(t *testing.T, n int) []Event {
	t.Helper()
	var out []Event
	timeout := time.After(20 * time.Second)
	for len(out) < n {
		select {
		case ev := <-s.events:
			out = append(out, ev)
		case <-timeout:
			t.Fatalf("got %d record-done events, want %d; log:\n%s", len(out), n, s.logs)
		}
	}
	return out
}

// publisher is our RTMP client publishing live/name.
type publisher struct {
	c   *client.Conn
	sid uint32
}

func publish(t *testing.T, addr, name string) (*publisher, error) {
	t.Helper()
	return publishApp(t, addr, "live", name)
}

// publishApp publishes app/name.
func publishApp(t *testing.T, addr, app, name string) (*publisher, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{ChunkSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Connect(ctx, app, "rtmp://"+addr+"/"+app, nil); err != nil {
		t.Fatal(err)
	}
	sid, err := c.CreateStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Publish(ctx, sid, name, "live")
	return &publisher{c, sid}, err
}

func (p *publisher) send(t *testing.T, frames ...media.Frame) {
	t.Helper()
	for _, f := range frames {
		if err := p.c.WriteMedia(f.Type, p.sid, uint64(f.Time), f.Payload); err != nil {
			t.Fatal(err)
		}
	}
}

// recordStatuses collects the NetStream.Record.* statuses until n
// arrived (they are sent asynchronously).
func (p *publisher) recordStatuses(t *testing.T, n int) []client.Status {
	t.Helper()
	var out []client.Status
	timeout := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case st, ok := <-p.c.Statuses():
			if !ok {
				t.Fatalf("connection ended after statuses %+v", out)
			}
			if strings.HasPrefix(st.Code, "NetStream.Record.") {
				out = append(out, st)
			}
		case <-timeout:
			t.Fatalf("got statuses %+v, want %d", out, n)
		}
	}
	return out
}

// TestE2EClientRecordsAll: our client publishes through the real server;
// record_max_frames splits lose nothing, record_notify statuses arrive
// with level "status" and the recorder name.
func TestE2EClientRecordsAll(t *testing.T) {
	s := startServer(t, "recorder r1 { record all; record_path DIR; record_max_frames 50; record_notify on; }")
	p, err := publish(t, s.addr, "cam")
	if err != nil {
		t.Fatal(err)
	}
	in := stream{dur: 3000, gop: 25, audio: true, headers: true}.frames()
	p.send(t, in...)
	p.c.DeleteStream(p.sid)
	evs := s.wait(t, 3)
	checkEvents(t, evs, ReasonUnpublish, in, aacSeqPayload, avcSeqPayload(0))
	var codes []string
	for _, st := range p.recordStatuses(t, 6) {
		if st.Level != "status" || st.Description != "r1" {
			t.Errorf("status %+v", st)
		}
		codes = append(codes, strings.TrimPrefix(st.Code, "NetStream.Record."))
	}
	if got := strings.Join(codes, " "); got != "Start Stop Start Stop Start Stop" {
		t.Errorf("record statuses %q", got)
	}
}

// TestE2EEnhancedRTMP: E-RTMP hvc1 from our client (ffmpeg 5.1 cannot
// send it) is recognised by the session and recorded byte for byte, with
// the sequence start at the start of every file.
func TestE2EEnhancedRTMP(t *testing.T) {
	s := startServer(t, "record all; record_path DIR; record_max_frames 4;")
	p, err := publish(t, s.addr, "hevc")
	if err != nil {
		t.Fatal(err)
	}
	in := []media.Frame{aSeq(0), {Type: media.TypeVideo, Payload: hevcExSeqPayload(), Keyframe: true, SeqHeader: true}}
	for i := range 12 {
		key := i%4 == 0
		in = append(in, media.Frame{Type: media.TypeVideo, Time: int64(i) * 40, Payload: hevcExPayload(key, i), Keyframe: key})
	}
	p.send(t, in...)
	p.c.DeleteStream(p.sid)
	checkEvents(t, s.wait(t, 3), ReasonUnpublish, in, aacSeqPayload, hevcExSeqPayload())
}

// TestE2EManualStart: Start and Stop on a live publish through the real
// server.
func TestE2EManualStart(t *testing.T) {
	s := startServer(t, "recorder m { record all manual; record_path DIR; }")
	p, err := publish(t, s.addr, "cam")
	if err != nil {
		t.Fatal(err)
	}
	in := stream{dur: 2000, gop: 25, audio: true, headers: true}.frames()
	p.send(t, in[:10]...)
	path := pollStart(t, s.m, "cam", "m")
	if path != filepath.Join(s.dir, "cam.flv") {
		t.Fatalf("Start = %q", path)
	}
	p.send(t, in[10:]...)
	p.c.DeleteStream(p.sid)
	ev := s.wait(t, 1)[0]
	f := readFLV(t, ev.Path)
	checkHeaders(t, f, aacSeqPayload, avcSeqPayload(0))
	if !f.Tags[2].IsKeyframe() || ev.Path != path || ev.Reason != ReasonUnpublish {
		t.Fatalf("event %+v, first media %s", ev, tagString(&f.Tags[2]))
	}
}

// pollStart calls Start until the session's publish is registered (the
// publish reply can precede the hooks' view of it by a moment).
func pollStart(t *testing.T, m *Module, name, rec string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, err := m.Start("live", name, rec)
		if err == nil {
			return p
		}
		if !errors.Is(err, ErrNoStream) || time.Now().After(deadline) {
			t.Fatalf("Start: %v", err)
		}
		runtimeGosched()
	}
}

// TestE2EDuplicatePublisher: a second publisher of a live name is
// rejected and never touches the first one's file.
func TestE2EDuplicatePublisher(t *testing.T) {
	s := startServer(t, "record all; record_path DIR;")
	p1, err := publish(t, s.addr, "cam")
	if err != nil {
		t.Fatal(err)
	}
	in := stream{dur: 1000, gop: 25, audio: true, headers: true}.frames()
	p1.send(t, in[:20]...)
	if _, err := publish(t, s.addr, "cam"); err == nil {
		t.Fatal("duplicate publish accepted")
	}
	p1.send(t, in[20:]...)
	p1.c.DeleteStream(p1.sid)
	checkEvents(t, s.wait(t, 1), ReasonUnpublish, in, aacSeqPayload, avcSeqPayload(0))
	if got := files(t, s.dir); len(got) != 1 {
		t.Fatalf("files %v", got)
	}
}

// TestE2EFFmpegPublish: ffmpeg publishes a real H.264+AAC clip; ffprobe
// reads every packet back from the recording. Without record_notify: ffmpeg
// pushing as fast as it can may close before reading NetStream.Record.Start,
// and its kernel then discards its unsent tail (see the README).
func TestE2EFFmpegPublish(t *testing.T) {
	clip := testmedia.Clip(t)
	s := startServer(t, "record all; record_path DIR;")
	if err := testmedia.Publish(t.Context(), t, clip, "rtmp://"+s.addr+"/live/cam", false); err != nil {
		t.Fatal(err)
	}
	ev := s.wait(t, 1)[0]
	wv, wa := testmedia.ProbePackets(t, clip)
	if v, a := testmedia.ProbePackets(t, ev.Path); v != wv || a != wa {
		t.Fatalf("recorded %d video %d audio packets, clip has %d %d", v, a, wv, wa)
	}
	readFLV(t, ev.Path)
}

// TestE2EFFmpegRecordFailedKeepsPublishing: with record_notify on and a
// record_path that cannot be created, ffmpeg gets NetStream.Record.Failed
// with level "warning" and finishes its publish (level "error" would make
// it abort).
func TestE2EFFmpegRecordFailedKeepsPublishing(t *testing.T) {
	clip := testmedia.Clip(t)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "record all; record_path "+blocker+"/sub; record_notify on;")
	// Paced (-re): ffmpeg reads server messages between writes, so it sees
	// the status long before it is done (unpaced, it would finish first).
	if err := testmedia.Publish(t.Context(), t, clip, "rtmp://"+s.addr+"/live/cam", true); err != nil {
		t.Fatalf("ffmpeg aborted: %v", err)
	}
	if !strings.Contains(s.logs.String(), "record: open failed") {
		t.Fatalf("no open failure logged:\n%s", s.logs)
	}
}
