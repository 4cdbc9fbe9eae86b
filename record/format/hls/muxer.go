package hls

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// errLate says a track appeared after the recording's first segment
// fixed its tracks; its samples are left out (as in fMP4).
var errLate = errors.New("hls: track appeared after the first segment")

// segmenter lays samples out in segment files through a router.
type segmenter interface {
	addTrack(t *media.Track) (int, error)
	write(i int, ms int64, cts int32, key bool, u *media.Unit) error
	begin() error // the router points at a new segment file
	flush() error // samples written so far to the segment file (fMP4 may hold each track's last)
	// finish writes the segment's samples to its file: track's next
	// sample (the one that starts the next segment) is at nextMS, and
	// another track's last sample may start the next segment instead;
	// track < 0 at the end of the recording: every sample.
	finish(track int, nextMS int64) error
	pending() int64 // bytes buffered, not yet in the file
	ext() string    // segment file name extension
}

// router is the segment file the segmenter writes to, switched at every
// segment; n counts the bytes that reached it.
type router struct {
	s    format.Sink
	n    int64
	good int64 // r.n before the last write: where a failed write is cut back to
}

func (r *router) Writev(bufs [][]byte) (int64, error) {
	r.good = r.n
	n, err := r.s.Writev(bufs)
	r.n += n
	return n, err
}

func (r *router) Write(p []byte) (int, error) {
	n, err := r.Writev([][]byte{p})
	return int(n), err
}

// Truncate and Seek cut a failed write back off the segment. The fMP4
// muxer asks in offsets of its whole output, which spans every segment,
// so the router answers with its own: the segment's length before the
// failed write.
func (r *router) Truncate(int64) error {
	if err := r.s.Truncate(r.good); err != nil {
		return err
	}
	r.n = r.good
	return nil
}

func (r *router) Seek(int64, int) (int64, error) { return r.s.Seek(r.good, io.SeekStart) }

func (r *router) WriteAt([]byte, int64) (int, error) {
	return 0, errors.New("hls: segments are never patched")
}

func (r *router) Datasync() error { return r.s.Datasync() }

// current is the segment being written.
type current struct {
	name  string
	start int64     // decode time of its first sample, ms
	pdt   time.Time // its #EXT-X-PROGRAM-DATE-TIME; zero: none
}

// muxer is one HLS recording.
type muxer struct {
	f    Format
	o    format.Options
	lock format.Sink
	dir  format.Dir
	seg  segmenter
	r    router
	pl   playlist
	trk  mp4box.Tracks

	video    bool // a video track is recorded: segments end at its key frames
	cur      current
	open     bool
	next     int  // number of the next segment file
	disc     bool // the next listed segment follows a discontinuity (append)
	needPDT  bool
	mapURI   string // a new #EXT-X-MAP before the next listed segment
	init     initState
	lastT    [3]int64 // by media.Kind: decode time of the last sample, ms; -1 none
	lastD    [3]int64 // by media.Kind: duration of the last sample, ms
	files    int64    // bytes of finished segments and init segments
	listed   int      // segments listed by this muxer
	appended bool
	err      error
}

func newMuxer(f Format, lock format.Sink, o format.Options) *muxer {
	m := &muxer{f: f, o: o, lock: lock, dir: o.Dir, needPDT: true, lastT: [3]int64{-1, -1, -1}}
	m.pl = playlist{dir: o.Dir, fsync: o.Fsync, version: 3, target: int(math.Ceil(f.MaxFragment.Seconds()))}
	if f.Segment == SegmentMPEGTS {
		m.seg = newTSSeg(&m.r)
	} else {
		m.pl.version = 6 // #EXT-X-MAP
		m.seg = newFMP4Seg(&m.r, m, o)
	}
	return m
}

// Stored is the samples this muxer wrote (format.Tally): not the
// sequence ends it is handed, so a close counts what the segments hold
// (as rebuild reads them back).
func (m *muxer) Stored() (video, audio int64) { return m.trk.Counts() }

// LeftOut reports a track of kind k refused (format.Tally).
func (m *muxer) LeftOut(k media.Kind) bool { return m.trk.LeftOut(k) }

// Write adds one sample; a sample that ends the segment lists it first.
func (m *muxer) Write(s format.Sample) error {
	if m.err != nil {
		return m.err
	}
	i, ok, decided := m.trk.Known(s.Track)
	if !decided {
		var err error
		add := func() (int, error) { return m.addTrack(s.Track) }
		if i, ok, err = m.trk.Index(s.Track, add, errLate, m.o.Log, m.o.Path); err != nil {
			return m.fail(err)
		}
	}
	if !ok {
		return nil
	}
	cts, key, ok := mp4box.Sample(s.Unit, s.Key)
	if !ok {
		return nil
	}
	videoKey := key && s.Track.Kind == media.KindVideo
	if m.open && m.cutDue(s.Time, videoKey) {
		if err := m.endSegment(s.Time, i); err != nil {
			return err
		}
	}
	if !m.open {
		if err := m.startSegment(s.Time); err != nil {
			return m.fail(err)
		}
	}
	if err := m.seg.write(i, s.Time, cts, key, s.Unit); err != nil {
		return m.fail(fmt.Errorf("write segment %s: %w", m.cur.name, err))
	}
	k := s.Track.Kind
	m.trk.Stored(k)
	if m.lastT[k] >= 0 && s.Time > m.lastT[k] {
		m.lastD[k] = s.Time - m.lastT[k]
	}
	m.lastT[k] = max(m.lastT[k], s.Time)
	return nil
}

