package record

import (
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

// openSpec is what openFile needs besides the recorder and names.
type openSpec struct {
	opts flvOptions      // buffering, fsync, clock and the metadata plan of a new file
	wrap func(sink) sink // tests: inject errors or count calls; nil in production
	log  *slog.Logger
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
func openFile(rec *conf.Recorder, name string, now time.Time, hint *nameHint, sp *openSpec) (opened, error) {
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
		o, err := tryOpen(rec, p, sp)
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
func tryOpen(rec *conf.Recorder, p string, sp *openSpec) (opened, error) {
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
	if rec.Lock && !lockOrSkip(f, p, sp.log) {
		f.Close()
		return o, errTaken
	}
	var s sink = newOSSink(f)
	if sp.wrap != nil {
		s = sp.wrap(s)
	}
	opts := appendOpts{flvOptions: sp.opts}
	if rec.Append {
		if opts, err = appendOptions(s, p, sp.opts, sp.log); err != nil {
			s.Close()
			return o, err
		}
		o.shift, o.appended = opts.shift, opts.offset > 0
	}
	w, err := newFLVWriter(s, opts.flvOptions)
	if err != nil {
		s.Close()
		if !rec.Append {
			os.Remove(p) // we created it: leave no empty file behind
		}
		return o, err
	}
	o.w = w
	return o, nil
}

// appendOpts are the writer options for an appended file.
type appendOpts struct {
	flvOptions
	shift int64
}

// appendOptions validates an existing file for record_append (Q11): a
// torn tail is cut back to the last whole tag, a file that is not FLV is
// refused (errTaken: the next name is used). Our own files keep their
// reserved metadata and index; other FLV files are appended to without
// metadata.
func appendOptions(s sink, p string, base flvOptions, log *slog.Logger) (appendOpts, error) {
	size, err := s.Seek(0, io.SeekEnd)
	if err != nil {
		return appendOpts{}, err
	}
	ap, err := findAppendPoint(s, size)
	if err != nil {
		log.Warn("record: not appending to a file that is not FLV, using the next name", "path", p, "err", err)
		return appendOpts{}, errTaken
	}
	if ap.torn > 0 || (ap.offset == 0 && size > 0) {
		log.Warn("record: cutting a torn tail before appending", "path", p, "size", size, "cut", size-ap.offset)
		if err := s.Truncate(ap.offset); err != nil {
			return appendOpts{}, fmt.Errorf("truncate torn tail: %w", err)
		}
	}
	o := appendOpts{flvOptions: base, shift: ap.shift}
	o.offset, o.flags = ap.offset, ap.flags
	switch {
	case ap.offset == 0:
		// a new file, with base's metadata plan
	case ap.ours != nil && base.meta != nil:
		m := base.meta
		m.reserve, m.at, m.lastTS = ap.ours.reserve, ap.ours.at, ap.ours.lastTS
		m.index = ap.ours.index
	default:
		if base.meta != nil {
			log.Warn("record: appending to a file without room for metadata: it gets no onMetaData", "path", p)
		}
		o.meta = nil
	}
	return o, nil
}

// lockOrSkip takes the record_lock lock; false means another process
// holds it and the next name must be used. Other lock failures are only
// logged, as nginx-rtmp does.
func lockOrSkip(f *os.File, p string, log *slog.Logger) bool {
	err := lockFile(f)
	if errors.Is(err, errTaken) {
		log.Warn("record: file locked by another process, using the next name", "path", p)
		return false
	}
	if err != nil {
		log.Warn("record: lock failed", "path", p, "errno", errnoOf(err), "err", err)
	}
	return true
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
