package main

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"

	"github.com/rtmprecd/rtmprecd/conf"
)

// names returns what each element calls itself.
func names[T interface{ Name() string }](list []T) []string {
	var out []string
	for _, m := range list {
		out = append(out, m.Name())
	}
	return out
}

// TestModuleOrder pins the daemon's module order, which decides what the
// other modules see: the access log first (it logs the name the client
// asked for, before on_publish may rename it), notify next (on_publish may
// refuse or rename before anything else runs), access next (a refused publisher never reaches a
// recorder), the recorders (closed, with record_done queued, before
// notify's publish_done, OnClose running in reverse), metrics last (it
// reports only publishes every other module allowed, under their final
// names). The control module takes no part in sessions (drop waits for the
// stream hub's end), so its place is free; it stays where it was.
func TestModuleOrder(t *testing.T) {
	mods := newModules(slog.New(slog.DiscardHandler), nil)
	want := []string{"access_log", "notify", "access", "control", "record", "metrics"}
	if got := names(mods.list); !slices.Equal(got, want) {
		t.Errorf("module order %q, want %q", got, want)
	}
}

// TestServiceOrder pins the daemon's service order (see services): the
// pid file first and so removed last, error_log next, the access logs and
// the recordings index before notify so that they close after the last
// callbacks were waited for, the flush ticker last and so stopped first.
func TestServiceOrder(t *testing.T) {
	d := idleDaemon(t)
	want := []string{"pid", "error_log", "access_log", "record_index", "metrics", "notify", "record flusher"}
	if got := names(d.svc); !slices.Equal(got, want) {
		t.Errorf("service order %q, want %q", got, want)
	}
}

// TestRouteOrder pins the HTTP routes (see routes): their precedence when
// a location enables several directives, as the handlers were chosen
// before the router (the recordings API first, then the control API,
// /stat, /metrics, files), and which are sensitive, so warned about when
// reachable beyond loopback without control_token: all but files, which
// serve what the operator put in their directory, and the console, whose
// page is code and whose config.json checks the token itself.
func TestRouteOrder(t *testing.T) {
	var got []string
	for _, r := range idleDaemon(t).routes() {
		got = append(got, fmt.Sprintf("%s sensitive=%v", r.Directive, r.Sensitive))
	}
	want := []string{"record_api sensitive=true", "record_console sensitive=false", "rtmp_control sensitive=true", "rtmp_stat sensitive=true",
		"rtmp_metrics sensitive=true", "root sensitive=false"}
	if !slices.Equal(got, want) {
		t.Errorf("routes %q, want %q", got, want)
	}
}

// idleDaemon builds a daemon that is never started.
func idleDaemon(t *testing.T) *Daemon {
	t.Helper()
	cfg, err := conf.LoadBytes("t.conf", []byte("rtmp { server { listen 127.0.0.1:0; } }"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := newLogOutput(cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return newDaemon(cfg, out, nil)
}
