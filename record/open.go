package record

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/recfile"

	"github.com/rtmprecd/rtmprecd/conf"
)

// maxCandidates bounds the search for a free "-N" name (an existing file
// is never truncated); after them,
// stamped names are tried (stampTries of them), so a name is never locked
// out by earlier files.
const (
	maxCandidates = 10000
	stampTries    = 16
)

// errTaken marks a candidate that cannot be used: it exists (and is not
// appendable), another recording of this process has it open, or another
// process holds its lock.
var errTaken = errors.New("name taken")

// opened is a file ready for writing.
type opened struct {
	w        format.Muxer
	path     string // the path opened, or the one that failed
	rel      string // path below root
	root     string // the recording root the file was opened below
	id       fileID // registered in openFiles until the file closes
	created  bool   // the open created the file (it was not there)
	shift    int64  // record_append: largest timestamp already in the file
	appended bool
}

// openSpec is what openFile needs besides the recorder and names.
type openSpec struct {
	format format.Format   // the recorder's container
	opts   format.Options  // buffering, fsync, clock and what a new file's header needs
	wrap   func(sink) sink // tests: inject errors or count calls; nil in production
	log    *slog.Logger
	files  *openFiles // the module's registry; nil: no registry (tests of naming)
	vars   *nameVars  // the template variables; nil: the name alone
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
// (O_EXCL); with it, a file that does not validate is skipped. Names
// below record_path never follow links (recordDir).
func openFile(rec *conf.Recorder, name string, now time.Time, hint *nameHint, sp *openSpec) (opened, error) {
	v := nameVars{name: name, recorder: rec.Name, captures: []string{name}}
	if sp.vars != nil {
		v = *sp.vars
	}
	nm, err := namerFor(rec, v, now)
	if err != nil {
		return opened{path: rec.Path}, err
	}
	d, err := openRecordDir(nm.dir)
	if err != nil {
		return opened{path: nm.abs(nm.stem + nm.suffix)}, err
	}
	defer d.Close()
	first := 0
	if key := nm.sub + "\x00" + nm.stem + "\x00" + nm.suffix; hint.key == key {
		first = hint.next
	} else {
		hint.key, hint.next = key, 0
	}
	for i := first; i < first+maxCandidates; i++ {
		rel, err := nm.rel(i)
		if err != nil {
			return opened{path: nm.abs(rel)}, err
		}
		o, err := tryOpen(rec, d, rel, sp)
		if errors.Is(err, errTaken) {
			continue
		}
		if err == nil && !appends(rec, sp) {
			hint.next = i + 1 // append mode reuses the same file
		}
		return o, err
	}
	hint.next = first + maxCandidates
	sp.log.Warn("record: every \"-N\" name is taken, using a stamped name", "path", nm.abs(nm.stem+nm.suffix), "candidates", maxCandidates)
	return openStamped(rec, d, nm, now, sp)
}

// openStamped tries stamped names after the "-N" candidates ran out.
func openStamped(rec *conf.Recorder, d *recordDir, nm namer, now time.Time, sp *openSpec) (opened, error) {
	var b [4]byte
	for range stampTries {
		if _, err := rand.Read(b[:]); err != nil {
			return opened{path: nm.dir}, err
		}
		rel, err := nm.stamped(now, binary.BigEndian.Uint32(b[:]))
		if err != nil {
			return opened{path: nm.abs(rel)}, err
		}
		if o, err := tryOpen(rec, d, rel, sp); !errors.Is(err, errTaken) {
			return o, err
		}
	}
	return opened{path: nm.dir}, fmt.Errorf("no free file name after %d candidates and %d stamped names", maxCandidates, stampTries)
}

// tryOpen opens one candidate; errTaken means try the next one.
func tryOpen(rec *conf.Recorder, d *recordDir, rel string, sp *openSpec) (opened, error) {
	if sp.format.Caps().Playlist != "" {
		return tryOpenDir(rec, d, rel, sp)
	}
	o := opened{path: filepath.Join(d.path, rel), rel: rel, root: d.path}
	f, created, err := openCandidate(d, rel, appends(rec, sp))
	if errors.Is(err, errRefused) {
		sp.log.Warn("record: not using this file name, using the next one", "path", o.path, "why", err)
		return o, errTaken
	}
	if err != nil {
		return o, err
	}
	o.created = created
	if o.id, err = idOf(f); err != nil {
		f.Close()
		return o, err
	}
	if !sp.files.claim(o.id) {
		f.Close() // never created: a file just made is no other recording's
		sp.log.Warn("record: file already being recorded by another stream, using the next name", "path", o.path)
		return o, errTaken
	}
	beside := func(ext string) (*os.File, error) { return d.createBeside(rel, ext) }
	w, shift, appended, err := startWriter(rec, f, o.path, beside, sp)
	if err != nil {
		sp.files.release(o.id)
		if created {
			removeCreated(d.path, rel, o.id) // leave no empty file behind
		}
		return o, err
	}
	o.w, o.shift, o.appended = w, shift, appended
	return o, nil
}

// appends reports whether the recorder continues existing files:
// record_append, for a format that can (the others open the next free
// name, and conf warned about it at load).
func appends(rec *conf.Recorder, sp *openSpec) bool { return rec.Append && sp.format.Caps().Append }

// openCandidate creates rel, or with record_append opens it when it
// exists. created says which.
func openCandidate(d *recordDir, rel string, appendMode bool) (f *os.File, created bool, err error) {
	f, err = d.create(rel)
	if err == nil || !appendMode || !errors.Is(err, errTaken) {
		return f, err == nil, err
	}
	f, err = d.openExisting(rel)
	return f, false, err
}

// startWriter locks (record_lock, or the writer's mark) and starts the recorder's muxer on f
// (which, with record_append, validates and continues an existing file).
// On error f is closed.
func startWriter(rec *conf.Recorder, f *os.File, p string, beside func(string) (*os.File, error), sp *openSpec) (w format.Muxer, shift int64, appended bool, err error) {
	if rec.Lock && !lockOrSkip(f, p, sp.log) {
		f.Close()
		return nil, 0, false, errTaken
	}
	if !rec.Lock && sp.format.Caps().Repairable {
		if busy, _ := recfile.Held(f); busy {
			f.Close()
			sp.log.Warn("record: file being written by another process, using the next name", "path", p)
			return nil, 0, false, errTaken
		}
		if err := recfile.Mark(f); err != nil { // record_lock's lock marks it too
			sp.log.Warn("record: cannot mark the file as being written: a second daemon's repair could touch it", "path", p, "err", err)
		}
	}
	s := newOSSink(f)
	if sp.wrap != nil {
		s = sp.wrap(s)
	}
	o := sp.opts
	o.Append, o.Path, o.Log, o.Beside = appends(rec, sp), p, sp.log, beside
	op, err := sp.format.Open(s, o)
	if errors.Is(err, format.ErrNotAppendable) {
		return nil, 0, false, errTaken
	}
	if errors.Is(err, fs.ErrExist) { // a journal's hidden name is taken (a planted link, an orphan)
		sp.log.Warn("record: a file is in the way of the recording's journal, using the next name", "path", p, "err", err)
		return nil, 0, false, errTaken
	}
	if err != nil {
		return nil, 0, false, err
	}
	return op.Muxer, op.Shift, op.Appended, nil
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

// lockFile takes a non-blocking whole-file write lock (a blocking one
// would stall the stream behind another process): an open file
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
