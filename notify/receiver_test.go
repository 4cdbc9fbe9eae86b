package notify

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// param is one decoded key=value pair, in the order it was sent.
type param struct{ k, v string }

// hit is one request a receiver got.
type hit struct {
	method, path, contentType, raw string // raw: query (GET) or body (POST)
	params                         []param
}

// get returns the first value of k, as receivers must read it.
func (h hit) get(k string) string {
	for _, p := range h.params {
		if p.k == k {
			return p.v
		}
	}
	return ""
}

// keys lists the parameter names in order.
func (h hit) keys() string {
	var ks []string
	for _, p := range h.params {
		ks = append(ks, p.k)
	}
	return strings.Join(ks, ",")
}

// answer is what a receiver replies; hang makes it never answer.
type answer struct {
	status   int
	location string
	hang     bool
}

// receiver is a real HTTP callback server on 127.0.0.1.
type receiver struct {
	url  string
	hits chan hit
	stop chan struct{}

	mu      sync.Mutex
	answers map[string]answer // by call=; default 200
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{hits: make(chan hit, 100), stop: make(chan struct{}), answers: map[string]answer{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(r.stop) }) // runs first: releases hanging handlers
	r.url = srv.URL
	return r
}

func (r *receiver) answer(call string, a answer) {
	r.mu.Lock()
	r.answers[call] = a
	r.mu.Unlock()
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	h := hit{method: req.Method, path: req.URL.Path, contentType: req.Header.Get("Content-Type"), raw: req.URL.RawQuery}
	if req.Method == http.MethodPost {
		h.raw = string(body)
	}
	h.params = parseParams(h.raw)
	r.mu.Lock()
	a, ok := r.answers[h.get("call")]
	r.mu.Unlock()
	r.hits <- h
	if !ok {
		a.status = http.StatusOK
	}
	if a.hang {
		select {
		case <-req.Context().Done():
		case <-r.stop:
		}
		return
	}
	if a.location != "" {
		w.Header().Set("Location", a.location)
	}
	w.WriteHeader(a.status)
}

func parseParams(raw string) []param {
	var out []param
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		out = append(out, param{k, v})
	}
	return out
}

// next returns the next hit, failing after a generous deadline.
func (r *receiver) next(t *testing.T) hit {
	t.Helper()
	select {
	case h := <-r.hits:
		return h
	case <-time.After(10 * time.Second):
		t.Fatal("no callback arrived")
	}
	return hit{}
}

// none checks that nothing more arrived; callers first settle the module
// with Wait so that nothing is in flight.
func (r *receiver) none(t *testing.T) {
	t.Helper()
	select {
	case h := <-r.hits:
		t.Fatalf("unexpected callback %s %s", h.get("call"), h.raw)
	default:
	}
}

// refusedURL is an http URL on 127.0.0.1 where nothing listens.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/cb"
}
