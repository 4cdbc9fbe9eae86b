package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// callbackLog is a real HTTP receiver on 127.0.0.1 that keeps the order in
// which nginx-rtmp style callbacks arrived.
type callbackLog struct {
	mu    sync.Mutex
	calls []string // "call path"
}

func (l *callbackLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	l.mu.Lock()
	l.calls = append(l.calls, strings.TrimSpace(r.Form.Get("call")+" "+r.Form.Get("path")))
	l.mu.Unlock()
}

func (l *callbackLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.calls...)
}

// TestShutdownFinishesFilesThenCallbacks publishes to the built binary,
// stops it with SIGTERM mid-stream, and checks that the file is complete
// and that record_done, publish_done and done reached the receiver, in
// that order, before the daemon exited 0.
func TestShutdownFinishesFilesThenCallbacks(t *testing.T) {
	recv := &callbackLog{}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	dir := t.TempDir()
	d := startDaemon(t, fmt.Sprintf(`
rtmp {
    server {
        listen 127.0.0.1:0;
        application live {
            record all;
            record_path %s;
            on_publish %s/publish;
            on_publish_done %s/publish_done;
            on_done %s/done;
            on_record_done %s/record_done;
        }
    }
}
`, dir, hs.URL, hs.URL, hs.URL, hs.URL))
	p := startPublisher(t, d.addr, "live", "cam1")
	p.waitSent(60)

	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
	files := flvFiles(t, dir)
	if len(files) != 1 {
		t.Fatalf("files %v\n%s", files, d.log())
	}
	if n := mediaTags(t, files[0]); n < 60 {
		t.Errorf("%s holds %d media tags, publisher had sent at least 60", files[0], n)
	}
	want := []string{"publish", "record_done " + files[0], "publish_done", "done"}
	if got := recv.snapshot(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("callbacks %q, want %q\n%s", got, want, d.log())
	}
}