func (m *muxer) addTrack(t *media.Track) (int, error) {
	i, err := m.seg.addTrack(t)
	if err == nil && t.Kind == media.KindVideo {
		m.video = true
	}
	return i, err
}

// cutDue is the segmenting rule: a video key frame at or after the
// fragment duration, anything at the max fragment, and for recordings
// without video anything at the fragment duration.
func (m *muxer) cutDue(t int64, videoKey bool) bool {
	el := t - m.cur.start
	switch {
	case el >= m.f.MaxFragment.Milliseconds():
		return true
	case el < m.f.Fragment.Milliseconds():
		return false
	}
	return videoKey || !m.video
}

// startSegment creates the next segment file.
func (m *muxer) startSegment(t int64) error {
	name := segmentName(m.next, m.seg.ext())
	s, err := m.dir.Create(name)
	if err != nil {
		return err
	}
	m.next++
	m.r = router{s: s}
	m.cur, m.open = current{name: name, start: t}, true
	if m.needPDT {
		m.cur.pdt = m.o.Now()
	}
	return m.seg.begin()
}

// segmentName is the file name of segment n: six digits at least.
func segmentName(n int, ext string) string {
	s := strconv.Itoa(n)
	for len(s) < 6 {
		s = "0" + s
	}
	return s + ext
}

// endSegment puts the rest of the segment in its file, closes it and
// lists it: end is where the segment's media ends (ms), the time of the
// next sample of track (< 0: the recording ends).
func (m *muxer) endSegment(end int64, track int) error {
	err := m.flushSegment(func() error { return m.seg.finish(track, end) })
	s := m.r.s
	m.open, m.r.s = false, nil
	if err = errors.Join(err, s.Close()); err != nil {
		return m.fail(fmt.Errorf("finish segment %s: %w", m.cur.name, errors.Join(err, m.dir.Remove(m.cur.name))))
	}
	e := entry{disc: m.disc, mapURI: m.mapURI, pdt: m.cur.pdt, ms: max(end-m.cur.start, 1), uri: m.cur.name}
	if err := m.pl.list(e); err != nil {
		// the playlist on disk is the previous one: the segment it does
		// not list goes, so that only listed segments remain
		return m.fail(errors.Join(err, m.dir.Remove(m.cur.name)))
	}
	m.files += m.r.n
	m.disc, m.mapURI, m.needPDT = false, "", false
	m.listed++
	return nil
}

// end is where the media written so far ends: the last sample of the
// longest track plus its duration.
func (m *muxer) end() int64 {
	var e int64
	for k, t := range m.lastT {
		if t >= 0 {
			e = max(e, t+max(m.lastD[k], 1))
		}
	}
	return e
}

// fail ends the recording after an error: the segment being written is
// removed (never listed), later calls fail.
func (m *muxer) fail(err error) error {
	if m.open {
		m.r.s.Close()
		m.dir.Remove(m.cur.name)
		m.open, m.r.s = false, nil
	}
	m.err = err
	return err
}

// Size is the bytes of the recording's files so far: listed segments,
// init segments, the segment in progress (buffered bytes included) and
// the playlist.
func (m *muxer) Size() int64 {
	n := m.files + m.pl.size
	if m.open {
		n += m.r.n + m.seg.pending()
	}
	return n
}

// Flush puts the buffered samples of the segment in progress in its file
// (listed only once complete).
func (m *muxer) Flush() error {
	if m.err != nil || !m.open {
		return m.err
	}
	if err := m.flushSegment(m.seg.flush); err != nil {
		return m.fail(fmt.Errorf("write segment %s: %w", m.cur.name, err))
	}
	return nil
}

// flushSegment writes the segment's buffered samples out with flush
// (made durable with record_fsync) and times it for a sink that observes
// flushes (the metrics).
func (m *muxer) flushSegment(flush func() error) error {
	start := time.Now()
	err := flush()
	if err == nil && m.o.Fsync {
		err = m.r.s.Datasync()
	}
	if fo, ok := m.r.s.(format.FlushObserver); ok && err == nil {
		fo.FlushedSince(start)
	}
	return err
}

// Close lists the last segment and ends the playlist (also after a
// failure, for the segments already listed), then closes the directory
// and the lock file, which releases the lock. A recording that listed
// nothing leaves no file of this muxer behind.
func (m *muxer) Close() error {
	var err error
	if m.err == nil && m.open {
		err = m.endSegment(m.end(), -1)
	}
	if m.pl.body > 0 {
		if e := m.pl.end(); e != nil {
			err = errors.Join(err, fmt.Errorf("end playlist: %w", e))
		} else if m.o.Log != nil {
			m.o.Log.Debug("record: hls playlist ended", "path", m.o.Path, "segments", m.listed)
		}
	} else {
		m.init.removeMade(m.dir)
	}
	return errors.Join(err, m.dir.Close(), m.lock.Close())
}

// abandon closes what Open took after a failed open.
func (m *muxer) abandon() {
	m.dir.Close()
	m.lock.Close()
}
