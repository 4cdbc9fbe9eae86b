package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rtmprecd/rtmprecd/internal/testenv"
)

// requireLogrotate returns Debian's logrotate; under CI=true its absence
// fails the test (.ci/run installs it), elsewhere it skips.
func requireLogrotate(t *testing.T) string {
	t.Helper()
	return testenv.Tool(t, "logrotate", "/usr/sbin/logrotate")
}

// logrotateConfig writes dist/rtmprecd.logrotate into dir, as make install
// does, with the log directory, binary and configuration replaced (""
// keeps the installed one). logrotate refuses configuration files that
// others may write, hence 0644.
func logrotateConfig(t *testing.T, dir, logDir, bin, conf string) string {
	t.Helper()
	b, err := os.ReadFile("../../dist/rtmprecd.logrotate")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for old, repl := range map[string]string{"/var/log/rtmprecd/": logDir, "/usr/local/bin/rtmprecd": bin, "/etc/rtmprecd/rtmprecd.conf": conf} {
		if repl == "" {
			continue
		}
		if !strings.Contains(s, old) {
			t.Fatalf("dist/rtmprecd.logrotate no longer names %s; update this test", old)
		}
		s = strings.ReplaceAll(s, old, repl)
	}
	p := filepath.Join(dir, "rtmprecd.logrotate")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runLogrotate runs logrotate with args and env and returns its output.
func runLogrotate(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, requireLogrotate(t), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestLogrotateChecksCleanly: `logrotate -d` accepts the file as installed
// on a machine where neither the rtmprecd user nor its log directory
// exist, and on one where the directory is the service user's, 0755, as
// systemd's LogsDirectory= makes it (logrotate refuses directories others
// may write unless told `su`, which needs the user).
func TestLogrotateChecksCleanly(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	out, err := runLogrotate(t, os.Environ(), "-d", "-s", state, logrotateConfig(t, dir, "", "", ""))
	if err != nil || strings.Contains(out, "error") {
		t.Fatalf("logrotate -d on the installed file: %v\n%s", err, out)
	}

	logDir := filepath.Join(dir, "log") + "/"
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logDir, "rtmprecd.log"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 { // a directory of another user, as under systemd
		os.Chown(logDir, 65534, 65534)
		os.Chown(filepath.Join(logDir, "rtmprecd.log"), 65534, 65534)
	}
	out, err = runLogrotate(t, os.Environ(), "-d", "-s", state, logrotateConfig(t, dir, logDir, "", ""))
	if err != nil || strings.Contains(out, "error") || !strings.Contains(out, "considering log "+logDir+"rtmprecd.log") {
		t.Fatalf("logrotate -d with the service's log directory: %v\n%s", err, out)
	}
}

// TestLogrotateReopensWithoutSystemd rotates a running daemon's error_log
// and access_log with the real logrotate, as cron would on a machine
// without systemd: first with systemctl on PATH but no active unit, then
// with no systemctl at all. Each time the postrotate falls back to
// `rtmprecd -s reopen`, and the daemon writes to new files.
func TestLogrotateReopensWithoutSystemd(t *testing.T) {
	requireLogrotate(t)
	dir := t.TempDir()
	logDir := filepath.Join(dir, "log") + "/"
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	confPath := writeConf(t, fmt.Sprintf(`pid %[1]s/rtmprecd.pid;
error_log %[2]srtmprecd.log info;
rtmp { access_log %[2]saccess.log; server { listen 127.0.0.1:0; application live { } } }
`, dir, logDir))
	d, _ := launchDaemon(t, confPath) // it logs to error_log, not stderr
	waitFor(t, 30*time.Second, "the daemon to listen", func() bool {
		b, _ := os.ReadFile(logDir + "rtmprecd.log")
		if m := listeningRe.FindStringSubmatch(string(b)); m != nil {
			d.addr = m[1]
		}
		return d.addr != ""
	}, d.log)
	rotation := logrotateConfig(t, dir, logDir, daemonBinary(t), confPath)
	state := filepath.Join(dir, "state")
	for i, env := range [][]string{os.Environ(), {"PATH=" + filepath.Join(dir, "empty")}} {
		p := startPublisher(t, d.addr, "live", fmt.Sprintf("cam%d", i))
		p.waitSent(10)
		if _, err := p.finish(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 30*time.Second, "the access log line", func() bool { return fileHas(logDir+"access.log", fmt.Sprintf(`"cam%d"`, i)) })
		if out, err := runLogrotate(t, env, "-f", "-s", state, rotation); err != nil || strings.Contains(out, "error") {
			t.Fatalf("rotation %d: %v\n%s", i+1, err, out)
		}
		waitFor(t, 30*time.Second, "the daemon to reopen its logs", func() bool {
			return fileHas(logDir+"rtmprecd.log", `msg="access_log reopened" files=1`)
		})
		if fileHas(logDir+"access.log", "cam") {
			t.Errorf("rotation %d: the new access log already has a line", i+1)
		}
	}
	p := startPublisher(t, d.addr, "live", "last")
	p.waitSent(10)
	if _, err := p.finish(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the last line in the new access log", func() bool { return fileHas(logDir+"access.log", `"last"`) })
	if code := d.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	if !fileHas(logDir+"access.log.1", `"cam1"`) || !fileHas(logDir+"rtmprecd.log.1", "reopened") {
		t.Errorf("rotated files: %v", globLogs(t, logDir))
	}
}

func fileHas(path, s string) bool {
	b, _ := os.ReadFile(path)
	return strings.Contains(string(b), s)
}

func globLogs(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(dir + "*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}
