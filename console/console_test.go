package console

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
)

const testConf = `record_index /tmp/x.db;
http {
  server { listen 127.0.0.1:1; control_token tok;
    location /api/ { record_api on; }
    location /console/ { record_console on; }
    location /stat { rtmp_stat all; }
    location /control { rtmp_control all; }
  }
  server { listen 127.0.0.1:2; location /metrics { rtmp_metrics on; } }
}
`

// serve answers one request of the console at /console/ of testConf.
func serve(t *testing.T, path, token string) *http.Response {
	t.Helper()
	cfg, err := conf.LoadBytes("t.conf", []byte(testConf))
	if err != nil {
		t.Fatal(err)
	}
	loc := cfg.HTTP[0].Locations[1]
	r := httptest.NewRequest("GET", path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	Route("v1").Serve(w, r, httpd.Location{Location: loc, Config: cfg})
	return w.Result()
}

// TestConfigJSON: without a token config.json says only that one is
// needed; a wrong one is 403; the right one gets the locations of the
// console's own server (not the other server's /metrics).
func TestConfigJSON(t *testing.T) {
	tests := []struct {
		token  string
		status int
		want   Endpoints
	}{
		{"", 200, Endpoints{NeedToken: true}},
		{"nope", 403, Endpoints{}},
		{"tok", 200, Endpoints{Version: "v1", HLSJS: HLSVersion, API: "/api/", Stat: "/stat", Control: "/control"}},
	}
	for _, tt := range tests {
		res := serve(t, "/console/config.json", tt.token)
		if res.StatusCode != tt.status {
			t.Fatalf("token %q: %d, want %d", tt.token, res.StatusCode, tt.status)
		}
		if tt.status != 200 {
			continue
		}
		var got Endpoints
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil || got != tt.want {
			t.Errorf("token %q: %+v (%v), want %+v", tt.token, got, err, tt.want)
		}
	}
}

// TestAssets: the page and hls.js are served without a token, with the
// content security policy; a path outside the folder is not.
func TestAssets(t *testing.T) {
	for path, want := range map[string]string{"/console/": "<title>rtmprecd console</title>",
		"/console/hls.min.js": "Hls", "/console/app.js": "use strict", "/console/app.css": "--accent"} {
		res := serve(t, path, "")
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || !strings.Contains(string(b), want) || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: %d, CSP %q, %d bytes", path, res.StatusCode, res.Header.Get("Content-Security-Policy"), len(b))
		}
	}
	for _, p := range []string{"/console/missing.js", "/console/../../etc/passwd", "/console/../console/app.css"} {
		if res := serve(t, p, ""); res.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", p, res.StatusCode)
		}
	}
}
