package record

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/conf"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// tryOpenDir opens one candidate of a directory format (HLS): rel is the
// recording's directory, made new (or, with record_append, an existing
// one of ours), with the stable lock file format.LockName inside it.
// The lock file stands for the recording: its id is the registry entry,
// and it is always locked (F_OFD) while the recording runs, whatever
// record_lock says, since the playlist beside it is replaced at every
// update and repair must know a live recording from a crashed one.
func tryOpenDir(rec *conf.Recorder, d *recordDir, rel string, sp *openSpec) (opened, error) {
	o := opened{path: filepath.Join(d.path, rel), rel: rel, root: d.path}
	dirFD, created, err := d.makeDir(rel, appends(rec, sp))
	if err == nil {
		var lock *os.File
		if lock, err = openLockFile(dirFD, o.path, created); err == nil {
			return startDir(rec, d, o, dirFD, lock, created, sp)
		}
		unix.Close(dirFD)
		if created {
			removeCreatedDir(d.path, rel, nil)
		}
	}
	if errors.Is(err, errRefused) {
		sp.log.Warn("record: not using this directory name, using the next one", "path", o.path, "why", err)
		return o, errTaken
	}
	return o, err
}

// startDir claims, locks and starts the muxer of a directory recording.
func startDir(rec *conf.Recorder, d *recordDir, o opened, dirFD int, lock *os.File, created bool, sp *openSpec) (opened, error) {
	var err error
	o.created = created
	undo := func() {
		if created {
			removeCreatedDir(d.path, o.rel, &o.id)
		}
	}
	if o.id, err = idOf(lock); err != nil {
		lock.Close()
		unix.Close(dirFD)
		undo()
		return o, err
	}
	if !sp.files.claim(o.id) {
		lock.Close()
		unix.Close(dirFD)
		sp.log.Warn("record: directory already being recorded by another stream, using the next name", "path", o.path)
		return o, errTaken
	}
	if !lockOrSkip(lock, filepath.Join(o.path, format.LockName), sp.log) {
		sp.files.release(o.id)
		lock.Close()
		unix.Close(dirFD)
		return o, errTaken
	}
	s := newOSSink(lock)
	if sp.wrap != nil {
		s = sp.wrap(s)
	}
	opts := sp.opts
	opts.Append, opts.Path, opts.Log = appends(rec, sp), o.path, sp.log
	opts.Dir = format.NewOSDir(dirFD, o.path)
	if sp.wrap != nil {
		opts.Dir = wrappedDir{opts.Dir, sp.wrap}
	}
	op, err := sp.format.Open(s, opts) // closes s and the directory on error
	if err != nil {
		sp.files.release(o.id)
		undo()
		if errors.Is(err, format.ErrNotAppendable) {
			return o, errTaken
		}
		return o, err
	}
	o.w, o.shift, o.appended = op.Muxer, op.Shift, op.Appended
	return o, nil
}

// wrappedDir gives every file a directory recording creates the sink
// wrapping single files get: the Observer's timing, tests' faults.
type wrappedDir struct {
	format.Dir
	wrap func(sink) sink
}

func (d wrappedDir) Create(name string) (format.Sink, error) {
	s, err := d.Dir.Create(name)
	if err != nil {
		return nil, err
	}
	return d.wrap(s), nil
}

// makeDir creates rel as a new directory, or with appendMode opens it
// when it exists; never through a link. created says which.
func (d *recordDir) makeDir(rel string, appendMode bool) (fd int, created bool, err error) {
	at, err := d.dirOf(rel, true)
	if err != nil {
		return -1, false, err
	}
	base := filepath.Base(rel)
	err = unix.Mkdirat(at, base, 0o755)
	switch {
	case err == nil:
		created = true
	case !errors.Is(err, unix.EEXIST):
		return -1, false, fmt.Errorf("create directory %q: %w", filepath.Join(d.path, rel), err)
	case !appendMode:
		return -1, false, errTaken
	}
	fd, err = unix.Openat(at, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return -1, false, fmt.Errorf("a symbolic link or not a directory: %w", errRefused)
	}
	if err != nil {
		return -1, false, fmt.Errorf("open directory %q: %w", filepath.Join(d.path, rel), err)
	}
	return fd, created, nil
}

// openLockFile opens the lock file of a recording directory: created new
// in a new directory; in an existing one it must be there (a directory
// without it is not one of ours) as a regular file with one link.
func openLockFile(dirFD int, dir string, created bool) (*os.File, error) {
	flags := unix.O_RDWR | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	if created {
		flags |= unix.O_CREAT | unix.O_EXCL
	}
	fd, err := unix.Openat(dirFD, format.LockName, flags, 0o644)
	switch {
	case errors.Is(err, unix.ENOENT):
		return nil, fmt.Errorf("a directory without %s: %w", format.LockName, errRefused)
	case errors.Is(err, unix.ELOOP), errors.Is(err, unix.ENXIO), errors.Is(err, unix.EISDIR):
		return nil, fmt.Errorf("%s is not a regular file: %w", format.LockName, errRefused)
	case err != nil:
		return nil, fmt.Errorf("open %q: %w", filepath.Join(dir, format.LockName), err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if reason := refuseReason(&st); reason != "" {
		unix.Close(fd)
		return nil, fmt.Errorf("%s: %s: %w", format.LockName, reason, errRefused)
	}
	return os.NewFile(uintptr(fd), filepath.Join(dir, format.LockName)), nil
}

// removeCreatedDir removes a recording directory this open created and
// that got no media: its lock file (when it is still id; nil: whatever
// is there) and the directory, which must then be empty (the muxer
// removed its own files). Nothing is followed.
func removeCreatedDir(root, rel string, id *fileID) error {
	parent, release, err := openParentOf(root, rel)
	if err != nil {
		return err
	}
	defer release()
	base := filepath.Base(rel)
	at, err := walkDirs(parent, base, false)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	err = unix.Fstatat(at, format.LockName, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err == nil && id != nil && (fileID{dev: uint64(st.Dev), ino: st.Ino}) != *id:
		err = errors.New("replaced since it was opened")
	case err == nil:
		err = unix.Unlinkat(at, format.LockName, 0)
	case errors.Is(err, unix.ENOENT):
		err = nil
	}
	unix.Close(at)
	if err != nil {
		return err
	}
	return unix.Unlinkat(parent, base, unix.AT_REMOVEDIR)
}
