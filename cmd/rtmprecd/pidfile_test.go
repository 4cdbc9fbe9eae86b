package main

import (
	"fmt"
	"os"
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
