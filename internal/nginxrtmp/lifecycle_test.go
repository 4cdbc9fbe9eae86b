package nginxrtmp

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProcessesAndStop starts two workers, finds them, and checks Stop
// leaves no process behind and can be called twice.
func TestProcessesAndStop(t *testing.T) {
	t.Parallel()
	s := StartTest(t, Options{Workers: 2})
	var pids []int
	deadline := time.Now().Add(10 * time.Second)
	for len(pids) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("Processes = %v, want the master and 2 workers", pids)
		}
		var err error
		if pids, err = s.Processes(); err != nil {
			t.Fatal(err)
		}
	}
	if pids[0] != s.PID() {
		t.Errorf("Processes()[0] = %d, want the master %d", pids[0], s.PID())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d still exists after Stop (kill 0: %v)", pid, err)
		}
	}
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Close()
		t.Errorf("%s still accepts after Stop", s.Addr())
	}
}

// TestStopKillsStuckShutdown holds a connection open past the handshake, so
// the graceful shutdown cannot finish: Stop must kill the group after
// StopTimeout and say so.
func TestStopKillsStuckShutdown(t *testing.T) {
	t.Parallel()
	s := StartTest(t, Options{StopTimeout: 300 * time.Millisecond})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// C0 and C1; reading S0 and S1 proves the worker owns the connection.
	if _, err := c.Write(append([]byte{3}, make([]byte, 1536)...)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, make([]byte, 1537)); err != nil {
		t.Fatalf("read S0S1: %v", err)
	}
	pids, err := s.Processes()
	if err != nil {
		t.Fatal(err)
	}
	err = s.Stop()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Stop = %v, want a graceful-stop timeout", err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process %d survived the kill (kill 0: %v)", pid, err)
		}
	}
}

// TestStartRetriesTakenPort (not parallel: it replaces pickPort) makes the first port it picks busy, as if
// another process had bound it between the probe and nginx's bind.
func TestStartRetriesTakenPort(t *testing.T) {
	Require(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	calls := 0
	pickPort = func() (int, error) {
		calls++
		if calls == 1 {
			return busyPort, nil
		}
		return freePort()
	}
	t.Cleanup(func() { pickPort = freePort })
	s := StartTest(t, Options{})
	if calls != 2 || s.Addr() == busy.Addr().String() {
		t.Fatalf("Start picked %d ports and listens on %s (busy %s), want a retry on a new port", calls, s.Addr(), busy.Addr())
	}
}

// TestStartFailure checks that a configuration nginx rejects fails Start
// with nginx's own message and removes the temporary prefix.
func TestStartFailure(t *testing.T) {
	Require(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	_, err := Start(context.Background(), Options{AppConfig: "record bogus;"})
	if err == nil || !strings.Contains(err.Error(), `invalid value "bogus"`) {
		t.Fatalf("Start = %v, want nginx's invalid value error", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary prefix left behind: %v", left)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noE := filepath.Join(dir, "old-nginx")
	if err := os.WriteFile(noE, []byte("#!/bin/sh\necho 'Usage: nginx [-?hvVtTq] [-c filename]'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, binary, module, want string
	}{
		{"no binary", filepath.Join(dir, "nginx"), "/dev/null", "nginx not found"},
		{"no module", "/bin/sh", filepath.Join(dir, "m.so"), "nginx-rtmp module not found"},
		{"no -e", noE, "/dev/null", "has no -e option"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := check(tc.binary, tc.module)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), InstallHint) {
				t.Fatalf("check = %v, want %q and the install hint", err, tc.want)
			}
		})
	}
}

// TestConfigAcceptedByNginx renders configurations (odd paths included) and
// has nginx -t parse them, so quoting and layout are nginx's, not ours.
func TestConfigAcceptedByNginx(t *testing.T) {
	t.Parallel()
	Require(t)
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"defaults", Options{}, []string{"worker_processes 1;", "record all;", "live on;", "master_process on;", "daemon off;"}},
		{"app config", Options{AppConfig: "record video keyframes;\nrecord_suffix .x.flv;", Workers: 3},
			[]string{"worker_processes 3;", "record video keyframes;", "record_suffix .x.flv;"}},
		{"odd paths", Options{RecordDir: `rec "dir" \ with spaces`}, []string{`rec \"dir\" \\ with spaces"`}},
		{"stat", Options{Stat: true}, []string{"location /stat { rtmp_stat all; }", "listen 127.0.0.1:8080;", "client_body_temp_path "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.Dir = t.TempDir()
			if err := opts.resolve(); err != nil {
				t.Fatal(err)
			}
			opts.RecordDir = filepath.Join(opts.Dir, opts.RecordDir)
			addr := "127.0.0.1:" + strconv.Itoa(1935)
			stat := ""
			if opts.Stat {
				stat = "127.0.0.1:8080"
			}
			text := renderConfig(opts, addr, stat)
			for _, w := range append(tc.want, "listen "+addr+";", "record_path ") {
				if !strings.Contains(text, w) {
					t.Errorf("config lacks %q:\n%s", w, text)
				}
			}
			if err := os.MkdirAll(filepath.Join(opts.Dir, "logs"), 0o755); err != nil {
				t.Fatal(err)
			}
			conf := filepath.Join(opts.Dir, "nginx.conf")
			if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, opts.Binary, "-t", "-q", "-p", opts.Dir+"/", "-c", conf,
				"-e", filepath.Join(opts.Dir, "logs", "error.log")).CombinedOutput()
			if err != nil {
				t.Fatalf("nginx -t: %v: %s\n%s", err, out, text)
			}
		})
	}
}
