package metrics

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/notify"
	"github.com/rtmprecd/rtmprecd/record"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/chunk"
)

var (
	avcHeader = []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f, 0x01, 0x00, 0x04, 0x68, 0xee, 0x3c, 0x80}
	keyFrame  = []byte{0x17, 0x01, 0, 0, 0, 0, 0, 0, 4, 0x65, 0x88, 0x84, 0x00}
	aacFrame  = []byte{0xaf, 0x01, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c}
)

// TestLiveSeries publishes with the test client and follows the session,
// publisher and byte series, the per-stream ones only on the per-stream
// handler, and their removal at unpublish.
func TestLiveSeries(t *testing.T) {
	cfg := loadConf(t, "rtmp { server { listen 127.0.0.1:0; application live { } application other { } } }")
	reg := new(rtmp.Registry)
	ex := New(Options{Registry: reg, Version: "test"})
	addr := startRTMP(t, cfg, reg, ex.Module())
	all, base := ex.Handler(true), ex.Handler(false)

	c, id := publish(t, addr, "live", "cam1")
	publish(t, addr, "other", "x")
	want := uint64(0)
	for i, m := range []struct {
		typ uint8
		p   []byte
	}{{chunk.TypeVideo, avcHeader}, {chunk.TypeVideo, keyFrame}, {chunk.TypeAudio, aacFrame}, {chunk.TypeVideo, keyFrame}, {chunk.TypeAudio, aacFrame}} {
		if err := c.WriteMedia(m.typ, id, uint64(i*40), m.p); err != nil {
			t.Fatal(err)
		}
		want += uint64(len(m.p))
	}
	// Scrapes read the counters while OnAV adds to them: wait until all
	// of the last message's adds are seen.
	f := poll(t, all, "the messages sent", func(f families) bool {
		v, _ := f.get("rtmprecd_received_bytes_total", "app", "live")
		sb, _ := f.get("rtmprecd_stream_received_bytes_total", "name", "cam1")
		n, _ := f.get("rtmprecd_stream_messages_total", "name", "cam1", "type", "audio")
		return v == float64(want) && sb == float64(want) && n == 2
	})
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rtmprecd_connections", nil, 2},
		{"rtmprecd_sessions", []string{"app", "live"}, 1},
		{"rtmprecd_publishers", []string{"app", "live"}, 1},
		{"rtmprecd_publishes_total", []string{"app", "live"}, 1},
		{"rtmprecd_stream_received_bytes_total", []string{"app", "live", "name", "cam1"}, float64(want)},
		{"rtmprecd_stream_messages_total", []string{"app", "live", "name", "cam1", "type", "video"}, 3},
		{"rtmprecd_stream_messages_total", []string{"app", "live", "name", "cam1", "type", "audio"}, 2},
		{"rtmprecd_build_info", []string{"version", "test"}, 1},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// The wire count (handshake and chunk headers too) exists when the
	// registry counts bytes.
	if v, ok := f.get("rtmprecd_rtmp_received_bytes_total"); ok && v <= float64(want) {
		t.Errorf("rtmp_received_bytes_total = %v, want more than the %d payload bytes", v, want)
	}
	if start := f.value(t, "rtmprecd_stream_start_timestamp_seconds", "name", "cam1"); time.Since(time.Unix(int64(start), 0)) > time.Minute {
		t.Errorf("stream start %v", start)
	}
	if _, ok := scrape(t, base)["rtmprecd_stream_received_bytes_total"]; ok {
		t.Error("per-stream series without metrics_per_stream")
	}

	unpublish(t, c, id, "cam1")
	f = poll(t, all, "cam1's series to go", func(f families) bool {
		_, ok := f.get("rtmprecd_stream_received_bytes_total", "name", "cam1")
		return !ok
	})
	if got := f.value(t, "rtmprecd_publishers", "app", "live"); got != 0 {
		t.Errorf("publishers after unpublish = %v", got)
	}
	if got := f.value(t, "rtmprecd_received_bytes_total", "app", "live"); got != float64(want) {
		t.Errorf("received bytes after unpublish = %v, want %d (counters stay)", got, want)
	}
	if _, ok := f.get("rtmprecd_stream_received_bytes_total", "name", "x"); !ok {
		t.Error("the other publish's series went too")
	}
}

