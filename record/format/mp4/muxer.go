package mp4

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
	"github.com/rtmprecd/rtmprecd/record/recfile"
)

// File is where a muxer writes: Writev appends at the end of the file;
// WriteAt writes in place (the moov into its room, the mdat size).
type File interface {
	Writev(bufs [][]byte) (int64, error)
	WriteAt(p []byte, off int64) (int, error)
	Truncate(size int64) error
	Datasync() error
	Allocate(off, n int64) error
	Seek(off int64, whence int) (int64, error)
}

// Options tune a Muxer.
type Options struct {
	Room    int64  // bytes reserved for the moov at open (RoomFor)
	Journal string // the journal's path: a hidden name beside the file
	// CreateJournal, when set, creates the journal at Journal through the
	// recorder's directory handle (no link followed in any component);
	// otherwise it is created by path.
	CreateJournal func() (*os.File, error)
	Buffer        int // media buffered before a write. Default: 64 KiB.
	Period        time.Duration
	Now           func() time.Time
	Fsync         bool
	Log           *slog.Logger
}

// Muxer writes one progressive MP4 file. It is not safe for concurrent
// use.
type Muxer struct {
	f       File
	o       Options
	j       *os.File
	head    journalHead
	tracks  []*ptrack
	size    int64 // bytes in the file
	buf     []byte
	jbuf    []byte
	jsize   int64
	flushed time.Time
	iov     [1][]byte
	err     error
	outgrew bool // the moov went after the mdat
}

// ptrack is one track's mapping and table statistics.
type ptrack struct {
	m     *mp4box.Track
	stats mp4box.Stats
	last  int64 // last decode time in ms; -1 before the first sample
	first int64
}

// mdatHeader is the 64-bit mdat header: size 1 and a largesize.
const mdatHeader = 16

// New writes the file's head (ftyp, the room as free, the mdat header)
// and creates the journal.
func New(f File, o Options) (*Muxer, error) {
	if o.Buffer <= 0 {
		o.Buffer = 64 << 10
	}
	if o.Period <= 0 {
		o.Period = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	o.Room = max(o.Room, 8)
	ft := mp4box.Ftyp()
	m := &Muxer{f: f, o: o, buf: make([]byte, 0, o.Buffer), flushed: o.Now()}
	m.head = journalHead{roomOff: int64(len(ft)), roomSize: o.Room, mdatOff: int64(len(ft)) + o.Room}
	j, err := createJournal(o)
	if err != nil {
		return nil, fmt.Errorf("create journal: %w", err)
	}
	m.j = j
	if err := recfile.LockWhole(j); err != nil { // repair leaves a locked journal alone
		o.Log.Warn("record: cannot lock the journal: a second daemon's repair could touch it", "path", o.Journal, "err", err)
	}
	if _, err := j.Write(m.head.append(nil)); err != nil {
		m.dropJournal()
		return nil, fmt.Errorf("write journal: %w", err)
	}
	m.jsize = journalHeader
	head := append(ft, mp4box.Free(o.Room)...)
	mdat := []byte{0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, 0, 0, 0, mdatHeader}
	n, err := writeHead(f, head, o.Room-8, mdat)
	m.size = n
	if err != nil {
		m.dropJournal()
		return nil, fmt.Errorf("write file head: %w", err)
	}
	return m, nil
}

// zeros is the room's content, shared by every file: its pages are never
// written, so they cost no memory, and a file's room costs no allocation.
var zeros [1 << 20]byte

// writeHead writes the file head: head, n bytes of room, then tail. The
// room's blocks are allocated, not left as a hole, so that the moov
// always fits at close, even on a full disk: with fallocate where the
// file system has it (no megabytes of zeros to write per file), else by
// writing zeros.
func writeHead(f File, head []byte, n int64, tail []byte) (int64, error) {
	w, err := f.Writev([][]byte{head})
	if err != nil {
		return w, err
	}
	if f.Allocate(w, n) == nil {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			return w, fmt.Errorf("seek past the room: %w", err)
		}
		t, err := f.Writev([][]byte{tail})
		return w + n + t, err
	}
	t, err := f.Writev(roomBufs(n, tail))
	return w + t, err
}

// roomBufs is n zero bytes, then tail.
func roomBufs(n int64, tail []byte) [][]byte {
	var bufs [][]byte
	for ; n > 0; n -= int64(len(zeros)) {
		bufs = append(bufs, zeros[:min(n, int64(len(zeros)))])
	}
	return append(bufs, tail)
}

