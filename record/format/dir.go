package format

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Dir is the directory of a directory recording (HLS), reached without
// following links: every name is one component inside it, and nothing
// below it is followed either. Tests wrap it to inject faults.
type Dir interface {
	// Path is the directory's path as reported.
	Path() string
	// Create makes a new file (never replacing one: O_EXCL) for writing.
	Create(name string) (Sink, error)
	// Open opens an existing regular file for reading.
	Open(name string) (*os.File, error)
	// Rename replaces to with from (rename(2): atomic for readers).
	Rename(from, to string) error
	// Remove unlinks a file; a missing one is not an error.
	Remove(name string) error
	// Sync makes the directory's entries durable (record_fsync).
	Sync() error
	Close() error
}

// osDir is a Dir on an open directory descriptor.
type osDir struct {
	fd   int
	path string
}

// NewOSDir returns the Dir of an open directory descriptor, which it
// owns from then on.
func NewOSDir(fd int, path string) Dir { return &osDir{fd: fd, path: path} }

// OpenOSDir opens the directory at path (following links in path, as
// record_path may) for a repair or a test.
func OpenOSDir(path string) (Dir, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open directory %q: %w", path, err)
	}
	return NewOSDir(fd, path), nil
}

func (d *osDir) Path() string { return d.path }

func (d *osDir) Create(name string) (Sink, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %q: %w", filepath.Join(d.path, name), err)
	}
	return NewOSSink(os.NewFile(uintptr(fd), filepath.Join(d.path, name))), nil
}

func (d *osDir) Open(name string) (*os.File, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", filepath.Join(d.path, name), err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, fmt.Errorf("open %q: %w", filepath.Join(d.path, name), errors.Join(err, errors.New("not a regular file")))
	}
	return os.NewFile(uintptr(fd), filepath.Join(d.path, name)), nil
}

func (d *osDir) Rename(from, to string) error {
	if err := unix.Renameat(d.fd, from, d.fd, to); err != nil {
		return fmt.Errorf("rename %q to %q: %w", from, filepath.Join(d.path, to), err)
	}
	return nil
}

func (d *osDir) Remove(name string) error {
	err := unix.Unlinkat(d.fd, name, 0)
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove %q: %w", filepath.Join(d.path, name), err)
	}
	return nil
}

func (d *osDir) Sync() error  { return unix.Fsync(d.fd) }
func (d *osDir) Close() error { return unix.Close(d.fd) }
