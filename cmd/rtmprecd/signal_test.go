package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runBinary runs the built rtmprecd with args and returns its exit code
// and combined output.
func runBinary(t *testing.T, args ...string) (int, string) {
	t.Helper()
	bin := daemonBinary(t) // the first call builds it: not within the run's timeout
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestPidFileAndSignals: the pid file holds the daemon's pid; a second
// daemon on it refuses to start; -s reload, reopen and quit reach the
// daemon; the pid file is gone after exit and -s says so.
func TestPidFileAndSignals(t *testing.T) {
	pidPath := filepath.Join(t.TempDir(), "rtmprecd.pid")
	d := startDaemon(t, fmt.Sprintf("pid %s;\nrtmp { server { listen 127.0.0.1:0; application live { } } }\n", pidPath))
	b, err := os.ReadFile(pidPath)
	if err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(d.cmd.Process.Pid) {
		t.Fatalf("pid file %q, %v; daemon pid %d", b, err, d.cmd.Process.Pid)
	}

	code, out := runBinary(t, "-c", d.conf)
	want := fmt.Sprintf("rtmprecd: [emerg] pid file %q is locked by process %d: another rtmprecd is running\n", pidPath, d.cmd.Process.Pid)
	if code != 1 || out != want {
		t.Errorf("second daemon: exit %d, output\n%q\nwant\n%q", code, out, want)
	}

	for _, s := range []struct{ name, logged string }{
		{"reload", `msg="configuration unchanged" trigger=SIGHUP`},
		{"reopen", `msg="error_log reopened"`},
	} {
		if code, out := runBinary(t, "-s", s.name, "-c", d.conf); code != 0 || out != "" {
			t.Fatalf("-s %s: exit %d, %q", s.name, code, out)
		}
		d.waitLog(t, s.logged, 1)
	}
	if code, out := runBinary(t, "-s", "quit", "-c", d.conf); code != 0 || out != "" {
		t.Fatalf("-s quit: exit %d, %q", code, out)
	}
	if code := d.wait(t); code != 0 {
		t.Fatalf("exit code %d after -s quit\n%s", code, d.log())
	}
	if _, err := os.Stat(pidPath); !os.IsNotExist(err) {
		t.Errorf("pid file left after exit: %v", err)
	}
	code, out = runBinary(t, "-s", "stop", "-c", d.conf)
	want = fmt.Sprintf("rtmprecd: [error] open() %q failed (no such file or directory): is rtmprecd running?\n", pidPath)
	if code != 1 || out != want {
		t.Errorf("-s stop without daemon: exit %d, %q, want %q", code, out, want)
	}
}

// TestSignalErrors: -s refuses what it cannot do, with the reason.
func TestSignalErrors(t *testing.T) {
	dir := t.TempDir()
	pidPath := filepath.Join(dir, "stale.pid")
	if err := os.WriteFile(pidPath, []byte("999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	noPid := writeConf(t, "rtmp { }\n")
	stale := writeConf(t, "pid "+pidPath+";\n")
	bad := writeConf(t, "pid "+pidPath+";\nrecrod on;\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown signal", []string{"-s", "restart", "-c", noPid}, 2,
			"rtmprecd: invalid option: \"-s restart\" (want reload, stop, quit or reopen)\n"},
		{"with -t", []string{"-s", "reload", "-t", "-c", noPid}, 2,
			"rtmprecd: -s cannot be combined with -t or -T\n"},
		{"no pid directive", []string{"-s", "reload", "-c", noPid}, 1,
			"rtmprecd: [error] no \"pid\" directive in " + noPid + ": cannot find the running rtmprecd\n"},
		// an unlocked pid file is left from a crash: never signal its pid,
		// which may belong to another process by now
		{"stale pid file", []string{"-s", "stop", "-c", stale}, 1,
			"rtmprecd: [error] pid file \"" + pidPath + "\" is stale: no rtmprecd holds it\n"},
		{"broken config", []string{"-s", "reload", "-c", bad}, 1,
			"rtmprecd: [emerg] unknown directive \"recrod\" in " + bad + ":2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != tt.code || errb.String() != tt.stderr {
				t.Errorf("exit %d, stderr %q\nwant %d, %q", code, errb.String(), tt.code, tt.stderr)
			}
		})
	}
}

