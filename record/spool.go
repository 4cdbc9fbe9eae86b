package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/rtmprecd/rtmprecd/conf"
)

// The pre-roll of an event recorder lives on disk, not in memory: a ring
// file per stream and recorder in the spool directory holds the frames the
// recorder would have written over the last record_event_max_before. What
// stays in memory is the ring's bookkeeping: the positions of the frames
// a file may start with (marks), at most maxSpoolMarks of them.
const (
	// spoolHeader is the size of a record's header: time (8), payload
	// length (4), message type (1), flags (1), magic (2).
	spoolHeader = 16
	spoolMagic  = 0x5250 // "RP"
	// maxSpoolMarks bounds the marks (16 bytes each, 64 KiB in all): a
	// stream with more break frames in max-before (all-intra video at
	// 60 fps for more than 68 s) keeps a shorter pre-roll.
	maxSpoolMarks = 4096
	// spoolMemory is the ring kept in memory once the spool file cannot
	// be written (a full disk): the pre-roll shrinks to what it holds.
	spoolMemory = 512 << 10
	// maxSpoolFrame bounds one record: a larger message is not held.
	maxSpoolFrame = 32 << 20
	// spoolSuffix names ring files, which CleanSpools removes.
	spoolSuffix = ".ring"
)

// Flags of a spool record.
const (
	spoolKey   = 1 << iota // video key frame
	spoolSeq               // sequence header
	spoolBreak             // a file may start here (a mark)
)

// errSpoolCorrupt is a record that does not read back as written.
var errSpoolCorrupt = errors.New("spool record corrupt")

// ringStore is where a ring's bytes live: its file, or memory.
type ringStore interface {
	io.ReaderAt
	io.WriterAt
}

// memRing is the in-memory ring store of a spool whose file failed.
type memRing []byte

func (m memRing) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(m)) {
		return 0, fmt.Errorf("memory ring: write of %d at %d beyond %d", len(p), off, len(m))
	}
	return copy(m[off:], p), nil
}

func (m memRing) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(len(m)) {
		return 0, io.ErrUnexpectedEOF
	}
	return copy(p, m[off:]), nil
}

// spoolMark is a record a file may start with.
type spoolMark struct{ time, pos int64 }

// spoolRecord is one frame read back from a ring.
type spoolRecord struct {
	time    int64
	typ     uint8
	flags   uint8
	payload []byte // valid until the next record
}

// ringState is where a ring's records are. Records are stored whole,
// one after the other, from the oldest mark s to the write position w;
// when the ring wraps (a record did not fit before cap, or the free room
// before s outgrew the data) the writer goes back to 0 and the data is
// [s, end) then [0, w), with w < s.
type ringState struct {
	w, s, end int64
	wrapped   bool
}

// spool is one event recorder's pre-roll of one stream. Its methods run
// under the hook's mutex.
type spool struct {
	path   string // the ring file; "" in memory
	file   *os.File
	store  ringStore
	cap    int64 // bytes the ring may hold: record_spool_max_size, or spoolMemory
	maxAge int64 // ms of media kept before the newest: record_event_max_before
	log    *slog.Logger

	ringState
	marks []spoolMark // oldest first from marks[first]
	first int
	hdr   [spoolHeader]byte
	buf   []byte // replay's payload buffer
	// warned: the file failed and the ring moved to memory (logged once).
	warned bool
}

// newSpool returns the spool of a ring file at path, created at the first
// frame. maxAge is in ms.
func newSpool(path string, capBytes, maxAge int64, log *slog.Logger) *spool {
	return &spool{path: path, cap: capBytes, maxAge: maxAge, log: log}
}

func (sp *spool) count() int { return len(sp.marks) - sp.first }

