package httpd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/conf"
)

// echo is a route that answers its name, the location and the body length.
func echo(directive string, serves func(*conf.Location) bool, sensitive bool) Route {
	return Route{Directive: directive, Serves: serves, Sensitive: sensitive,
		Serve: func(w http.ResponseWriter, r *http.Request, at Location) {
			n, err := io.Copy(io.Discard, r.Body)
			if err != nil {
				Fail(w, http.StatusRequestEntityTooLarge, err.Error())
				return
			}
			gen := ""
			if at.Config != nil {
				gen = at.Config.File
			}
			fmt.Fprintf(w, "%s %s %d %s", directive, at.Path, n, gen)
		}}
}

func testRoutes() []Route {
	return []Route{
		echo("rtmp_control", func(l *conf.Location) bool { return len(l.Control) > 0 }, true),
		echo("rtmp_stat", func(l *conf.Location) bool { return len(l.Stat) > 0 }, true),
		echo("rtmp_metrics", func(l *conf.Location) bool { return l.Metrics }, false),
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// get sends method path to h and returns the status and body.
func get(h http.Handler, method, path, token, body string) (int, string) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

// TestRoutesByDirective: the longest matching location picks the route;
// a location enabling several directives is served by the first route; a
// location without a route and a path without a location are 404.
func TestRoutesByDirective(t *testing.T) {
	hs := &conf.HTTPServer{Locations: []*conf.Location{
		{Path: "/control", Control: []string{"all"}},
		{Path: "/control/stat", Stat: []string{"all"}},
		{Path: "/both", Control: []string{"all"}, Stat: []string{"all"}},
		{Path: "/metrics", Metrics: true},
		{Path: "/empty"},
	}}
	h := New(Options{Routes: testRoutes(), Logger: discard()}).Handler(hs)
	for _, tt := range []struct {
		path string
		code int
		body string
	}{
		{"/control/drop/publisher", 200, "rtmp_control /control 0"},
		{"/control/stat", 200, "rtmp_stat /control/stat 0"},
		{"/both", 200, "rtmp_control /both 0"},
		{"/metrics", 200, "rtmp_metrics /metrics 0"},
		{"/empty/x", 404, "location /empty serves nothing"},
		{"/nowhere", 404, "no location for /nowhere"},
	} {
		code, body := get(h, "GET", tt.path, "", "")
		if code != tt.code || !strings.Contains(body, tt.body) {
			t.Errorf("GET %s: %d %q, want %d %q", tt.path, code, body, tt.code, tt.body)
		}
	}
}

// TestToken: control_token of the location (or of the server for a path
// without location) is required: 401 without, 403 when wrong. A route that
// checks the token itself (OwnAuth) gets the request and the token.
func TestToken(t *testing.T) {
	own := Route{Directive: "own", Serves: func(l *conf.Location) bool { return l.Metrics }, Sensitive: true, OwnAuth: true,
		Serve: func(w http.ResponseWriter, r *http.Request, at Location) {
			if r.URL.Query().Get("sig") != at.ControlToken {
				Fail(w, http.StatusTeapot, "own refusal")
				return
			}
			fmt.Fprint(w, "own")
		}}
	hs := &conf.HTTPServer{ControlToken: "srv", Locations: []*conf.Location{
		{Path: "/control", Control: []string{"all"}, ControlToken: "s3cret"},
		{Path: "/files", Metrics: true, ControlToken: "s3cret"},
	}}
	h := New(Options{Routes: append(testRoutes()[:1], own), Logger: discard()}).Handler(hs)
	for _, tt := range []struct {
		path, token string
		code        int
	}{
		{"/control/status", "", 401},
		{"/control/status", "wrong", 403},
		{"/control/status", "s3cret", 200},
		{"/nowhere", "", 401},
		{"/nowhere", "srv", 404},
		{"/files/a", "", http.StatusTeapot},
		{"/files/a?sig=s3cret", "", 200},
		{"/files/a?sig=s3cret", "wrong", 200},
	} {
		if code, body := get(h, "GET", tt.path, tt.token, ""); code != tt.code {
			t.Errorf("GET %s with %q: %d %q, want %d", tt.path, tt.token, code, body, tt.code)
		}
	}
}

// TestBodyLimit: a handler reading more than the route's MaxBody gets an
// error instead of the bytes.
func TestBodyLimit(t *testing.T) {
	small := echo("rtmp_control", func(l *conf.Location) bool { return true }, true)
	small.MaxBody = 10
	hs := &conf.HTTPServer{Locations: []*conf.Location{{Path: "/"}}}
	h := New(Options{Routes: []Route{small}, Logger: discard()}).Handler(hs)
	if code, body := get(h, "POST", "/x", "", "0123456789"); code != 200 || !strings.Contains(body, " 10 ") {
		t.Errorf("10 bytes: %d %q", code, body)
	}
	if code, body := get(h, "POST", "/x", "", "0123456789!"); code != http.StatusRequestEntityTooLarge {
		t.Errorf("11 bytes: %d %q", code, body)
	}
	def := New(Options{Routes: []Route{echo("x", func(*conf.Location) bool { return true }, false)}, Logger: discard()}).Handler(hs)
	if code, _ := get(def, "POST", "/x", "", strings.Repeat("a", DefaultMaxBody+1)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("past DefaultMaxBody: %d", code)
	}
}

// TestPanicIs500: a bug in a handler answers 500, not a reset connection.
func TestPanicIs500(t *testing.T) {
	boom := Route{Directive: "boom", Serves: func(*conf.Location) bool { return true },
		Serve: func(http.ResponseWriter, *http.Request, Location) { panic("bug") }}
	h := New(Options{Routes: []Route{boom}, Logger: discard()}).Handler(&conf.HTTPServer{Locations: []*conf.Location{{Path: "/"}}})
	if code, body := get(h, "GET", "/", "", ""); code != 500 || body != "internal error\n" {
		t.Fatalf("%d %q", code, body)
	}
}

// TestExposed: beyond loopback, every location whose route is sensitive
// and that has no token is reported (the control API and /stat alike),
// and nothing on loopback.
func TestExposed(t *testing.T) {
	rt := New(Options{Routes: testRoutes(), Logger: discard()})
	hs := &conf.HTTPServer{Locations: []*conf.Location{
		{Path: "/control", Control: []string{"all"}},
		{Path: "/safe", Control: []string{"drop"}, ControlToken: "t"},
		{Path: "/stat", Stat: []string{"all"}},
		{Path: "/public", Metrics: true}, // a route not marked sensitive
	}}
	exposedAll := []exposure{{"/control", "rtmp_control"}, {"/stat", "rtmp_stat"}}
	for _, tt := range []struct {
		addr string
		want []exposure
	}{
		{"127.0.0.1:8080", nil},
		{"[::1]:8080", nil},
		{"0.0.0.0:8080", exposedAll},
		{"[::]:8080", exposedAll}, // a bare port binds every interface
		{"192.0.2.7:8080", exposedAll},
	} {
		a, err := net.ResolveTCPAddr("tcp", tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.exposed(a, hs); !slices.Equal(got, tt.want) {
			t.Errorf("%s: exposed %v, want %v", tt.addr, got, tt.want)
		}
	}
}

// TestReloadSwapsBlockInPlace: a reload that keeps an address serves the
// new block on it at once, to a kept-alive connection too, and the
// address's socket stays the same; a removed address stops accepting.
func TestReloadSwapsBlockInPlace(t *testing.T) {
	rt := New(Options{Routes: testRoutes(), Logger: discard()})
	t.Cleanup(func() { rt.Shutdown(context.Background()) })
	load := func(name, text string) *conf.Config {
		cfg, err := conf.LoadBytes(name, []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	one := load("one.conf", "http { server { listen 127.0.0.1:0; location /a { rtmp_control all; } } }")
	if err := rt.Apply(one); err != nil {
		t.Fatal(err)
	}
	addr := rt.Addrs()[0].String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 10 * time.Second}
	fetch := func(path string) (int, string) {
		resp, err := client.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := fetch("/a/x"); code != 200 || body != "rtmp_control /a 0 one.conf" {
		t.Fatalf("before: %d %q", code, body)
	}
	two := load("two.conf", "http { server { listen 127.0.0.1:0; location /a { rtmp_stat all; } } server { listen 127.0.0.1:0; } }")
	if err := rt.Apply(two); err != nil {
		t.Fatal(err)
	}
	if code, body := fetch("/a/x"); code != 200 || body != "rtmp_stat /a 0 two.conf" {
		t.Fatalf("after: %d %q", code, body)
	}
	if n := len(rt.Addrs()); n != 2 {
		t.Fatalf("%d addresses, want 2", n)
	}
	var added string
	for _, a := range rt.Addrs() {
		if a.String() != addr {
			added = a.String()
		}
	}
	if err := rt.Apply(one); err != nil {
		t.Fatal(err)
	}
	if c, err := net.DialTimeout("tcp", added, 5*time.Second); err == nil {
		c.Close()
		t.Errorf("removed %s still accepts", added)
	}
	if addrs := rt.Addrs(); len(addrs) != 1 || addrs[0].String() != addr {
		t.Errorf("addresses %v, want only %s", addrs, addr)
	}
}
