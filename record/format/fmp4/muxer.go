package fmp4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
	"github.com/rtmprecd/rtmprecd/record/format/mp4box"
)

// File is where a muxer writes: Writev appends at the end of the file;
// WriteAt patches bytes already written.
type File interface {
	Writev(bufs [][]byte) (int64, error)
	WriteAt(p []byte, off int64) (int, error)
	// Truncate and Seek cut a failed write back off (the file never
	// keeps a torn box) and put the write offset back at the end.
	Truncate(size int64) error
	Seek(off int64, whence int) (int64, error)
	Datasync() error
}

// Options tune a Muxer.
type Options struct {
	// FragmentMS is the longest fragment in milliseconds. Default: 1000.
	FragmentMS int64
	// MaxFragment caps a fragment's media bytes, bounding the memory of
	// a stream (its fragment is built in RAM): 64 KiB is about 0.2 s of
	// a 2.5 Mbit/s stream, and a moof costs about 100 bytes plus 16 a
	// sample (under 1% of such a stream). Default: 64 KiB, which keeps an
	// fmp4 recorder within the FLV recorder's memory per stream.
	MaxFragment int
	Fsync       bool // fdatasync after every fragment
	Log         *slog.Logger
	// Init, when set, receives the initialization segment (one Writev)
	// instead of the start of the file: CMAF segments for HLS keep it in
	// a file of its own. Size then counts only what went to the file.
	Init File
}

// ErrLateTrack says a track appeared after the initialization segment
// was written; its samples are left out.
var ErrLateTrack = errors.New("fmp4: track appeared after the first fragment")

// Muxer writes one fragmented MP4 file. It is not safe for concurrent
// use.
type Muxer struct {
	f      File
	o      Options
	tracks []*track
	init   *mp4box.Init
	size   int64 // bytes in the file
	seq    uint32
	frag   fragment
	moof   []byte
	iov    [][]byte
	err    error
	// existing holds the sample entries of an appended file's tracks
	// (Resume for record_append); nil for a new file.
	existing [][]byte
}

// track is one track and its samples in the fragment being built.
type track struct {
	m       *mp4box.Track
	samples []fsample
	data    []byte
	lastDTS int64 // track units; -1 before the first sample
	lastDur int64
	// doneDTS and doneDur are the decode time and duration of the last
	// sample that reached the file: what the durations written at close
	// count.
	doneDTS, doneDur int64
	keys             []mp4box.RandomAccess
	video            bool
	warned           bool
	// endDTS is where the fragment's last written sample ends (track
	// units), once known: the next sample's decode time. -1: unknown.
	endDTS int64
	held   bool    // hold, the last sample, waits for the next fragment
	hold   fsample // its bytes stay at the end of data
}

// fsample is one sample of the current fragment.
type fsample struct {
	dts  int64 // track units
	cts  int32
	size uint32
	key  bool
}

// fragment is the state of the fragment being built.
type fragment struct {
	startMS int64 // decode time of its first sample, ms; -1 when empty
	bytes   int
}

