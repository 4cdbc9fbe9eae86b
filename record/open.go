package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/conf"
)

// maxCandidates bounds the search for a free name (Q8).
const maxCandidates = 10000

// errTaken marks a candidate that cannot be used: it exists (and is not
// appendable), or another process holds its lock.
var errTaken = errors.New("name taken")

// opened is a file ready for writing.
type opened struct {
	w        writer
	path     string // the path opened, or the one that failed
	shift    int64  // record_append: timestamp of the last tag in the file
	appended bool
}

// nameHint remembers where the last search for a free name ended, so a
// recorder that splits without record_unique does not probe every earlier
// piece again at each split.
type nameHint struct {
	key  string // namer stem and suffix of the last open
	next int    // first candidate to try for the same key
}

// openFile opens the first free candidate name for rec and name at now.
// It never truncates: without record_append an existing name is skipped
// (O_EXCL); with it, a file whose tail does not validate is skipped.
func openFile(rec *conf.Recorder, name string, now time.Time, hint *nameHint, log *slog.Logger) (opened, error) {
	nm, err := newNamer(rec, name, now)
	if err != nil {
		return opened{path: rec.Path}, err
	}
	first := 0
	if key := nm.stem + "\x00" + nm.suffix; hint.key == key {
		first = hint.next
	} else {
		hint.key, hint.next = key, 0
	}
	madeDir := ""
	for i := first; i < first+maxCandidates; i++ {
		p, err := nm.path(i)
		if err != nil {
			return opened{path: p}, err
		}
		if dir := filepath.Dir(p); dir != madeDir {
			// Q4: suffixes may hold "/"; directories are created 0755.
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return opened{path: p}, fmt.Errorf("create directory: %w", err)
			}
			madeDir = dir
		}
		o, err := tryOpen(rec, p, log)
		if errors.Is(err, errTaken) {
			continue
		}
		if err == nil && !rec.Append {
			hint.next = i + 1 // append mode reuses the same file
		}
		return o, err
	}
	return opened{path: nm.dir}, fmt.Errorf("no free file name after %d candidates", maxCandidates)
}

// tryOpen opens one candidate; errTaken means try the next one.
func tryOpen(rec *conf.Recorder, p string, log *slog.Logger) (opened, error) {
	o := opened{path: p}
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if rec.Append {
		flag = os.O_RDWR | os.O_CREATE
	}
	f, err := os.OpenFile(p, flag, 0o644)
	if errors.Is(err, os.ErrExist) {
		return o, errTaken
	}
	if err != nil {
		return o, err
	}
	if rec.Lock {
		if err := lockFile(f); errors.Is(err, errTaken) {
			log.Warn("record: file locked by another process, using the next name", "path", p)
			f.Close()
			return o, errTaken
		} else if err != nil {
			log.Warn("record: lock failed", "path", p, "errno", errnoOf(err), "err", err)
		}
	}
	var offset, flags int64
	if rec.Append {
		offset, o.shift, flags, err = appendPoint(f)
		if err != nil {
			log.Warn("record: not appending to a file whose tail does not validate, using the next name", "path", p, "err", err)
			f.Close()
			return o, errTaken
		}
		o.appended = offset > 0
	}
	w, err := newFLVWriter(f, offset, byte(flags))
	if err != nil {
		f.Close()
		return o, err
	}
	o.w = w
	return o, nil
}

// lockFile takes a non-blocking whole-file write lock (Q12): an open file
// description lock, visible to fcntl/lockf probes of other processes and
// kept until the file is closed; plain POSIX F_SETLK where OFD locks are
// missing. errTaken means another process holds a lock.
func lockFile(f *os.File) error {
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
	if errors.Is(err, unix.EINVAL) {
		err = unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk)
	}
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EACCES) {
		return errTaken
	}
	return err
}

// appendPoint validates an existing file for record_append and returns
// where to write, the timestamp of its last tag and its header's track
// flags. An empty file gets a new header; anything else must be an FLV
// file whose last PreviousTagSize points at a consistent tag header.
func appendPoint(f *os.File) (offset, shift, flags int64, err error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil || size == 0 {
		return 0, 0, 0, err
	}
	var hdr [flvHeaderLen]byte
	if size < flvHeaderLen {
		return 0, 0, 0, fmt.Errorf("%d bytes: not an flv file", size)
	}
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return 0, 0, 0, err
	}
	if string(hdr[:3]) != "FLV" || hdr[3] != 1 || binary.BigEndian.Uint32(hdr[5:9]) != 9 {
		return 0, 0, 0, errors.New("not an flv file")
	}
	flags = int64(hdr[4] & (flvFlagsAudio | flvFlagsVideo))
	var b [4]byte
	if _, err := f.ReadAt(b[:], size-4); err != nil {
		return 0, 0, 0, err
	}
	prev := int64(binary.BigEndian.Uint32(b[:]))
	if size == flvHeaderLen && prev == 0 {
		return size, 0, flags, nil // header only
	}
	if prev < flvTagHeader || prev > size-4-flvHeaderLen {
		return 0, 0, 0, fmt.Errorf("last tag size %d does not fit", prev)
	}
	var th [flvTagHeader]byte
	if _, err := f.ReadAt(th[:], size-4-prev); err != nil {
		return 0, 0, 0, err
	}
	data := int64(th[1])<<16 | int64(th[2])<<8 | int64(th[3])
	if data+flvTagHeader != prev || (th[0] != 8 && th[0] != 9 && th[0] != 18) {
		return 0, 0, 0, fmt.Errorf("last tag at %d does not match its size %d", size-4-prev, prev)
	}
	shift = int64(th[7])<<24 | int64(th[4])<<16 | int64(th[5])<<8 | int64(th[6])
	return size, shift, flags, nil
}
