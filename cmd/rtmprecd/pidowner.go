package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// errOtherProcess marks a pid file that names another live process. nginx
// does not lock its pid file, so the lock alone cannot tell that a copied
// `pid /run/nginx.pid;` belongs to a running nginx: taking it over would
// overwrite nginx's pid and remove the file at our exit.
var errOtherProcess = errors.New("pid file belongs to another process")

// ownerError says which live process a pid file names: one line, with the
// process name when /proc tells it.
type ownerError struct {
	path string
	pid  int
}

func (e *ownerError) Error() string {
	return fmt.Sprintf("pid file %q belongs to running process %d%s", e.path, e.pid, commSuffix(e.pid))
}

func (e *ownerError) Unwrap() error { return errOtherProcess }

// checkOwner refuses a pid file whose content names a live process other
// than this one, whatever the lock says. An empty file (just created) or a
// pid that no longer runs is fine to take over.
func checkOwner(path string, f *os.File) error {
	pid, ok := filePid(f)
	if !ok || pid == os.Getpid() || !alive(pid) {
		return nil
	}
	return &ownerError{path: path, pid: pid}
}

// filePid reads the pid written at the start of f, if it holds one.
func filePid(f *os.File) (int, bool) {
	b := make([]byte, 64)
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n])))
	return pid, err == nil && pid > 0
}

// alive reports whether process pid exists; EPERM means it does, under
// another user (nginx's master runs as root, we may not).
func alive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// commSuffix is " (NAME)" with the process name from /proc/PID/comm, or ""
// when it cannot be read.
func commSuffix(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if name := string(bytes.TrimSpace(b)); err == nil && name != "" {
		return " (" + name + ")"
	}
	return ""
}