// TestReopenMovedLog: after logrotate moves error_log's file, SIGUSR1
// makes the daemon write to a new file at the configured path.
func TestReopenMovedLog(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "rtmprecd.log")
	confPath := writeConf(t, fmt.Sprintf("error_log %s info;\nrtmp { server { listen 127.0.0.1:0; application live { } } }\n", logPath))
	d, _ := launchDaemon(t, confPath)
	fileHas := func(path, s string) func() bool {
		return func() bool {
			b, _ := os.ReadFile(path)
			return strings.Contains(string(b), s)
		}
	}
	waitFor(t, 30*time.Second, "the daemon to listen", fileHas(logPath, "listening on"), d.log)

	rotated := logPath + ".1"
	if err := os.Rename(logPath, rotated); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGUSR1)
	waitFor(t, 30*time.Second, "a new log file", fileHas(logPath, `msg="error_log reopened"`))
	d.signal(t, syscall.SIGHUP)
	waitFor(t, 30*time.Second, "the reload in the new file", fileHas(logPath, "trigger=SIGHUP"))
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	old, _ := os.ReadFile(rotated)
	if strings.Contains(string(old), "reopened") || strings.Contains(string(old), "SIGHUP") || !strings.Contains(string(old), "listening on") {
		t.Errorf("rotated file:\n%s", old)
	}
	if d.log() != "" {
		t.Errorf("stderr is not empty with error_log set:\n%s", d.log())
	}
}

// TestReopenMovedAccessLog: logrotate moves the access log, SIGUSR1 makes
// the daemon open a new one; a connection that ends afterwards writes its
// line there, the earlier one stays in the moved file.
func TestReopenMovedAccessLog(t *testing.T) {
	dir := t.TempDir()
	accessPath := filepath.Join(dir, "access.log")
	d := startDaemon(t, fmt.Sprintf("rtmp { access_log %s; server { listen 127.0.0.1:0; application live { } } }\n", accessPath))
	fileLines := func(path string) int {
		b, _ := os.ReadFile(path)
		return strings.Count(string(b), "\n")
	}
	publish := func(name string) {
		p := startPublisher(t, d.addr, "live", name)
		p.waitSent(10)
		if _, err := p.finish(); err != nil {
			t.Fatal(err)
		}
	}
	publish("before")
	waitFor(t, 30*time.Second, "the first line", func() bool { return fileLines(accessPath) == 1 }, d.log)

	rotated := accessPath + ".1"
	if err := os.Rename(accessPath, rotated); err != nil {
		t.Fatal(err)
	}
	d.signal(t, syscall.SIGUSR1)
	d.waitLog(t, `msg="access_log reopened" files=1`, 1)
	publish("after")
	waitFor(t, 30*time.Second, "the second line in a new file", func() bool { return fileLines(accessPath) == 1 }, d.log)
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	old, _ := os.ReadFile(rotated)
	cur, _ := os.ReadFile(accessPath)
	if !strings.Contains(string(old), `PUBLISH "live" "before"`) || strings.Count(string(old), "\n") != 1 ||
		!strings.Contains(string(cur), `PUBLISH "live" "after"`) || strings.Count(string(cur), "\n") != 1 {
		t.Errorf("rotated file:\n%s\nnew file:\n%s", old, cur)
	}
}

// TestAccessLogCannotOpen: an access log that cannot be opened stops the
// start with the reason, as a bad error_log does.
func TestAccessLogCannotOpen(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-dir", "access.log")
	cfg := writeConf(t, "rtmp { access_log "+missing+"; server { listen 127.0.0.1:0; application live { } } }\n")
	code, out := runBinary(t, "-c", cfg)
	want := `msg="cannot start" err="access_log: open ` + missing + `: no such file or directory"`
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d, output %q; want 1 and %s", code, out, want)
	}
}
