package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIdleFloodUnderLowFileLimit: the built daemon under `ulimit -n 256`
// (max_connections auto: (256 − 128) ÷ 2 = 64) takes 600 idle TCP
// connections, 9 times its limit and more than its descriptors, and still
// lets a publisher in, records it, and answers /stat: each connection past
// the limit closes the oldest idle one instead of eating a descriptor.
func TestIdleFloodUnderLowFileLimit(t *testing.T) {
	dir := t.TempDir()
	path := writeConf(t, fmt.Sprintf(`
rtmp { server { listen 127.0.0.1:0; application live { record all; record_path %s; } } }
http { server { listen 127.0.0.1:0; location /stat { rtmp_stat all; } } }
`, dir))
	d := &daemon{conf: path, done: make(chan error, 1)}
	d.cmd = exec.Command("sh", "-c", `ulimit -n 256 && exec "$0" "$@"`, daemonBinary(t), "-c", path)
	pipe, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d.cmd.ProcessState == nil {
			d.cmd.Process.Kill()
			<-d.done
		}
	})
	addrc := make(chan string, 1)
	go d.scan(pipe, addrc)
	select {
	case d.addr = <-addrc:
	case <-time.After(30 * time.Second):
		t.Fatalf("daemon did not listen\n%s", d.log())
	}
	d.waitLog(t, "http listening", 1)
	d.waitLog(t, "max_connections=64 rlimit_nofile=256", 1)

	idle := make([]net.Conn, 0, 600)
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	for range cap(idle) {
		c, err := net.Dial("tcp", d.addr)
		if err != nil {
			t.Fatalf("dial after %d idle connections: %v", len(idle), err)
		}
		idle = append(idle, c)
	}
	p := startPublisher(t, d.addr, "live", "cam")
	p.waitSent(25)
	stat := "http://" + httpListeningRe.FindStringSubmatch(d.log())[1] + "/stat"
	resp, err := http.Get(stat)
	if err != nil {
		t.Fatalf("/stat during the flood: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<name>cam</name>") {
		t.Fatalf("/stat during the flood: %s\n%s", resp.Status, body)
	}
	sent, err := p.finish()
	if err != nil {
		t.Fatal(err)
	}
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit %d\n%s", code, d.log())
	}
	files := flvFiles(t, dir)
	if len(files) != 1 || mediaTags(t, files[0]) != sent {
		t.Fatalf("recorded %v, want one file with the %d media tags sent", files, sent)
	}
	if n := strings.Count(d.log(), "max_connections reached: closing idle connections"); n != 1 {
		t.Errorf("%d Warn lines about the limit, want 1\n%s", n, d.log())
	}
	if strings.Contains(d.log(), "too many open files") {
		t.Errorf("the daemon ran out of descriptors\n%s", d.log())
	}
}
