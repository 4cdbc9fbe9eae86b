package notify

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/rtmprecd/rtmprecd/rtmp/client"
)

// TestE2EPublishDenied: every non-allowing on_publish answer denies; the
// publisher gets NetStream.Publish.Denied, no file is made and no
// record_done or publish_done follows.
func TestE2EPublishDenied(t *testing.T) {
	tests := []struct {
		name, srv string
		a         answer
		url       string
		log       string
	}{
		{name: "403", a: answer{status: 403}, log: "denied: HTTP 403"},
		{name: "500", a: answer{status: 500}, log: "denied: HTTP 500"},
		{name: "rtmp relay", a: answer{status: 302, location: "rtmp://10.0.0.1/live/x"},
			log: `relaying to another RTMP server is not supported; publish denied`},
		{name: "timeout", srv: "netcall_timeout 200ms;", a: answer{hang: true}, log: "no answer within netcall_timeout 200ms"},
		{name: "refused", url: refusedURL(t), log: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := "CB/publish"
			if tt.url != "" {
				url = tt.url
			}
			g := startRig(t, tt.srv, "on_publish "+url+"; on_record_done CB/record_done; on_publish_done CB/publish_done; on_done CB/done; record all; record_path DIR;")
			g.recv.answer("publish", tt.a)
			_, _, err := g.publish(t, "cam")
			var se *client.StatusError
			if !errors.As(err, &se) || se.Status.Code != "NetStream.Publish.Denied" || se.Status.Level != "error" {
				t.Fatalf("publish = %v", err)
			}
			if tt.url == "" {
				if h := g.recv.next(t); h.get("call") != "publish" {
					t.Fatalf("hit %v", h.params)
				}
			}
			g.settle(t)
			g.recv.none(t)
			if entries, _ := os.ReadDir(g.dir); len(entries) != 0 {
				t.Errorf("files %v", entries)
			}
			if !strings.Contains(g.logs.String(), tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, g.logs)
			}
		})
	}
}

// TestE2EConnectVerdicts: on_connect allows on 2xx and on a 3xx that
// names no other application; anything else refuses the connection.
func TestE2EConnectVerdicts(t *testing.T) {
	tests := []struct {
		name string
		a    answer
		ok   bool
		log  string
	}{
		{name: "200", a: answer{status: 200}, ok: true},
		{name: "302 same app", a: answer{status: 302, location: "live"}, ok: true},
		{name: "302 no location", a: answer{status: 302}, ok: true},
		{name: "403", a: answer{status: 403}, log: "denied: HTTP 403"},
		{name: "302 other app", a: answer{status: 302, location: "other"},
			log: `redirect to application \"other\" is not supported; connection refused`},
		{name: "timeout", a: answer{hang: true}, log: "no answer within netcall_timeout 200ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := startRig(t, "on_connect CB/connect; netcall_timeout 200ms;", "notify_method get;")
			g.recv.answer("connect", tt.a)
			_, err := g.dial(t)
			var ce *client.CommandError
			switch {
			case tt.ok && err != nil:
				t.Fatalf("connect = %v", err)
			case !tt.ok && (!errors.As(err, &ce) || ce.Info.String("code") != "NetConnection.Connect.Rejected"):
				t.Fatalf("connect = %v", err)
			}
			if h := g.recv.next(t); h.method != "GET" || h.get("call") != "connect" || h.get("token") != "abc" {
				t.Errorf("hit %s %v", h.method, h.params)
			}
			if !strings.Contains(g.logs.String(), tt.log) {
				t.Errorf("log lacks %q:\n%s", tt.log, g.logs)
			}
		})
	}
}

// TestE2EAccessDenied: a publisher denied by an access rule gets an error
// status, and no file and no record_done exist for it.
func TestE2EAccessDenied(t *testing.T) {
	g := startRig(t, "", "allow publish 10.0.0.0/8; deny publish all; on_record_done CB/record_done; record all; record_path DIR;")
	_, _, err := g.publish(t, "cam")
	var se *client.StatusError
	if !errors.As(err, &se) || se.Status.Code != "NetStream.Publish.Denied" {
		t.Fatalf("publish = %v", err)
	}
	g.settle(t)
	g.recv.none(t)
	if entries, _ := os.ReadDir(g.dir); len(entries) != 0 {
		t.Errorf("files %v", entries)
	}
	if !strings.Contains(g.logs.String(), "access forbidden by rule (deny all, client 127.0.0.1)") {
		t.Errorf("log:\n%s", g.logs)
	}
}