// New returns a muxer writing to f, which must be empty.
func New(f File, o Options) *Muxer {
	if o.FragmentMS <= 0 {
		o.FragmentMS = 1000
	}
	if o.MaxFragment <= 0 {
		o.MaxFragment = 64 << 10
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	return &Muxer{f: f, o: o, frag: fragment{startMS: -1}}
}

// AddTrack adds a track before the first fragment; it returns the
// track's index for Write. The error wraps mp4box.ErrUnmapped for a codec
// MP4 cannot carry, or is ErrLateTrack.
func (m *Muxer) AddTrack(t *media.Track) (int, error) {
	if m.init != nil {
		return -1, ErrLateTrack
	}
	mt, err := mp4box.Map(t, uint32(len(m.tracks)+1))
	if err != nil {
		return -1, err
	}
	m.tracks = append(m.tracks, &track{m: mt, lastDTS: -1, doneDTS: -1, video: t.Kind == media.KindVideo})
	return len(m.tracks) - 1, nil
}

// Size is the file size so far, the fragment being built included.
func (m *Muxer) Size() int64 {
	if m.err != nil {
		return m.size // after a failed write nothing buffered reaches the file
	}
	return m.size + int64(m.frag.bytes)
}

// Buffered is the bytes of the fragment being built, not yet written.
func (m *Muxer) Buffered() int64 { return int64(m.frag.bytes) }

// Write adds one sample of track i: decode time and composition offset
// in milliseconds from the file start, the key flag and the codec data
// (copied). A video key frame starts a fragment.
func (m *Muxer) Write(i int, dtsMS int64, ctsMS int32, key bool, data []byte) error {
	if m.err != nil {
		return m.err
	}
	t := m.tracks[i]
	if m.frag.startMS >= 0 && (t.video && key || dtsMS-m.frag.startMS >= m.o.FragmentMS ||
		m.frag.bytes+len(data) > m.o.MaxFragment) {
		if err := m.flush(i, max(dtsMS*t.m.PerMS(), t.lastDTS), false); err != nil {
			return err
		}
	}
	dts := dtsMS * t.m.PerMS()
	if dts < t.lastDTS {
		dts = t.lastDTS // decode times never go back within a track
	}
	if m.frag.startMS < 0 {
		m.frag.startMS = dtsMS
	}
	cts := int32(int64(ctsMS) * t.m.PerMS())
	if t.video && key && len(t.samples) == 0 {
		// tfra's time is the sync sample's presentation time (ISO/IEC
		// 14496-12 8.8.10), as ffmpeg writes and reads it.
		t.keys = append(t.keys, mp4box.RandomAccess{Time: dts + int64(cts), Moof: -1})
	}
	t.samples = append(t.samples, fsample{dts: dts, cts: cts, size: uint32(len(data)), key: key})
	t.data = append(t.data, data...)
	t.lastDTS = dts
	m.frag.bytes += len(data) + 16
	return nil
}

// Flush writes the fragment being built, the initialization segment
// first if it is not in the file yet; each track's last sample waits for
// the next fragment (see flush).
func (m *Muxer) Flush() error { return m.flush(-1, 0, false) }

// FlushEnd writes the fragment being built with every sample in it, the
// held last ones too: the end of an HLS segment, which must hold all of
// its media. track's last sample ends at nextMS (the sample that ends the
// segment), so its duration is exact; the other tracks' last samples last
// as long as the sample before them. track < 0: no end is known.
func (m *Muxer) FlushEnd(track int, nextMS int64) error {
	var next int64
	if track >= 0 && track < len(m.tracks) {
		next = nextMS * m.tracks[track].m.PerMS()
	}
	return m.flush(track, next, true)
}

// flush writes the fragment being built. A sample's duration is known
// only when the next sample of its track arrives, so each track's last
// sample waits for the next fragment, except for trigger's (the track of
// the sample that ends the fragment, decoded at next, in track units) and
// at the end (final): every fragment's decode time is then exactly where
// the track's previous fragment ended, as tfdt requires.
func (m *Muxer) flush(trigger int, next int64, final bool) error {
	if m.err != nil || m.frag.startMS < 0 {
		return m.err
	}
	if !m.holdLast(trigger, next, final) {
		return nil // only held samples: nothing to write yet
	}
	if fo, ok := m.f.(format.FlushObserver); ok { // the metrics time each write-out
		defer fo.FlushedSince(time.Now())
	}
	if m.init == nil {
		if err := m.writeInit(); err != nil {
			return m.fail(err)
		}
	}
	m.buildMoof()
	m.iov = append(m.iov[:0], m.moof)
	for _, t := range m.tracks {
		if len(t.samples) > 0 {
			m.iov = append(m.iov, t.data[:len(t.data)-m.heldSize(t)])
		}
	}
	err := m.write(m.iov)
	if err == nil && m.o.Fsync {
		err = m.f.Datasync()
	}
	if err == nil {
		m.fragmentDone()
	} else {
		m.fragmentLost()
	}
	m.resetFragment()
	if err != nil {
		return m.fail(fmt.Errorf("write fragment: %w", err))
	}
	return nil
}

// write appends bufs to the file; when that fails it cuts what reached
// the file back off, so the file ends with its last whole box.
func (m *Muxer) write(bufs [][]byte) error {
	n, err := m.f.Writev(bufs)
	if err == nil {
		m.size += n
		return nil
	}
	if n > 0 {
		if terr := m.f.Truncate(m.size); terr != nil {
			return errors.Join(err, fmt.Errorf("cut the torn write: %w", terr))
		}
		if _, serr := m.f.Seek(m.size, io.SeekStart); serr != nil {
			return errors.Join(err, fmt.Errorf("cut the torn write: %w", serr))
		}
	}
	return err
}

// fragmentDone records that the fragment reached the file: where each
// track's last written sample starts and how long it is (buildMoof left
// its duration in lastDur). A held sample is not in the file yet.
func (m *Muxer) fragmentDone() {
	for _, t := range m.tracks {
		if n := len(t.samples); n > 0 {
			t.doneDTS, t.doneDur = t.samples[n-1].dts, t.lastDur
		}
	}
}

// fragmentLost forgets the key frames of a fragment that did not reach
// the file, so that no mfra entry points at it.
func (m *Muxer) fragmentLost() {
	for _, t := range m.tracks {
		k := len(t.keys)
		for k > 0 && (t.keys[k-1].Moof < 0 || t.keys[k-1].Moof >= m.size) {
			k--
		}
		t.keys = t.keys[:k]
	}
}

func (m *Muxer) fail(err error) error {
	m.err = err
	return err
}

// holdLast takes each track's last sample out of the fragment unless its
// duration is known, and sets where the others end; it reports whether
// any sample is left to write.
func (m *Muxer) holdLast(trigger int, next int64, final bool) bool {
	any := false
	for i, t := range m.tracks {
		n := len(t.samples)
		t.held, t.endDTS = false, -1
		switch {
		case n == 0:
			continue
		case i == trigger:
			t.endDTS = next
		case !final:
			t.held, t.hold, t.endDTS = true, t.samples[n-1], t.samples[n-1].dts
			t.samples = t.samples[:n-1]
		}
		any = any || len(t.samples) > 0
	}
	if !any {
		for _, t := range m.tracks {
			if t.held {
				t.samples, t.held = append(t.samples, t.hold), false
			}
		}
	}
	return any
}

// heldSize is the bytes of t's held sample at the end of t.data.
func (m *Muxer) heldSize(t *track) int {
	if !t.held {
		return 0
	}
	return int(t.hold.size)
}

// resetFragment starts the next fragment with the held samples.
func (m *Muxer) resetFragment() {
	m.frag = fragment{startMS: -1}
	for _, t := range m.tracks {
		if !t.held {
			t.samples, t.data = t.samples[:0], t.data[:0]
			continue
		}
		h := t.hold
		copy(t.data, t.data[len(t.data)-int(h.size):])
		t.samples, t.data, t.held = append(t.samples[:0], h), t.data[:h.size], false
		if ms := h.dts / t.m.PerMS(); m.frag.startMS < 0 || ms < m.frag.startMS {
			m.frag.startMS = ms
		}
		m.frag.bytes += int(h.size) + 16
	}
	m.iov = m.iov[:0]
}

func (m *Muxer) writeInit() error {
	tracks := make([]*mp4box.Track, len(m.tracks))
	for i, t := range m.tracks {
		tracks[i] = t.m
	}
	in, err := mp4box.BuildInit(tracks)
	if err != nil {
		return fmt.Errorf("build init segment: %w", err)
	}
	if m.o.Init != nil {
		if _, err := m.o.Init.Writev([][]byte{in.Bytes}); err != nil {
			return fmt.Errorf("write init segment: %w", err)
		}
		m.init = in
		return nil
	}
	if err := m.write([][]byte{in.Bytes}); err != nil {
		return fmt.Errorf("write init segment: %w", err)
	}
	m.init = in
	return nil
}

var be = binary.BigEndian
