package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
)

// TestMetricsLocation: an rtmp_metrics location of the router serves the
// exporter, GET and HEAD only. (That metrics_per_stream reaches the
// exporter is checked end to end by cmd/rtmprecd's TestDaemonMetricsHTTP.)
func TestMetricsLocation(t *testing.T) {
	hs := &conf.HTTPServer{Locations: []*conf.Location{
		{Path: "/metrics", Metrics: true},
		{Path: "/streams", Metrics: true, PerStream: true},
	}}
	ex := New(Options{Version: "v-test"})
	with := httpd.New(httpd.Options{Routes: []httpd.Route{ex.Route()}}).Handler(hs)
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
	} {
		w := httptest.NewRecorder()
		tc.h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tc.method, tc.path, w.Code, w.Body.String(), tc.status, tc.body)
		}
	}
}
