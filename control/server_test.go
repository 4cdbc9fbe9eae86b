package control

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/httpd"
	"github.com/rtmprecd/rtmprecd/rtmp"
)

func TestApplyBindFailureChangesNothing(t *testing.T) {
	r := newRig(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	text, err := os.ReadFile(r.file)
	if err != nil {
		t.Fatal(err)
	}
	two := strings.Replace(string(text), "listen 127.0.0.1:0;\n        location",
		"listen 127.0.0.1:0;\n        listen 127.0.0.1:0;\n        listen "+busy.Addr().String()+";\n        location", 1)
	if err := os.WriteFile(r.file, []byte(two), 0o644); err != nil {
		t.Fatal(err)
	}
	body := r.want("POST", "/control/reload", 422, "address already in use")
	if !strings.Contains(body, "http listen "+busy.Addr().String()) {
		t.Errorf("reload error does not name the address: %s", body)
	}
	if n := len(r.web.Addrs()); n != 1 {
		t.Fatalf("%d listeners after a failed reload, want 1", n)
	}
	r.want("GET", "/stat", 200, "<rtmp>")
}

func TestShutdown(t *testing.T) {
	r := newRig(t)
	addr := r.web.Addrs()[0].String()
	if err := r.web.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("still accepting after Shutdown")
	}
	cfg := r.reload.cfg.Load()
	if err := r.web.Apply(cfg); !errors.Is(err, httpd.ErrClosed) {
		t.Fatalf("Apply after Shutdown: %v", err)
	}
	if err := r.web.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// panicky is a registry whose listing fails, standing in for a bug.
type panicky struct{}

func (panicky) Sessions() []*rtmp.Session { panic("bug") }

func TestHandlerPanicIs500(t *testing.T) {
	s := New(Options{Registry: panicky{}, Logger: discardLogger()})
	hs := &conf.HTTPServer{Locations: []*conf.Location{{Path: "/control", Control: []string{"all"}}}}
	w := httptest.NewRecorder()
	handler(s, hs).ServeHTTP(w, httptest.NewRequest("GET", "/control/status", nil))
	if w.Code != http.StatusInternalServerError || w.Body.String() != "internal error\n" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}

func TestNotConfigured(t *testing.T) {
	s := New(Options{Registry: &rtmp.Registry{}, Logger: discardLogger()})
	hs := &conf.HTTPServer{Locations: []*conf.Location{{Path: "/control", Control: []string{"all"}}}}
	for _, tt := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/control/record/start?app=a&name=b", http.StatusNotImplemented},
		{"POST", "/control/reload", http.StatusNotImplemented},
		{"GET", "/control/status", http.StatusOK},
	} {
		w := httptest.NewRecorder()
		handler(s, hs).ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.code {
			t.Errorf("%s %s: %d %q, want %d", tt.method, tt.path, w.Code, w.Body.String(), tt.code)
		}
	}
}

// handler serves block hs with s's routes on a router, without a listener.
func handler(s *Server, hs *conf.HTTPServer) http.Handler {
	return httpd.New(httpd.Options{Routes: s.Routes(), Logger: discardLogger()}).Handler(hs)
}
