package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/flv"
	"github.com/rtmprecd/rtmprecd/internal/testmedia"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// recording is an in-process server with the record module (`record all`
// into dir) whose record-done events a test can read.
type recording struct {
	addr   string
	dir    string
	logs   *testserver.LogBuffer
	stop   func()
	mu     sync.Mutex
	events []record.Event
}

// startRecording serves application live with `record all`; now, when
// not nil, is the server's wall clock.
func startRecording(t *testing.T, now func() time.Time) *recording {
	t.Helper()
	r := &recording{dir: t.TempDir(), logs: &testserver.LogBuffer{}}
	log := r.logs.Logger(slog.LevelDebug)
	m := &record.Module{Logger: log}
	m.Events(func(ev record.Event) {
		r.mu.Lock()
		r.events = append(r.events, ev)
		r.mu.Unlock()
	})
	s := testserver.Start(t, testserver.Options{
		Config:  fmt.Sprintf("rtmp { server { listen 127.0.0.1:0; application live { record all; record_path %s; } } }", r.dir),
		Modules: []rtmp.Module{m}, Logs: r.logs, Logger: log, Drain: 10 * time.Second, Now: now,
	})
	r.addr, r.stop = s.Addr(), s.Stop
	return r
}

// files lists the names in the record directory.
func (r *recording) files(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// logLines returns the server's log lines at level that contain every sub.
func (r *recording) logLines(level string, subs ...string) []string {
	var out []string
	for _, l := range strings.Split(r.logs.String(), "\n") {
		ok := strings.Contains(l, "level="+level+" ")
		for _, s := range subs {
			ok = ok && strings.Contains(l, s)
		}
		if ok {
			out = append(out, l)
		}
	}
	return out
}

// publisher connects our client and publishes live/name.
func publisher(t *testing.T, addr, name string) (*client.Conn, uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{ChunkSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Connect(ctx, "live", "rtmp://"+addr+"/live", nil); err != nil {
		t.Fatal(err)
	}
	sid, _, err := c.StartPublish(ctx, name, "live")
	if err != nil {
		t.Fatal(err)
	}
	return c, sid
}

// AVC payloads: a sequence header and a key frame (what the recorder
// needs to open a file; the bytes after the headers are not decoded).
var (
	avcSeq = []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x42, 0xC0, 0x0D, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x42, 0xC0, 0x0D, 0x01, 0x00, 0x04, 0x68, 0xCE, 0x3C, 0x80}
	avcKey = []byte{0x17, 0x01, 0, 0, 0, 0, 0, 0, 5, 0x65, 0x88, 0x84, 0x00, 0x33}
)

// TestTimestampJumpsMakeNoFileFlood: a publisher whose every frame jumps
// 2^31 ms (24.8 days) ahead used to force a 32-bit split on every other
// frame (2,000 frames made 1,001 files) and then lock the name out. Now
// each jump rebases the timeline, the publisher is dropped with one log
// line once its timestamps keep jumping, its frames make at most 2 files,
// and an honest publisher of the same name records normally afterwards.
func TestTimestampJumpsMakeNoFileFlood(t *testing.T) {
	clip := testmedia.Clip(t)
	r := startRecording(t, nil)
	c, sid := publisher(t, r.addr, "cam")
	sent := 0
	if err := c.WriteMedia(rtmp.TypeVideo, sid, 0, avcSeq); err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 2000; i++ {
		if c.WriteMedia(rtmp.TypeVideo, sid, i<<31, avcKey) != nil {
			break // dropped: the server closed the connection
		}
		sent++
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatalf("the server did not drop the publisher after %d jumping frames", sent)
	}
	t.Logf("the server dropped the publisher; the client had written %d jumping frames into the socket by then", sent)
	if files := r.files(t); len(files) == 0 || len(files) > 2 {
		t.Fatalf("%d files for the jumping publisher, want 1 or 2: %v", len(files), files)
	}
	if got := r.logLines("WARN", "dropping client", "timestamps keep jumping"); len(got) != 1 {
		t.Errorf("%d drop records, want 1: %q", len(got), got)
	}
	if got := r.logLines("WARN", "timestamp jump; timeline rebased"); len(got) != 1 {
		t.Errorf("%d Warn records of rebases, want 1 (later ones at debug): %q", len(got), got)
	}

	before := len(r.files(t))
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	if err := testmedia.Publish(ctx, t, clip, "rtmp://"+r.addr+"/live/cam", false); err != nil {
		t.Fatalf("honest publisher of the same name: %v", err)
	}
	r.stop()
	if files := r.files(t); len(files) != before+1 {
		t.Fatalf("files after the honest publish: %v, want %d", files, before+1)
	}
	r.mu.Lock()
	honest := r.events[len(r.events)-1]
	r.mu.Unlock()
	video, audio := testmedia.ProbePackets(t, clip)
	if v, a := testmedia.ProbePackets(t, honest.Path); v != video || a != audio {
		t.Errorf("honest recording %s: %d video, %d audio packets, want %d and %d", honest.Path, v, a, video, audio)
	}
}

// TestGenuineLongStreamSplitsAtWrap: a stream whose timestamps grow past
// 2^32 ms (49.7 days) at the pace of the clock is no jump: the recorder
// takes its 32-bit split, and every frame is recorded at its own time. The
// server's clock moves 20 days at every read, so key frames stamped 20
// days apart arrive as they would in a real 80-day stream.
func TestGenuineLongStreamSplitsAtWrap(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	const step = 20 * 24 * time.Hour
	r := startRecording(t, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(step)
		return now
	})
	c, sid := publisher(t, r.addr, "long")
	if err := c.WriteMedia(rtmp.TypeVideo, sid, 0, avcSeq); err != nil {
		t.Fatal(err)
	}
	for i := range uint64(5) { // 0, 20, 40, 60 and 80 days
		if err := c.WriteMedia(rtmp.TypeVideo, sid, i*uint64(step/time.Millisecond), avcKey); err != nil {
			t.Fatal(err)
		}
	}
	c.Close()
	r.stop()
	if got := r.logLines("", "timestamp jump"); len(got) != 0 {
		t.Errorf("the long stream was taken for jumps: %q", got)
	}
	r.mu.Lock()
	evs := r.events
	r.mu.Unlock()
	if len(evs) != 2 || evs[0].Reason != record.ReasonSplit {
		t.Fatalf("%d files (%v), want 2 split at 49.7 days", len(evs), evs)
	}
	want := []string{"0 1728000000 3456000000", "0 1728000000"} // ms from each file's start
	for i, ev := range evs {
		f, err := flv.ReadFile(ev.Path)
		if err != nil {
			t.Fatal(err)
		}
		var ts []string
		for _, tag := range f.Tags {
			if tag.Type == flv.TagVideo && !tag.IsSeqHeader() {
				ts = append(ts, fmt.Sprint(tag.Timestamp))
			}
		}
		if got := strings.Join(ts, " "); got != want[i] {
			t.Errorf("file %d (%s): key frames at %s, want %s", i, ev.Path, got, want[i])
		}
	}
}
