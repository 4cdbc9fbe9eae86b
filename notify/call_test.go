package notify

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testserver"
)

func testRequest(url, method string, timeout time.Duration) *request {
	f := &form{raw: "key=1&call=spoof"}
	f.add("app", "live")
	f.add("call", "publish")
	f.add("name", "cam 1")
	return &request{call: "publish", url: url, method: method, form: f, timeout: timeout}
}

func TestSendVerdicts(t *testing.T) {
	r := newReceiver(t)
	tests := []struct {
		name    string
		a       answer
		url     string
		timeout time.Duration
		want    verdict
		loc     string
		errText string
	}{
		{name: "200", a: answer{status: 200}, want: allow},
		{name: "204", a: answer{status: 204}, want: allow},
		{name: "302 location", a: answer{status: 302, location: "newname"}, want: redirect, loc: "newname"},
		{name: "301 no location", a: answer{status: 301}, want: redirect},
		{name: "403", a: answer{status: 403}, want: deny},
		{name: "404", a: answer{status: 404}, want: deny},
		{name: "500", a: answer{status: 500}, want: deny},
		{name: "timeout", a: answer{hang: true}, timeout: 100 * time.Millisecond, want: deny, errText: "no answer within netcall_timeout 100ms"},
		{name: "refused", url: refusedURL(t), want: deny, errText: "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.answer("publish", tt.a)
			url := tt.url
			if url == "" {
				url = r.url + "/on_publish"
			}
			timeout := tt.timeout
			if timeout == 0 {
				timeout = 5 * time.Second
			}
			rep := send(t.Context(), newHTTPClient(), testRequest(url, "post", timeout))
			if rep.verdict() != tt.want || rep.location != tt.loc {
				t.Fatalf("reply %v: verdict %d location %q, want %d %q", rep, rep.verdict(), rep.location, tt.want, tt.loc)
			}
			if tt.errText != "" && (rep.err == nil || !strings.Contains(rep.err.Error(), tt.errText)) {
				t.Fatalf("err = %v, want %q", rep.err, tt.errText)
			}
			if tt.url == "" {
				if h := r.next(t); h.get("name") != "cam 1" {
					t.Fatalf("hit %+v", h)
				}
			}
		})
	}
}

func TestSendMethods(t *testing.T) {
	r := newReceiver(t)
	tests := []struct {
		method, url, wantMethod, wantRaw string
	}{
		{"post", r.url + "/cb", "POST", "app=live&call=publish&name=cam%201&key=1&call=spoof"},
		{"get", r.url + "/cb", "GET", "app=live&call=publish&name=cam%201&key=1&call=spoof"},
		{"get", r.url + "/cb?secret=x", "GET", "secret=x&app=live&call=publish&name=cam%201&key=1&call=spoof"},
	}
	for _, tt := range tests {
		rep := send(t.Context(), newHTTPClient(), testRequest(tt.url, tt.method, 5*time.Second))
		if rep.verdict() != allow {
			t.Fatalf("%s: %v", tt.method, rep)
		}
		h := r.next(t)
		if h.method != tt.wantMethod || h.raw != tt.wantRaw || h.path != "/cb" ||
			h.contentType != "application/x-www-form-urlencoded" {
			t.Errorf("%s %s: got %s %s %q (%s)", tt.method, tt.url, h.method, h.path, h.raw, h.contentType)
		}
		// Receivers take the first occurrence: ours, not the client's.
		if h.get("call") != "publish" || h.keys() != strings.TrimPrefix(keysOf(tt.wantRaw), "") {
			t.Errorf("params %v", h.params)
		}
	}
}

func keysOf(raw string) string {
	var ks []string
	for _, p := range parseParams(raw) {
		ks = append(ks, p.k)
	}
	return strings.Join(ks, ",")
}

func newTestModule(t *testing.T) (*Module, *testserver.LogBuffer) {
	t.Helper()
	logs := &testserver.LogBuffer{}
	m := &Module{Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), Backoff: time.Millisecond}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := m.Wait(ctx); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})
	return m, logs
}

func settle(t *testing.T, m *Module) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := m.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestQueueOrderAndRetry(t *testing.T) {
	r := newReceiver(t)
	m, logs := newTestModule(t)
	q := newQueue(m, m.Logger)
	r.answer("record_done", answer{status: 503})
	r.answer("publish_done", answer{status: 404})
	var thens []string
	for _, call := range []string{"record_done", "publish_done", "done"} {
		f := &form{}
		f.add("call", call)
		q.push(&job{retry: true, req: &request{call: call, url: r.url + "/" + call, method: "post", form: f, timeout: 5 * time.Second},
			then: func(rep reply) { thens = append(thens, call+":"+rep.String()) }})
	}
	settle(t, m)
	// record_done is retried DefaultRetries times (503 is transient) and
	// holds the queue meanwhile; publish_done's 404 is final.
	var got []string
	for range 1 + DefaultRetries + 2 {
		got = append(got, r.next(t).path)
	}
	r.none(t)
	if want := "/record_done,/record_done,/record_done,/record_done,/publish_done,/done"; strings.Join(got, ",") != want {
		t.Errorf("arrival order %v, want %s", got, want)
	}
	if want := "record_done:HTTP 503,publish_done:HTTP 404,done:HTTP 200"; strings.Join(thens, ",") != want {
		t.Errorf("continuations %v", thens)
	}
	if !strings.Contains(logs.String(), "callback failed; giving up") || strings.Count(logs.String(), "attempt=") != 4 {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestQueueRetryRecovers(t *testing.T) {
	r := newReceiver(t)
	m, _ := newTestModule(t)
	m.Retries = 5
	q := newQueue(m, m.Logger)
	url := refusedURL(t)
	f := &form{}
	f.add("call", "done")
	attempts := 0
	// The first attempt is refused; the continuation then points the
	// request at the live receiver, so the first retry succeeds.
	req := &request{call: "done", url: url, method: "post", form: f, timeout: 5 * time.Second}
	q.push(&job{retry: true, req: req, then: func(reply) { attempts++; req.url = r.url + "/done" }})
	settle(t, m)
	if h := r.next(t); h.path != "/done" || attempts != 1 {
		t.Fatalf("hit %+v attempts %d", h, attempts)
	}
	r.none(t)
}

func TestAwaitGivesUpWithContext(t *testing.T) {
	r := newReceiver(t)
	r.answer("publish", answer{hang: true})
	m, _ := newTestModule(t)
	q := newQueue(m, m.Logger)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := q.await(ctx, testRequest(r.url, "post", time.Minute))
		done <- err
	}()
	r.next(t) // the call is in flight
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("await = %v", err)
	}
}
