package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/internal/testserver"
	"github.com/rtmprecd/rtmprecd/rtmp"
	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// families is one parsed scrape.
type families map[string]*dto.MetricFamily

// scrape GETs h over a real HTTP server on 127.0.0.1 and parses the
// answer with the client library's text parser.
func scrape(t *testing.T, h http.Handler) families {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// get returns the value of the series of name whose labels include
// labels (name=value pairs), and whether it exists. Histograms give their
// sample count.
func (f families) get(name string, labels ...string) (float64, bool) {
	fam := f[name]
	if fam == nil {
		return 0, false
	}
next:
	for _, m := range fam.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			if label(m, labels[i]) != labels[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// value is get for a series that must exist.
func (f families) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	v, ok := f.get(name, labels...)
	if !ok {
		t.Fatalf("no series %s%v", name, labels)
	}
	return v
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.Label {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// startRTMP runs an rtmp.Server for cfg with mods on 127.0.0.1:0.
// startRTMP serves cfg with mods, filling reg (nil: the server's own), and
// returns the address.
func startRTMP(t *testing.T, cfg *conf.Config, reg *rtmp.Registry, mods ...rtmp.Module) string {
	t.Helper()
	s := testserver.Start(t, testserver.Options{Source: func() *conf.Config { return cfg },
		Modules: mods, Logger: slog.New(slog.DiscardHandler), Registry: reg})
	return s.Addr()
}

// withConfig commits cfg to ex, as the daemon does at start and reload.
func withConfig(t *testing.T, ex *Exporter, cfg *conf.Config) *Exporter {
	t.Helper()
	ch, err := ex.Prepare(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ch.Commit()
	return ex
}

// loadConf parses configuration text.
func loadConf(t *testing.T, src string) *conf.Config {
	t.Helper()
	cfg, err := conf.LoadBytes("test.conf", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// publish connects to addr and publishes app/name with the test client.
func publish(t *testing.T, addr, app, name string) (*client.Conn, uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, addr, client.Options{ChunkSize: 4096})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Connect(ctx, app, "rtmp://"+addr+"/"+app, nil); err != nil {
		t.Fatalf("connect %s: %v", app, err)
	}
	id, _, err := c.StartPublish(ctx, name, "live")
	if err != nil {
		t.Fatalf("publish %s/%s: %v", app, name, err)
	}
	return c, id
}

// unpublish ends c's publish and waits for the server to confirm it.
func unpublish(t *testing.T, c *client.Conn, id uint32, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.StopPublish(id, name); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WaitStatus(ctx, "NetStream.Unpublish.Success"); err != nil {
		t.Fatal(err)
	}
}

// poll scrapes h until cond holds, failing after a few seconds.
func poll(t *testing.T, h http.Handler, what string, cond func(families) bool) families {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		f := scrape(t, h)
		if cond(f) {
			return f
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
