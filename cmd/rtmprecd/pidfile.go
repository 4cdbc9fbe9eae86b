package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// pidFile is the running daemon's pid file, write-locked for the daemon's
// life. The lock, not the file's existence, says that a daemon runs: a pid
// file left by a crash is unlocked, and a second daemon may take it over.
//
// The lock is an open file description lock (F_OFD_SETLK), as deps.md
// chose: it conflicts with the fcntl/lockf locks other tools take (Python's
// fcntl.lockf, `rtmprecd -s` itself), which flock(2) locks never see; and
// unlike classic F_SETLK it is not dropped when another descriptor of the
// same file is closed in this process.
type pidFile struct {
	path string
	f    *os.File
}

// path is the file's name; "" for a nil p.
func (p *pidFile) name() string {
	if p == nil {
		return ""
	}
	return p.path
}

// errLocked reports a whole-file lock held by another open file.
var errLocked = errors.New("locked")

// createPidFile creates or takes over path, locks it and writes our pid.
// It refuses when another daemon holds the lock, and when the file names
// another live process (an nginx whose pid file the configuration copied).
func createPidFile(path string) (*pidFile, error) {
	// A daemon that exits removes the file while still holding its lock;
	// if we opened the old file just before that, we would lock a file that
	// no longer has a name, so check and start over.
	for range 3 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("pid file: %w", err)
		}
		if err := lockFile(f, unix.F_OFD_SETLK); err != nil {
			f.Close()
			if errors.Is(err, errLocked) {
				return nil, fmt.Errorf("pid file %q is locked by process %s: another rtmprecd is running", path, pidText(path))
			}
			return nil, fmt.Errorf("pid file %q: lock: %w", path, err)
		}
		if !sameFile(f, path) {
			f.Close()
			continue
		}
		if err := checkOwner(path, f); err != nil {
			f.Close()
			return nil, err
		}
		if err := writePid(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("pid file %q: %w", path, err)
		}
		return &pidFile{path: path, f: f}, nil
	}
	return nil, fmt.Errorf("pid file %q keeps being replaced", path)
}

// lockFile takes (F_OFD_SETLK) or tests (F_OFD_GETLK) a whole-file write
// lock; errLocked means another open file holds one.
func lockFile(f *os.File, cmd int) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	if err := unix.FcntlFlock(f.Fd(), cmd, &lk); err != nil {
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
			return errLocked
		}
		return err
	}
	if cmd == unix.F_OFD_GETLK && lk.Type != unix.F_UNLCK {
		return errLocked
	}
	return nil
}

func writePid(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// sameFile reports whether path still names the open file f.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// pidText is the pid written in path, for messages.
func pidText(path string) string {
	b, err := os.ReadFile(path)
	if s := strings.TrimSpace(string(b)); err == nil && s != "" {
		return s
	}
	return "(unknown)"
}

// remove deletes the file, if it is still ours, before releasing the lock.
// A nil p does nothing.
func (p *pidFile) remove() {
	if p == nil {
		return
	}
	if sameFile(p.f, p.path) {
		os.Remove(p.path)
	}
	p.f.Close()
}

// runningPid returns the pid of the daemon holding the pid file at path,
// with errors that say what to check.
func runningPid(path string) (int, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("open() %q failed (no such file or directory): is rtmprecd running?", path)
	}
	if err != nil {
		return 0, fmt.Errorf("pid file: %w", err)
	}
	defer f.Close()
	switch err := lockFile(f, unix.F_OFD_GETLK); {
	case err == nil:
		if pid, ok := filePid(f); ok && alive(pid) {
			return 0, fmt.Errorf("pid file %q is not rtmprecd's: it names running process %d%s", path, pid, commSuffix(pid))
		}
		return 0, fmt.Errorf("pid file %q is stale: no rtmprecd holds it", path)
	case !errors.Is(err, errLocked):
		return 0, fmt.Errorf("pid file %q: lock: %w", path, err)
	}
	b, err := io.ReadAll(io.LimitReader(f, 64))
	if err != nil {
		return 0, fmt.Errorf("pid file %q: %w", path, err)
	}
	s := strings.TrimSpace(string(b))
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("invalid PID number %q in %q", s, path)
	}
	return pid, nil
}
