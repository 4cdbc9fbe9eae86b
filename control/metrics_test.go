package control

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/metrics"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

// TestMetricsLocation: an rtmp_metrics location serves the exporter, GET
// and HEAD only, and answers 501 when the server has no metrics. (That
// metrics_per_stream reaches the exporter is checked end to end by
// cmd/rtmprecd's TestDaemonMetricsHTTP.)
func TestMetricsLocation(t *testing.T) {
	hs := &conf.HTTPServer{Locations: []*conf.Location{
		{Path: "/metrics", Metrics: true},
		{Path: "/streams", Metrics: true, PerStream: true},
	}}
	ex := metrics.New(metrics.Options{Version: "v-test"})
	with := New(Options{Registry: &rtmp.Registry{}, Metrics: ex}).Handler(hs)
	without := New(Options{Registry: &rtmp.Registry{}}).Handler(hs)
	for _, tc := range []struct {
		h            http.Handler
		method, path string
		status       int
		body         string
	}{
		{with, "GET", "/metrics", 200, `rtmprecd_build_info{version="v-test"} 1`},
		{with, "GET", "/streams", 200, "# TYPE rtmprecd_config_generation gauge"},
		{with, "HEAD", "/metrics", 200, ""},
		{with, "POST", "/metrics", 405, "POST not allowed"},
		{without, "GET", "/metrics", 501, "rtmp_metrics"},
	} {
		w := httptest.NewRecorder()
		tc.h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tc.method, tc.path, w.Code, w.Body.String(), tc.status, tc.body)
		}
	}
}