// AddTrack adds a track; typ and body are the FLV tag that defined it
// (its sequence start, or its first frame for codecs without one), kept
// in the journal for repair. The error wraps mp4box.ErrUnmapped for a
// codec MP4 cannot carry.
func (m *Muxer) AddTrack(t *media.Track, typ uint8, body []byte) (int, error) {
	if len(m.tracks) >= maxTracks {
		return -1, errors.New("mp4: too many tracks")
	}
	mt, err := mp4box.Map(t, uint32(len(m.tracks)+1))
	if err != nil {
		return -1, err
	}
	i := len(m.tracks)
	m.tracks = append(m.tracks, &ptrack{m: mt, last: -1})
	m.jbuf = trackRec{track: uint8(i), typ: typ, body: body}.append(m.jbuf)
	return i, nil
}

// Size is the file size so far, buffered media included.
func (m *Muxer) Size() int64 { return m.size + int64(len(m.buf)) }

// Write adds one sample of track i: decode time and composition offset
// in ms from the file start, key flag, codec data.
func (m *Muxer) Write(i int, dtsMS int64, ctsMS int32, key bool, data []byte) error {
	if m.err != nil {
		return m.err
	}
	t := m.tracks[i]
	dtsMS = max(dtsMS, t.last, 0) // decode times never go back within a track
	if t.last < 0 {
		t.first = dtsMS
	}
	t.last = dtsMS
	per := t.m.PerMS()
	t.stats.Add(dtsMS*per, int64(ctsMS)*per, key)
	if len(m.buf)+len(data) > cap(m.buf) {
		if err := m.Flush(); err != nil { // the journal too: it never grows past a buffer's worth
			return err
		}
	}
	m.jbuf = sampleRec{track: uint8(i), key: key, size: uint32(len(data)), dts: dtsMS, cts: ctsMS}.append(m.jbuf)
	if len(data) > cap(m.buf) { // written in place: a write-out of its own
		if fo, ok := m.f.(format.FlushObserver); ok {
			defer fo.FlushedSince(time.Now())
		}
		m.iov[0] = data
		n, err := m.f.Writev(m.iov[:])
		m.iov[0] = nil
		m.size += n
		if err != nil {
			return m.fail(fmt.Errorf("write media: %w", err))
		}
	} else {
		m.buf = append(m.buf, data...)
	}
	if key && t.m.Kind == media.KindVideo || m.o.Now().Sub(m.flushed) >= m.o.Period {
		return m.Flush()
	}
	return nil
}

// Flush writes buffered media, then the journal records that describe
// it, so the journal never runs ahead of whole samples by more than what
// repair checks against the file size.
func (m *Muxer) Flush() error {
	if m.err != nil {
		return m.err
	}
	if err := m.flushBuf(); err != nil {
		return err
	}
	m.flushed = m.o.Now()
	if len(m.jbuf) > 0 {
		n, err := m.j.Write(m.jbuf)
		m.jsize += int64(n)
		m.jbuf = m.jbuf[:copy(m.jbuf, m.jbuf[n:])]
		if err != nil {
			return m.fail(fmt.Errorf("write journal: %w", err))
		}
	}
	if m.o.Fsync {
		if err := m.f.Datasync(); err != nil {
			return m.fail(err)
		}
	}
	return nil
}

func (m *Muxer) flushBuf() error {
	if len(m.buf) == 0 {
		return nil
	}
	if fo, ok := m.f.(format.FlushObserver); ok { // the metrics time each write-out
		defer fo.FlushedSince(time.Now())
	}
	m.iov[0] = m.buf
	n, err := m.f.Writev(m.iov[:])
	m.iov[0] = nil
	m.size += n
	m.buf = m.buf[:0]
	if err != nil {
		return m.fail(fmt.Errorf("write media: %w", err))
	}
	return nil
}

func (m *Muxer) fail(err error) error {
	m.err = err
	return err
}

// createJournal creates the journal, read back through the same
// descriptor at close. O_EXCL and O_NOFOLLOW never follow a link planted
// at the hidden name.
func createJournal(o Options) (*os.File, error) {
	if o.CreateJournal != nil {
		return o.CreateJournal()
	}
	return os.OpenFile(o.Journal, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
}

// dropJournal closes and removes the journal: the file at its path only
// when it is still the journal (a directory swapped for a link since the
// open cannot make us remove another file).
func (m *Muxer) dropJournal() {
	defer m.j.Close()
	mine, err := m.j.Stat()
	if err != nil {
		return
	}
	if there, err := os.Lstat(m.o.Journal); err == nil && os.SameFile(mine, there) {
		os.Remove(m.o.Journal)
	}
}

// Outgrew reports whether the finished file's moov went after the mdat.
func (m *Muxer) Outgrew() bool { return m.outgrew }
