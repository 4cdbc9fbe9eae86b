package recfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// markAt is the byte a writer's mark locks: far past any real file's
// end, so the mark never covers data another program might lock.
const markAt = 1 << 62

// Mark takes the writer's mark on f, a recording being written (opened
// for writing, maybe write-only): an open file description write lock on
// one byte past any real end, kept until f is closed. Busy sees it from any other process (a second daemon on the
// same directory), and a crash releases it, so a file left unfinished is
// repaired at the next start. It does not stop other programs from
// reading the file or locking its data (record_lock does that).
func Mark(f *os.File) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart, Start: markAt, Len: 1}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		return fmt.Errorf("mark %s as being written: %w", f.Name(), err)
	}
	return nil
}

// LockWhole takes a whole-file write lock on f (a journal), kept until f
// is closed; another process holding one gives an error.
func LockWhole(f *os.File) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	if err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk); err != nil {
		return fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return nil
}

// Busy reports whether a live writer holds the recording at path or its
// journal: any lock on the file (record_lock, a writer's mark, another
// program's lockf) or on the journal (Beside(path, ".journal")). Open
// file description locks conflict across descriptions, so a file this
// process is writing is busy too.
func Busy(path string) (bool, error) {
	busy, err := locked(path)
	if err != nil || busy {
		return busy, err
	}
	busy, err = locked(Beside(path, ".journal"))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return busy, err
}

// BusyDir is Busy of the directory recording dir: a live writer holds
// its DirLock. A directory without one is not busy.
func BusyDir(dir string) (bool, error) {
	busy, err := locked(filepath.Join(dir, DirLock))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	return busy, err
}

// locked tests for any lock on the whole file at path.
func locked(path string) (bool, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	return held(uintptr(fd), path)
}

// Held reports whether another open file description (another process,
// or another open of the file in this one) holds a lock on f.
func Held(f *os.File) (bool, error) { return held(f.Fd(), f.Name()) }

func held(fd uintptr, name string) (bool, error) {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	if err := unix.FcntlFlock(fd, unix.F_OFD_GETLK, &lk); err != nil {
		return false, fmt.Errorf("test lock of %s: %w", name, err)
	}
	return lk.Type != unix.F_UNLCK, nil
}
