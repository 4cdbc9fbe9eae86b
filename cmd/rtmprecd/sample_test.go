package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sampleIn copies the repository's rtmprecd.conf into a new directory,
// with its fixed ports replaced by 127.0.0.1:0 so that tests may run in
// parallel, and returns that directory: the daemon run there with
// `-c rtmprecd.conf` is `make run` from the repository root.
func sampleIn(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../rtmprecd.conf")
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	for _, addr := range []string{"127.0.0.1:1935", "127.0.0.1:8080"} {
		if strings.Count(src, "listen "+addr+";") != 1 {
			t.Fatalf("rtmprecd.conf no longer listens on %s once; update this test", addr)
		}
		src = strings.Replace(src, "listen "+addr+";", "listen 127.0.0.1:0;", 1)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rtmprecd.conf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runBinaryIn runs the built rtmprecd in dir and returns its exit code and
// combined output.
func runBinaryIn(t *testing.T, dir string, args ...string) (int, string) {
	t.Helper()
	bin := daemonBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestSampleConfigSignals: the quick start's configuration has a pid file
// next to it, so `rtmprecd -s reload` and `-s stop` work with it from the
// directory `make run` runs in.
func TestSampleConfigSignals(t *testing.T) {
	dir := sampleIn(t)
	d, addrc := launchDaemonIn(t, dir, "rtmprecd.conf")
	select {
	case d.addr = <-addrc:
	case err := <-d.done:
		t.Fatalf("daemon exited before listening: %v\n%s", err, d.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("daemon did not listen\n%s", d.log())
	}
	pidPath := filepath.Join(dir, "rtmprecd.pid")
	if b, err := os.ReadFile(pidPath); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(d.cmd.Process.Pid) {
		t.Fatalf("pid file %s: %q, %v; daemon pid %d", pidPath, b, err, d.cmd.Process.Pid)
	}
	if code, out := runBinaryIn(t, dir, "-s", "reload", "-c", "rtmprecd.conf"); code != 0 || out != "" {
		t.Fatalf("-s reload: exit %d, %q", code, out)
	}
	d.waitLog(t, `msg="configuration unchanged" trigger=SIGHUP`, 1)
	if code, out := runBinaryIn(t, dir, "-s", "stop", "-c", "rtmprecd.conf"); code != 0 || out != "" {
		t.Fatalf("-s stop: exit %d, %q", code, out)
	}
	if code := d.wait(t); code != 0 {
		t.Fatalf("exit %d after -s stop\n%s", code, d.log())
	}
	if _, err := os.Stat(pidPath); !os.IsNotExist(err) {
		t.Errorf("pid file left after exit: %v", err)
	}
}