// add holds one frame. brk says a file may start with it.
func (sp *spool) add(time int64, typ uint8, flags uint8, payload []byte) {
	need := int64(spoolHeader + len(payload))
	if len(payload) > maxSpoolFrame || need > sp.cap {
		sp.reset() // nothing before it can start a file that holds it
		return
	}
	brk := flags&spoolBreak != 0
	if brk {
		sp.expire(time)
		if sp.count() >= maxSpoolMarks {
			sp.evict()
		}
	} else if sp.count() == 0 {
		return // no file could start before it: useless
	}
	if err := sp.ensureStore(); err != nil {
		sp.degrade(err)
		if sp.ensureStore() != nil || need > sp.cap {
			return
		}
	}
	pos := sp.place(need)
	if err := sp.write(pos, time, typ, flags, payload); err != nil {
		sp.degrade(err)
		return
	}
	if brk {
		sp.marks = append(sp.marks, spoolMark{time: time, pos: pos})
	}
	sp.w = pos + need
}

// expire drops the marks that a request can no longer start from: all
// but the last one at or before time - maxAge.
func (sp *spool) expire(time int64) {
	for sp.count() >= 2 && sp.marks[sp.first+1].time <= time-sp.maxAge {
		sp.evict()
	}
}

// place returns where a record of need bytes goes, evicting the oldest
// marks (and the records up to the next one) until it fits.
func (sp *spool) place(need int64) int64 {
	for {
		if sp.count() == 0 {
			sp.ringState = ringState{}
			return 0
		}
		if sp.wrapped {
			if sp.w+need < sp.s {
				return sp.w
			}
		} else {
			fits := sp.w+need <= sp.cap
			// wrap early once the room freed before s is as large as the
			// data: the file stays about twice the pre-roll, not cap
			if sp.s > need && (!fits || sp.s >= sp.w-sp.s) {
				sp.end, sp.w, sp.wrapped = sp.w, 0, true
				return 0
			}
			if fits {
				return sp.w
			}
		}
		sp.evict()
	}
}

// evict forgets the oldest mark: the data starts at the next one.
func (sp *spool) evict() {
	sp.first++
	if sp.first > len(sp.marks)/2 && sp.first > 64 {
		sp.marks = append(sp.marks[:0], sp.marks[sp.first:]...)
		sp.first = 0
	}
	if sp.count() == 0 {
		sp.ringState = ringState{}
		return
	}
	next := sp.marks[sp.first].pos
	if sp.wrapped && next < sp.s {
		sp.wrapped, sp.end = false, 0
	}
	sp.s = next
}

// reset empties the ring.
func (sp *spool) reset() {
	sp.marks, sp.first, sp.ringState = sp.marks[:0], 0, ringState{}
}

func (sp *spool) write(pos, time int64, typ, flags uint8, payload []byte) error {
	h := sp.hdr[:]
	binary.BigEndian.PutUint64(h[0:], uint64(time))
	binary.BigEndian.PutUint32(h[8:], uint32(len(payload)))
	h[12], h[13] = typ, flags
	binary.BigEndian.PutUint16(h[14:], spoolMagic)
	if _, err := sp.store.WriteAt(h, pos); err != nil {
		return err
	}
	_, err := sp.store.WriteAt(payload, pos+spoolHeader)
	return err
}

