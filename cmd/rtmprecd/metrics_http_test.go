package main

import (
	"fmt"
	"net/http"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

var httpListeningRe = regexp.MustCompile(`msg="http listening" addr=([^\s"]+)`)

// TestDaemonMetricsHTTP scrapes the built binary's /metrics location, as
// Prometheus would: per-stream series while a stream publishes (the
// location has metrics_per_stream on), the reload counter after a
// SIGHUP, and control_token enforced on it.
func TestDaemonMetricsHTTP(t *testing.T) {
	d := startDaemon(t, fmt.Sprintf(`
rtmp { server { listen 127.0.0.1:0; application live { record all; record_path %s; } } }
http { server { listen 127.0.0.1:0;
    location /metrics { rtmp_metrics on; metrics_per_stream on; }
    location /private { rtmp_metrics on; control_token s3cret; } } }
`, t.TempDir()))
	d.waitLog(t, "http listening", 1)
	base := "http://" + httpListeningRe.FindStringSubmatch(d.log())[1]
	scrape := func(path string) map[string]float64 {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(resp.Body)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		return map[string]float64{
			"publishers":  metricValue(fams, "rtmprecd_publishers", "app", "live"),
			"stream":      metricValue(fams, "rtmprecd_stream_received_bytes_total", "app", "live", "name", "cam"),
			"unchanged":   metricValue(fams, "rtmprecd_config_reloads_total", "result", "unchanged"),
			"open":        metricValue(fams, "rtmprecd_recordings_open", "app", "live"),
			"connections": metricValue(fams, "rtmprecd_connections"),
		}
	}

	p := startPublisher(t, d.addr, "live", "cam")
	p.waitSent(10)
	var m map[string]float64
	waitFor(t, 30*time.Second, "the publish in /metrics", func() bool {
		m = scrape("/metrics")
		return m["stream"] > 0 && m["open"] == 1
	}, func() string { return fmt.Sprint(m) })
	if m["publishers"] != 1 || m["connections"] != 1 {
		t.Errorf("publishing: %v", m)
	}

	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, "configuration unchanged", 1)
	// The reload is logged before it is counted: wait for the counter.
	waitFor(t, 30*time.Second, "the unchanged reload in /metrics", func() bool {
		m = scrape("/metrics")
		return m["unchanged"] == 1
	}, func() string { return fmt.Sprint(m) })

	resp, err := http.Get(base + "/private")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/private without a token: %s", resp.Status)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/private", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/private with the token: %s", resp.Status)
	}

	if _, err := p.finish(); err != nil {
		t.Fatal(err)
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
}
