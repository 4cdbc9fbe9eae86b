package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPidFile: a stale file is taken over; a held one is refused (OFD
// locks conflict even within one process, unlike classic POSIX locks);
// runningPid finds the holder; remove deletes the file.
func TestPidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.pid")
	write(t, path, "999999\n") // left by a crash: nobody holds it
	if _, err := runningPid(path); err == nil || !strings.Contains(err.Error(), "is stale") {
		t.Fatalf("runningPid on a stale file: %v", err)
	}
	p, err := createPidFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("pid file holds %q", b)
	}
	_, err = createPidFile(path)
	want := fmt.Sprintf("pid file %q is locked by process %d: another rtmprecd is running", path, os.Getpid())
	if err == nil || err.Error() != want {
		t.Fatalf("second createPidFile: %v, want %s", err, want)
	}
	if pid, err := runningPid(path); err != nil || pid != os.Getpid() {
		t.Fatalf("runningPid = %d, %v", pid, err)
	}
	p.remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("pid file after remove: %v", err)
	}
	if _, err := runningPid(path); err == nil || !strings.Contains(err.Error(), "is rtmprecd running?") {
		t.Fatalf("runningPid without a file: %v", err)
	}
}

// TestRunningPidInvalid: a locked file that holds no number is reported
// as nginx does.
func TestRunningPidInvalid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.pid")
	p, err := createPidFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.remove()
	if err := p.f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	if _, err := p.f.WriteAt([]byte("abc\n"), 0); err != nil {
		t.Fatal(err)
	}
	_, err = runningPid(path)
	if want := fmt.Sprintf("invalid PID number %q in %q", "abc", path); err == nil || err.Error() != want {
		t.Fatalf("runningPid: %v, want %s", err, want)
	}
}

// startSleeper runs a real process that lives until the test ends, to
// stand for an nginx whose pid file a copied configuration names.
func startSleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "300")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// TestPidFileOfRunningProcess: nginx does not lock its pid file, so an
// unlocked file that names a live process (here a sleep child) is refused
// and left untouched; once that process is gone the file is taken over.
func TestPidFileOfRunningProcess(t *testing.T) {
	other := startSleeper(t)
	path := filepath.Join(t.TempDir(), "nginx.pid")
	content := strconv.Itoa(other.Process.Pid) + "\n"
	write(t, path, content)

	_, err := createPidFile(path)
	want := fmt.Sprintf("pid file %q belongs to running process %d (sleep)", path, other.Process.Pid)
	if err == nil || err.Error() != want || !errors.Is(err, errOtherProcess) {
		t.Fatalf("createPidFile: %v\nwant %s", err, want)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Fatalf("pid file changed to %q", b)
	}
	_, err = runningPid(path)
	want = fmt.Sprintf("pid file %q is not rtmprecd's: it names running process %d (sleep)", path, other.Process.Pid)
	if err == nil || err.Error() != want {
		t.Fatalf("runningPid: %v\nwant %s", err, want)
	}

	other.Process.Kill()
	other.Wait()
	p, err := createPidFile(path)
	if err != nil {
		t.Fatalf("after the process exited: %v", err)
	}
	p.remove()
}

// TestDaemonRefusesPidFileOfRunningProcess: the binary exits 1 with one
// line and leaves the other process's pid file as it was, also at exit.
func TestDaemonRefusesPidFileOfRunningProcess(t *testing.T) {
	other := startSleeper(t)
	path := filepath.Join(t.TempDir(), "nginx.pid")
	content := strconv.Itoa(other.Process.Pid) + "\n"
	write(t, path, content)
	cfg := writeConf(t, "pid "+path+";\nrtmp { server { listen 127.0.0.1:0; application live { } } }\n")
	code, out := runBinary(t, "-c", cfg)
	want := fmt.Sprintf("rtmprecd: [emerg] pid file %q belongs to running process %d (sleep)\n", path, other.Process.Pid)
	if code != 1 || out != want {
		t.Errorf("exit %d, output %q\nwant exit 1, %q", code, out, want)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != content {
		t.Errorf("pid file after the refused start: %q, %v; want %q", b, err, content)
	}
}
