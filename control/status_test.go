package control

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStatus(t *testing.T) {
	r := newRig(t)
	p := r.publish("live", "cam1")
	r.want("GET", "/control/record/start?app=live&name=cam1&rec=man", 200, "")
	p.gop()
	eventually(t, "both files to get media", func() bool {
		recs := r.rec.Recordings()
		return len(recs) == 2 && recs[0].Duration > 0 && recs[1].Duration > 0
	})
	var st Status
	if err := json.Unmarshal([]byte(r.want("GET", "/control/status", 200, "")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Version != "test" || st.PID != os.Getpid() || st.Config == nil || st.Config.Generation != 1 || st.Config.Hash == "" {
		t.Fatalf("status: %+v", st)
	}
	if len(st.Sessions) != 1 {
		t.Fatalf("sessions: %+v", st.Sessions)
	}
	s := st.Sessions[0]
	if s.App != "live" || s.Name != "cam1" || !s.Publishing || s.Addr != "127.0.0.1" || s.BytesIn == 0 || s.UptimeMS < 0 {
		t.Errorf("session: %+v", s)
	}
	if len(s.Recordings) != 2 {
		t.Fatalf("recordings: %+v", s.Recordings)
	}
	paths := map[string]bool{}
	for _, rec := range s.Recordings {
		paths[rec.Path] = true
		if rec.Size == 0 || rec.DurationMS <= 0 || rec.OpenedAt.IsZero() {
			t.Errorf("recording: %+v", rec)
		}
	}
	if !paths[filepath.Join(r.dir, "cam1.flv")] || !paths[filepath.Join(r.dir, "cam1-man.flv")] {
		t.Errorf("recording paths: %v", paths)
	}
}

func TestReload(t *testing.T) {
	r := newRig(t)
	text, err := os.ReadFile(r.file)
	if err != nil {
		t.Fatal(err)
	}
	var res ReloadResult
	post := func(code int) {
		t.Helper()
		res = ReloadResult{}
		if err := json.Unmarshal([]byte(r.want("POST", "/control/reload", code, "")), &res); err != nil {
			t.Fatal(err)
		}
	}
	// Unchanged file: nothing to do.
	post(200)
	if !res.OK || res.Config.Generation != 1 || res.Config.LastResult != "unchanged" {
		t.Fatalf("unchanged reload: %+v %+v", res, res.Config)
	}
	// A broken file is reported with its position and changes nothing.
	broken := strings.Replace(string(text), "rtmp_stat all;", "rtmp_stat sometimes;", 1)
	if err := os.WriteFile(r.file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	post(422)
	if res.OK || !strings.Contains(res.Error, "rtmprecd.conf:") || res.Config.Generation != 1 || res.Config.LastResult != "failed" {
		t.Fatalf("broken reload: %+v %+v", res, res.Config)
	}
	r.want("GET", "/stat", 200, "<rtmp>")
	var st Status
	if err := json.Unmarshal([]byte(r.want("GET", "/control/status", 200, "")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Config.LastError != res.Error {
		t.Errorf("status last_error %q, want %q", st.Config.LastError, res.Error)
	}
	// A good change applies to the running listener.
	fixed := strings.Replace(string(text), "location /stat {", "location /xstat { rtmp_stat all; }\n        location /stat {", 1)
	if err := os.WriteFile(r.file, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	r.want("GET", "/xstat", 404, "")
	post(200)
	if !res.OK || res.Config.Generation != 2 || res.Config.LastResult != "applied" || res.Config.LastError == "" {
		t.Fatalf("applied reload: %+v %+v", res, res.Config)
	}
	r.want("GET", "/xstat", 200, "<rtmp>")
}

func TestReloadMovesListener(t *testing.T) {
	r := newRig(t)
	old := r.base
	text, err := os.ReadFile(r.file)
	if err != nil {
		t.Fatal(err)
	}
	// listen 127.0.0.1:0 twice is allowed: the second is a new socket.
	moved := strings.Replace(string(text), "listen 127.0.0.1:0;\n        location", "listen 127.0.0.1:0;\n        listen 127.0.0.1:0;\n        location", 1)
	if moved == string(text) {
		t.Fatal("test config changed: no http listen line found")
	}
	if err := os.WriteFile(r.file, []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	r.want("POST", "/control/reload", 200, `"ok": true`)
	addrs := r.web.Addrs()
	if len(addrs) != 2 {
		t.Fatalf("addrs after reload: %v", addrs)
	}
	for _, a := range addrs {
		r.base = "http://" + a.String()
		r.want("GET", "/stat", 200, "<rtmp>")
	}
	r.base = old
	if err := os.WriteFile(r.file, text, 0o644); err != nil {
		t.Fatal(err)
	}
	r.want("POST", "/control/reload", 200, `"generation": 3`)
	if n := len(r.web.Addrs()); n != 1 {
		t.Fatalf("%d listeners after removing one, want 1", n)
	}
	r.want("GET", "/stat", 200, "<rtmp>")
}
