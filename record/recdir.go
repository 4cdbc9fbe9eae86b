package record

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// errRefused marks a candidate that exists but must not be touched: a
// symbolic link, something other than a regular file, a file with other
// hard links, or a directory component that is not a real directory.
// It is logged, and the next free name is used.
var errRefused = errors.New("refused")

// recordDir is record_path opened for one search of a free name. The
// operator may make record_path itself a symbolic link; below it nothing
// is followed: every directory component is created and opened with
// O_NOFOLLOW, and so is the file, so a link planted in record_path can
// never make us create, cut or append to a file elsewhere.
type recordDir struct {
	path  string // record_path as configured
	fd    int    // record_path
	sub   string // directory below record_path that subFD is open on; "" none
	subFD int
}

// openRecordDir creates record_path when missing (0755, following links,
// the operator's choice; nginx-rtmp creates nothing and its open fails
// unlogged) and opens it.
func openRecordDir(path string) (*recordDir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("create directory: %w", err)
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open directory %q: %w", path, err)
	}
	return &recordDir{path: path, fd: fd, subFD: -1}, nil
}

// Close releases the directory descriptors.
func (d *recordDir) Close() {
	if d.subFD >= 0 {
		unix.Close(d.subFD)
	}
	unix.Close(d.fd)
}

// dirOf returns a descriptor of rel's parent directory, creating the
// missing components (0755). A component that is a symbolic link or not a
// directory gives errRefused; the descriptor stays owned by d.
func (d *recordDir) dirOf(rel string, create bool) (int, error) {
	dir := filepath.Dir(rel)
	if dir == "." {
		return d.fd, nil
	}
	if dir == d.sub {
		return d.subFD, nil
	}
	fd, err := walkDirs(d.fd, dir, create)
	if err != nil {
		return -1, err
	}
	if d.subFD >= 0 {
		unix.Close(d.subFD)
	}
	d.sub, d.subFD = dir, fd
	return fd, nil
}

// walkDirs opens dir (relative, "/"-separated, clean) below the directory
// at, component by component, without following links; with create it
// makes missing components. The caller closes the returned descriptor.
func walkDirs(at int, dir string, create bool) (int, error) {
	cur := at
	for comp := range strings.SplitSeq(dir, "/") {
		if create {
			if err := unix.Mkdirat(cur, comp, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
				closeUnless(cur, at)
				return -1, fmt.Errorf("create directory %q: %w", comp, err)
			}
		}
		fd, err := unix.Openat(cur, comp, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		closeUnless(cur, at)
		if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
			return -1, fmt.Errorf("directory component %q is a symbolic link or not a directory: %w", comp, errRefused)
		}
		if err != nil {
			return -1, fmt.Errorf("open directory %q: %w", comp, err)
		}
		cur = fd
	}
	return cur, nil
}

func closeUnless(fd, keep int) {
	if fd != keep {
		unix.Close(fd)
	}
}

// create makes rel as a new file; errTaken when the name exists in any
// form (O_EXCL never follows a link).
func (d *recordDir) create(rel string) (*os.File, error) {
	at, err := d.dirOf(rel, true)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Openat(at, filepath.Base(rel), unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if errors.Is(err, unix.EEXIST) {
		return nil, errTaken
	}
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(d.path, rel)), nil
}

// openExisting opens rel for record_append: it must be a regular file
// with no other hard link (a link elsewhere would make us append to a
// file outside record_path), reached without following any link. A FIFO
// must not block the open: O_NONBLOCK until the type is checked.
func (d *recordDir) openExisting(rel string) (*os.File, error) {
	at, err := d.dirOf(rel, true)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Openat(at, filepath.Base(rel), unix.O_RDWR|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, unix.ELOOP):
		return nil, fmt.Errorf("a symbolic link: %w", errRefused)
	case errors.Is(err, unix.EISDIR), errors.Is(err, unix.ENXIO):
		return nil, fmt.Errorf("not a regular file: %w", errRefused)
	case errors.Is(err, unix.ENOENT):
		return nil, errTaken // removed since create saw it: try the next name
	case err != nil:
		return nil, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if reason := refuseReason(&st); reason != "" {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %w", reason, errRefused)
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), filepath.Join(d.path, rel)), nil
}

// refuseReason says why an existing file must not be appended to, or "".
func refuseReason(st *unix.Stat_t) string {
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return "not a regular file"
	case st.Nlink != 1:
		return fmt.Sprintf("a file with %d hard links", st.Nlink)
	}
	return ""
}

// fileID identifies an open file in the registry of files being
// recorded, whatever path reached it.
type fileID struct{ dev, ino uint64 }

func idOf(f *os.File) (fileID, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fileID{}, err
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino}, nil
}

// removeCreated removes rel below record_path, a file we created that got
// no media, when it is still the file id: the walk follows no link, so a
// directory swapped for a link since the open cannot redirect the unlink.
func removeCreated(root, rel string, id fileID) error {
	at, release, err := openParentOf(root, rel)
	if err != nil {
		return err
	}
	defer release()
	base := filepath.Base(rel)
	var st unix.Stat_t
	if err := unix.Fstatat(at, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	if (fileID{dev: uint64(st.Dev), ino: st.Ino}) != id {
		return errors.New("replaced since it was opened")
	}
	return unix.Unlinkat(at, base, 0)
}

// openParentOf opens the directory holding rel below root, following no
// link on the way; release closes what it opened.
func openParentOf(root, rel string) (int, func(), error) {
	rootFD, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nil, err
	}
	dir := filepath.Dir(rel)
	if dir == "." {
		return rootFD, func() { unix.Close(rootFD) }, nil
	}
	at, err := walkDirs(rootFD, dir, false)
	unix.Close(rootFD)
	if err != nil {
		return -1, nil, err
	}
	return at, func() { unix.Close(at) }, nil
}

// createBeside makes rel's hidden companion (recfile.Beside's name) in
// rel's directory, new, without following any link.
func (d *recordDir) createBeside(rel, ext string) (*os.File, error) {
	at, err := d.dirOf(rel, false)
	if err != nil {
		return nil, err
	}
	name := "." + filepath.Base(rel) + ext
	fd, err := unix.Openat(at, name, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create %q: %w", name, err)
	}
	return os.NewFile(uintptr(fd), recfile.Beside(filepath.Join(d.path, rel), ext)), nil
}