// ensureStore creates the ring file at the first frame.
func (sp *spool) ensureStore() error {
	if sp.store != nil {
		return nil
	}
	if sp.path == "" {
		sp.store = make(memRing, sp.cap)
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(sp.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(sp.path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	sp.file, sp.store = f, f
	return nil
}

// degrade moves the pre-roll to memory after the file failed (ENOSPC,
// EIO): what it held is dropped, events go on recording with what
// spoolMemory holds from now on. Logged once.
func (sp *spool) degrade(err error) {
	if !sp.warned {
		sp.warned = true
		sp.log.Warn("record: cannot write the pre-roll spool; keeping a shorter pre-roll in memory",
			"path", sp.path, "errno", errnoOf(err), "err", err, "memory", spoolMemory)
	}
	sp.removeFile()
	sp.path, sp.store, sp.cap = "", nil, min(sp.cap, spoolMemory)
	sp.reset()
}

// close removes the ring file: the pre-roll ends with the publish.
func (sp *spool) close() {
	sp.removeFile()
	sp.store = nil
	sp.reset()
}

func (sp *spool) removeFile() {
	if sp.file == nil {
		return
	}
	sp.file.Close()
	if err := os.Remove(sp.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		sp.log.Warn("record: could not remove a pre-roll spool file", "path", sp.path, "err", err)
	}
	sp.file = nil
}

// markFor returns the position of the last mark at or before t, or of
// the oldest one; false when the ring is empty.
func (sp *spool) markFor(t int64) (spoolMark, bool) {
	if sp.count() == 0 {
		return spoolMark{}, false
	}
	m := sp.marks[sp.first]
	for _, x := range sp.marks[sp.first+1:] {
		if x.time > t {
			break
		}
		m = x
	}
	return m, true
}

// replay calls fn for every record from the mark at or before t to the
// newest one.
func (sp *spool) replay(t int64, fn func(*spoolRecord)) error {
	m, ok := sp.markFor(t)
	if !ok || sp.store == nil {
		return nil
	}
	return readRing(sp.store, sp.ringState, sp.cap, m.pos, &sp.buf, fn)
}

// readRing reads the records of a ring of size bytes in state st from pos
// to st.w. It trusts nothing it reads: a record must lie inside the data
// and the ring and carry the magic, and the reader wraps at most once.
func readRing(store io.ReaderAt, st ringState, size, pos int64, buf *[]byte, fn func(*spoolRecord)) error {
	var hdr [spoolHeader]byte
	var rec spoolRecord
	wrappedOnce := false
	for p := pos; p != st.w; {
		if st.wrapped && p == st.end && !wrappedOnce {
			p, wrappedOnce = 0, true
			continue
		}
		limit := st.w
		if st.wrapped && p >= st.s && !wrappedOnce {
			limit = st.end
		}
		limit = min(limit, size)
		if p < 0 || p+spoolHeader > limit {
			return fmt.Errorf("%w at %d: beyond the data (%d)", errSpoolCorrupt, p, limit)
		}
		if _, err := store.ReadAt(hdr[:], p); err != nil {
			return fmt.Errorf("read spool at %d: %w", p, err)
		}
		n := int64(binary.BigEndian.Uint32(hdr[8:]))
		if binary.BigEndian.Uint16(hdr[14:]) != spoolMagic || n > maxSpoolFrame || p+spoolHeader+n > limit {
			return fmt.Errorf("%w at %d", errSpoolCorrupt, p)
		}
		if int64(cap(*buf)) < n {
			*buf = make([]byte, n)
		}
		rec.payload = (*buf)[:n]
		if _, err := store.ReadAt(rec.payload, p+spoolHeader); err != nil {
			return fmt.Errorf("read spool at %d: %w", p, err)
		}
		rec.time, rec.typ, rec.flags = int64(binary.BigEndian.Uint64(hdr[0:])), hdr[12], hdr[13]
		fn(&rec)
		p += spoolHeader + n
	}
	return nil
}

// CleanSpool removes the ring files a previous run left in dir (a
// crash, a kill -9): the pre-roll of a stream never outlives its publish.
// It returns how many it removed.
func CleanSpool(dir string) (int, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("spool %s: %w", dir, err)
	}
	n := 0
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), spoolSuffix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return n, fmt.Errorf("spool %s: %w", dir, err)
		}
		n++
	}
	return n, nil
}

// CleanSpools removes, at daemon start, the ring files of every event
// recorder's spool directory in cfg, logging how many a previous run
// left.
func CleanSpools(cfg *conf.Config, log *slog.Logger) {
	seen := map[string]bool{}
	for _, srv := range cfg.Servers {
		for _, app := range srv.Applications {
			for _, rc := range app.Recorders {
				dir := rc.SpoolDir()
				if !rc.Flags.Has(conf.RecordEvent) || seen[dir] {
					continue
				}
				seen[dir] = true
				n, err := CleanSpool(dir)
				if err != nil {
					log.Warn("record: could not clean the pre-roll spool", "dir", dir, "err", err)
				} else if n > 0 {
					log.Info("record: removed pre-roll spool files a previous run left", "dir", dir, "files", n)
				}
			}
		}
	}
}
