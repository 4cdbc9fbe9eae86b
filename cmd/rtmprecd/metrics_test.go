package main

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
)

// scrapeMetrics GETs the daemon's /metrics handler over HTTP on 127.0.0.1
// and parses it with the client library's text parser.
func scrapeMetrics(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// metricValue is the value of the first series of name whose labels
// include labels (name, value pairs); 0 when there is none.
func metricValue(fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	fam := fams[name]
	if fam == nil {
		return 0
	}
next:
	for _, m := range fam.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

// waitMetric scrapes until name{labels} reaches at least want.
func waitMetric(t *testing.T, h http.Handler, want float64, name string, labels ...string) map[string]*dto.MetricFamily {
	t.Helper()
	var fams map[string]*dto.MetricFamily
	waitFor(t, 30*time.Second, name+" to reach the expected value", func() bool {
		fams = scrapeMetrics(t, h)
		return metricValue(fams, name, labels...) >= want
	})
	return fams
}

// metricsConf records live/* with splits every 30 frames, and broken/*
// into a record_path under a regular file, where every open fails.
func metricsConf(dir, broken, extra string) string {
	return `
rtmp {
    server {
        listen 127.0.0.1:0;
        application live { record all; record_path ` + dir + `; record_max_frames 30; }
        application broken { record all; record_path ` + broken + `/sub; }
        ` + extra + `
    }
}
`
}

// TestDaemonMetrics runs the daemon in this process and checks that the
// metrics move with a publish, a split, a failed open, a reload (applied
// and failed) and the publish's end.
func TestDaemonMetrics(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "file")
	write(t, file, "not a directory")
	path := writeConf(t, metricsConf(dir, file, ""))
	d, logs, _ := startInProcess(t, path)
	h := d.met.Handler(true)
	addr := rtmpAddr(d, 0)

	f := scrapeMetrics(t, h)
	if g := metricValue(f, "rtmprecd_config_generation"); g != 1 {
		t.Errorf("generation %v at start", g)
	}

	p := startPublisher(t, addr, "live", "cam1")
	f = waitMetric(t, h, 1, "rtmprecd_record_files_total", "app", "live", "reason", "split")
	for _, c := range []struct {
		name   string
		labels []string
	}{
		{"rtmprecd_publishers", []string{"app", "live"}},
		{"rtmprecd_recordings_open", []string{"app", "live"}},
		{"rtmprecd_stream_received_bytes_total", []string{"app", "live", "name", "cam1"}},
		{"rtmprecd_received_bytes_total", []string{"app", "live"}},
		{"rtmprecd_record_written_bytes_total", nil},
		{"rtmprecd_record_write_seconds", nil},
		{"rtmprecd_record_flush_seconds", nil},
		{"rtmprecd_record_path_free_bytes", []string{"path", dir}},
	} {
		if v := metricValue(f, c.name, c.labels...); v <= 0 {
			t.Errorf("%s%v = %v while recording, want > 0", c.name, c.labels, v)
		}
	}
	if t.Failed() {
		t.Fatalf("daemon log:\n%s", logs)
	}

	bad := startPublisher(t, addr, "broken", "cam2")
	waitMetric(t, h, 1, "rtmprecd_record_failures_total", "app", "broken", "reason", "open")
	if _, err := bad.finish(); err != nil {
		t.Errorf("a failing recorder broke its publisher: %v", err)
	}

	write(t, path, metricsConf(dir, file, "application more { }"))
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	write(t, path, "rtmp { broken")
	if err := d.Reload(); err == nil {
		t.Fatal("a broken configuration reloaded")
	}
	f = scrapeMetrics(t, h)
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"rtmprecd_config_reloads_total", []string{"result", "applied"}, 1},
		{"rtmprecd_config_reloads_total", []string{"result", "failed"}, 1},
		{"rtmprecd_config_generation", nil, 2},
		{"rtmprecd_config_last_reload_successful", nil, 0},
	} {
		if v := metricValue(f, c.name, c.labels...); v != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, v, c.want)
		}
	}

	if _, err := p.finish(); err != nil {
		t.Fatal(err)
	}
	waitMetric(t, h, 1, "rtmprecd_record_files_total", "app", "live", "reason", "unpublish")
	// A later scrape: collectors are gathered concurrently, so the one
	// that saw the closed file may still have seen it open.
	f = scrapeMetrics(t, h)
	if v := metricValue(f, "rtmprecd_recordings_open", "app", "live"); v != 0 {
		t.Errorf("recordings open after unpublish = %v", v)
	}
	if _, ok := f["rtmprecd_stream_received_bytes_total"]; ok {
		t.Errorf("per-stream series left after unpublish: %v", f["rtmprecd_stream_received_bytes_total"])
	}
	files := flvFiles(t, dir)
	if n := metricValue(f, "rtmprecd_record_files_total", "app", "live", "reason", "split") + 1; int(n) != len(files) {
		t.Errorf("%v files counted, %d on disk", n, len(files))
	}
}

// TestDaemonMetricsDiskFull fills a 1 MiB tmpfs under a running recording:
// the write fails with ENOSPC, the file closes with reason "error" and the
// write failure is counted, and the free space reads 0.
func TestDaemonMetricsDiskFull(t *testing.T) {
	dir := testenv.Tmpfs(t, "1m")
	path := writeConf(t, recordConf(dir))
	d, _, _ := startInProcess(t, path)
	h := d.met.Handler(false)
	p := startPublisher(t, rtmpAddr(d, 0), "live", "cam")
	waitMetric(t, h, 1, "rtmprecd_recordings_open", "app", "live")

	fill(t, filepath.Join(dir, "filler"))
	waitMetric(t, h, 1, "rtmprecd_record_failures_total", "app", "live", "reason", "write")
	// Collectors are gathered concurrently, so one scrape may see the
	// failure before the closed file: wait for each.
	f := waitMetric(t, h, 1, "rtmprecd_record_files_total", "app", "live", "reason", "error")
	if v := metricValue(f, "rtmprecd_record_path_free_bytes", "path", dir); v != 0 {
		t.Errorf("free bytes of the full tmpfs = %v", v)
	}
	if _, err := p.finish(); err != nil {
		t.Errorf("a full disk broke the publisher: %v", err)
	}
}

// fill writes to path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 16<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}
