package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// freePort returns a TCP port that was free on the dual-stack wildcard a
// moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// refusedV6 reports whether [::1]:port refuses connections; a machine
// without IPv6 loopback fails the test, since the bare port could not be
// checked.
func refusedV6(t *testing.T, port string) bool {
	t.Helper()
	c, err := net.DialTimeout("tcp", "[::1]:"+port, 5*time.Second)
	if err == nil {
		c.Close()
		return false
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial [::1]:%s: %v (no IPv6 loopback?)", port, err)
	}
	return true
}

// TestReloadBarePortToIPv4Wildcard runs the built binary with `listen
// PORT;` (the dual-stack IPv6 wildcard) for RTMP and HTTP, and reloads it
// to `listen 0.0.0.0:PORT;`, which overlaps the old sockets: the RTMP
// reload by SIGHUP while a publisher records, the HTTP one by POST
// /control/reload on the very socket that is replaced. Both succeed; the
// publisher accepted before goes on, new connections are served on IPv4
// and refused on IPv6 (the dual-stack socket was not kept for
// 0.0.0.0), and a reload back to the bare port serves IPv6 again.
func TestReloadBarePortToIPv4Wildcard(t *testing.T) {
	rtmpPort, httpPort := freePort(t), freePort(t)
	conf := func(rtmpListen, httpListen string) string {
		return fmt.Sprintf(`rtmp { server { listen %s; application live { } } }
http { server { listen %s; location /control { rtmp_control all; } } }
`, rtmpListen, httpListen)
	}
	d := startDaemon(t, conf(rtmpPort, httpPort))
	if refusedV6(t, rtmpPort) || refusedV6(t, httpPort) {
		t.Fatalf("a bare port does not serve IPv6\n%s", d.log())
	}
	p := startPublisher(t, "127.0.0.1:"+rtmpPort, "live", "before")
	p.waitSent(10)

	d.rewrite(t, conf("0.0.0.0:"+rtmpPort, httpPort))
	d.signal(t, syscall.SIGHUP)
	d.waitLog(t, `msg="configuration reloaded"`, 1)
	p.waitSent(p.sent.Load() + 10)
	q := startPublisher(t, "127.0.0.1:"+rtmpPort, "live", "after")
	q.waitSent(10)
	if !refusedV6(t, rtmpPort) {
		t.Errorf("RTMP: IPv6 still accepted after the reload to 0.0.0.0:%s\n%s", rtmpPort, d.log())
	}

	d.rewrite(t, conf("0.0.0.0:"+rtmpPort, "0.0.0.0:"+httpPort))
	if st := postReload(t, "127.0.0.1:"+httpPort); !st.OK {
		t.Fatalf("POST /control/reload: %+v\n%s", st, d.log())
	}
	if st := getStatus(t, "127.0.0.1:"+httpPort); st.Config.Generation != 3 {
		t.Errorf("status after the HTTP reload: generation %d, want 3", st.Config.Generation)
	}
	if !refusedV6(t, httpPort) {
		t.Errorf("HTTP: IPv6 still accepted after the reload to 0.0.0.0:%s", httpPort)
	}

	d.rewrite(t, conf(rtmpPort, httpPort))
	if st := postReload(t, "127.0.0.1:"+httpPort); !st.OK {
		t.Fatalf("reload back to the bare ports: %+v\n%s", st, d.log())
	}
	if refusedV6(t, rtmpPort) || refusedV6(t, httpPort) {
		t.Errorf("IPv6 not served after the reload back to the bare ports\n%s", d.log())
	}
	r := startPublisher(t, "[::1]:"+rtmpPort, "live", "v6")
	r.waitSent(10)
	for _, pub := range []*publisher{p, q, r} {
		if _, err := pub.finish(); err != nil {
			t.Errorf("publish %s: %v", pub.name, err)
		}
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d\n%s", code, d.log())
	}
}

// reloadAnswer is the part of POST /control/reload's answer checked here.
type reloadAnswer struct {
	OK     bool   `json:"ok"`
	Error  string `json:"error"`
	Config struct {
		Generation int `json:"generation"`
	} `json:"config"`
}

func postReload(t *testing.T, addr string) reloadAnswer {
	t.Helper()
	return getJSON(t, http.MethodPost, "http://"+addr+"/control/reload")
}

func getStatus(t *testing.T, addr string) reloadAnswer {
	t.Helper()
	return getJSON(t, http.MethodGet, "http://"+addr+"/control/status")
}

func getJSON(t *testing.T, method, url string) reloadAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var a reloadAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		t.Fatalf("%s %s: %s: %v", method, url, resp.Status, err)
	}
	return a
}
