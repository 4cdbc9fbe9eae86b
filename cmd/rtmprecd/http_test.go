package main

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/control"
)

// TestDaemonControlAPI checks the wiring of the control API into the
// daemon: its listeners follow reloads, /control/reload is the daemon's
// funnel, and drop reaches the daemon's publishers.
func TestDaemonControlAPI(t *testing.T) {
	dir := t.TempDir()
	base := `rtmp { server { listen 127.0.0.1:0; application live { record all; record_path ` + dir + `; } } }
http { server { listen 127.0.0.1:0; location /control { rtmp_control all; } location /stat { rtmp_stat all; } } }
`
	path := writeConf(t, base)
	d, logs, _ := startInProcess(t, path)
	addrs := d.web.Addrs()
	if len(addrs) != 1 {
		t.Fatalf("http listeners %v\n%s", addrs, logs)
	}
	url := "http://" + addrs[0].String()
	call := func(method, p string, code int) string {
		t.Helper()
		req, _ := http.NewRequest(method, url+p, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != code {
			t.Fatalf("%s %s = %d %s, want %d", method, p, resp.StatusCode, b, code)
		}
		return string(b)
	}
	var st control.Status
	if err := json.Unmarshal([]byte(call("GET", "/control/status", 200)), &st); err != nil {
		t.Fatal(err)
	}
	if st.Config == nil || st.Config.Generation != 1 || st.Config.Hash != d.Config().Hash || st.Config.File != path {
		t.Fatalf("status %+v", st.Config)
	}

	write(t, path, "rtmp {\n  recrod all;\n}\n")
	if body := call("POST", "/control/reload", 422); !strings.Contains(body, `unknown directive \"recrod\"`) {
		t.Fatalf("broken reload: %s", body)
	}
	write(t, path, strings.Replace(base, "location /stat", "location /xstat { rtmp_stat all; } location /stat", 1))
	if body := call("POST", "/control/reload", 200); !strings.Contains(body, `"generation": 2`) {
		t.Fatalf("reload: %s", body)
	}
	call("GET", "/xstat", 200)

	p := startPublisher(t, rtmpAddr(d, 0), "live", "cam1")
	p.waitSent(20)
	if got := call("GET", "/control/drop/publisher?app=live&name=cam1", 200); got != "1" {
		t.Fatalf("drop = %q", got)
	}
	if files := flvFiles(t, dir); len(files) != 1 || filepath.Dir(files[0]) != dir {
		t.Fatalf("files %v", files)
	}
}

// TestServerTokenProtectsEverything: control_token set on an http server
// is inherited by every location of it, so /stat and /metrics need the
// token as much as /control does.
func TestServerTokenProtectsEverything(t *testing.T) {
	path := writeConf(t, `rtmp { server { listen 127.0.0.1:0; application live { } } }
http { server { listen 127.0.0.1:0; control_token s3cret;
    location /control { rtmp_control all; }
    location /stat { rtmp_stat all; }
    location /metrics { rtmp_metrics on; } } }
`)
	d, logs, _ := startInProcess(t, path)
	url := "http://" + d.web.Addrs()[0].String()
	for _, p := range []string{"/stat", "/metrics", "/control/status"} {
		for _, tt := range []struct {
			token string
			code  int
		}{{"", http.StatusUnauthorized}, {"wrong", http.StatusForbidden}, {"s3cret", http.StatusOK}} {
			req, _ := http.NewRequest(http.MethodGet, url+p, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.code {
				t.Errorf("GET %s with token %q: %s, want %d\n%s", p, tt.token, resp.Status, tt.code, logs)
			}
		}
	}
}