// TestHookReceivesNoMedia: the metrics read the stream hub's counters
// (TestLiveSeries); nothing is added on the media path.
func TestHookReceivesNoMedia(t *testing.T) {
	var h any = &hook{}
	if _, ok := h.(rtmp.AVHook); ok {
		t.Error("the metrics hook receives media")
	}
}

// TestRecordCounters feeds closed-file events and observer calls.
func TestRecordCounters(t *testing.T) {
	ex := New(Options{})
	for range 5 {
		ex.FileOpened("live")
	}
	ex.OpenFailed("live", errors.New("permission denied"))
	ex.FileRemoved("live", false) // no media
	ex.FileRemoved("live", true)  // no media: the first write failed
	for _, ev := range []record.Event{
		{App: "live", Reason: record.ReasonSplit},
		{App: "live", Reason: record.ReasonError, Err: errors.New("no space left on device")},
		{App: "live", Reason: record.ReasonUnpublish, Err: errors.New("close: input/output error")},
	} {
		ex.RecordEvent(ev)
	}
	ex.Wrote(100, time.Millisecond)
	ex.Wrote(50, 2*time.Millisecond)
	ex.Flushed(time.Millisecond)
	ex.Synced(3 * time.Millisecond)
	f := scrape(t, ex.Handler(false))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rtmprecd_record_files_total", []string{"app", "live", "reason", "split"}, 1},
		{"rtmprecd_record_files_total", []string{"app", "live", "reason", "error"}, 1},
		{"rtmprecd_record_files_total", []string{"app", "live", "reason", "unpublish"}, 1},
		{"rtmprecd_record_failures_total", []string{"reason", "open"}, 1},
		{"rtmprecd_record_failures_total", []string{"reason", "write"}, 2},
		{"rtmprecd_record_failures_total", []string{"reason", "close"}, 1},
		{"rtmprecd_recordings_open", []string{"app", "live"}, 0},
		{"rtmprecd_record_written_bytes_total", nil, 150},
		{"rtmprecd_record_write_seconds", nil, 2},
		{"rtmprecd_record_flush_seconds", nil, 1},
		{"rtmprecd_record_fsync_seconds", nil, 1},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// TestReloadCounters walks a start, an applied and a failed reload.
func TestReloadCounters(t *testing.T) {
	ex := New(Options{})
	t0 := time.Unix(1700000000, 0)
	ex.ConfigLoaded(1, t0)
	ex.ReloadDone("applied", 2, t0.Add(time.Minute))
	ex.ReloadDone("unchanged", 2, t0.Add(2*time.Minute))
	ex.ReloadDone("failed", 2, t0.Add(3*time.Minute))
	f := scrape(t, ex.Handler(false))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rtmprecd_config_reloads_total", []string{"result", "applied"}, 1},
		{"rtmprecd_config_reloads_total", []string{"result", "unchanged"}, 1},
		{"rtmprecd_config_reloads_total", []string{"result", "failed"}, 1},
		{"rtmprecd_config_generation", nil, 2},
		{"rtmprecd_config_last_reload_successful", nil, 0},
		{"rtmprecd_config_last_reload_success_timestamp_seconds", nil, float64(t0.Add(2 * time.Minute).Unix())},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// TestDiskFree reads the free space of each distinct record_path when
// scraped: the real statfs for a directory, nothing for one that does not
// exist yet, and the injected figure exactly.
func TestDiskFree(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "not-yet")
	cfg := loadConf(t, `rtmp { server { listen 127.0.0.1:0;
		application a { record all; record_path `+dir+`; recorder v { record video; record_path `+dir+`; record_suffix -v.flv; } }
		application b { record all; record_path `+missing+`; } } }`)
	real := scrape(t, withConfig(t, New(Options{}), cfg).Handler(false))
	if v := real.value(t, "rtmprecd_record_path_free_bytes", "path", dir); v <= 0 {
		t.Errorf("free bytes of %s = %v", dir, v)
	}
	if n := len(real["rtmprecd_record_path_free_bytes"].Metric); n != 1 {
		t.Errorf("%d free-space series, want 1 (the missing directory has none)", n)
	}

	calls := 0
	fake := withConfig(t, New(Options{Statfs: func(p string) (uint64, error) {
		calls++
		if p == missing {
			return 0, os.ErrNotExist
		}
		return 12345, nil
	}}), cfg)
	f := scrape(t, fake.Handler(false))
	if v := f.value(t, "rtmprecd_record_path_free_bytes", "path", dir); v != 12345 || calls != 2 {
		t.Errorf("free bytes %v after %d statfs calls, want 12345 after 2", v, calls)
	}
}

// TestNotifyMetrics runs callbacks and exec commands through the notify
// module with the Exporter as its observer: results by status class,
// latencies by event, exec runs by outcome.
func TestNotifyMetrics(t *testing.T) {
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("call") == "publish_done" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer recv.Close()
	cfg := loadConf(t, `rtmp { server { listen 127.0.0.1:0; application live {
		on_publish `+recv.URL+`; on_publish_done `+recv.URL+`;
		exec_publish true; exec_publish_done false; exec_publish_done /nonexistent/cmd;
		exec_publish_done sleep 10; exec_timeout 100ms; } } }`)
	ex := New(Options{})
	n := &notify.Module{Observer: ex, Retries: -1}
	addr := startRTMP(t, cfg, nil, n, ex.Module())
	c, id := publish(t, addr, "live", "cam")
	unpublish(t, c, id, "cam")
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	f := scrape(t, ex.Handler(false))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rtmprecd_notify_calls_total", []string{"event", "publish", "result", "2xx"}, 1},
		{"rtmprecd_notify_calls_total", []string{"event", "publish_done", "result", "5xx"}, 1},
		{"rtmprecd_notify_call_duration_seconds", []string{"event", "publish"}, 1},
		{"rtmprecd_exec_runs_total", []string{"result", "ok"}, 1},
		{"rtmprecd_exec_runs_total", []string{"result", "failed"}, 1},
		{"rtmprecd_exec_runs_total", []string{"result", "not_started"}, 1},
		{"rtmprecd_exec_runs_total", []string{"result", "timeout"}, 1},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// TestExecDroppedMetric: with exec_max_children running and no room to
// queue, exec_publish_done commands are dropped and counted as such. The
// first child holds its slot on a file lock until the test lets it go.
func TestExecDroppedMetric(t *testing.T) {
	gate := filepath.Join(t.TempDir(), "gate")
	lock, err := os.Create(gate)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	cfg := loadConf(t, `rtmp { exec_max_children 1; server { listen 127.0.0.1:0; application live {
		exec_publish_done flock -s `+gate+` true; exec_publish_done true; exec_publish_done true; } } }`)
	ex := New(Options{})
	n := &notify.Module{Observer: ex, MaxQueued: -1}
	ch, err := n.Prepare(cfg) // as the daemon does: exec_max_children 1
	if err != nil {
		t.Fatal(err)
	}
	ch.Commit()
	addr := startRTMP(t, cfg, nil, n, ex.Module())
	c, id := publish(t, addr, "live", "cam")
	unpublish(t, c, id, "cam")
	c.Close()
	poll(t, ex.Handler(false), "two drops", func(f families) bool {
		v, _ := f.get("rtmprecd_exec_runs_total", "result", "dropped")
		return v == 2
	})
	lock.Close() // the first child ends
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scrape(t, ex.Handler(false)).value(t, "rtmprecd_exec_runs_total", "result", "ok"); got != 1 {
		t.Errorf("ok = %v, want the first command only", got)
	}
}

// TestHandlerFormats: a client that asks for nothing in particular gets
// the text format.
func TestHandlerFormats(t *testing.T) {
	srv := httptest.NewServer(New(Options{}).Handler(false))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestObserverDoesNotAllocate: the record observer's methods run on the
// media path (a write or flush inside OnAV) and must not allocate.
func TestObserverDoesNotAllocate(t *testing.T) {
	ex := New(Options{})
	if n := testing.AllocsPerRun(1000, func() {
		ex.Wrote(4096, 30*time.Microsecond)
		ex.Flushed(40 * time.Microsecond)
		ex.Synced(time.Millisecond)
	}); n != 0 {
		t.Errorf("observer calls allocate %v times", n)
	}
}
