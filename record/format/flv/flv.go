package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rtmprecd/rtmprecd/media"
	"github.com/rtmprecd/rtmprecd/record/format"
)

// FLV layout constants.
const (
	flvHeaderLen  = 13 // "FLV", version, flags, header length (9), PreviousTagSize0
	flvTagHeader  = 11
	flvMaxData    = 1<<24 - 1
	flvFlagsAudio = 0x04
	flvFlagsVideo = 0x01
)

// maxTS is the largest FLV timestamp (32 bits, ~49.7 days).
const maxTS = 1<<32 - 1

// flvOptions configure a new flvWriter.
type flvOptions struct {
	offset int64 // 0: a new file; else the append point after the last whole tag
	flags  byte  // track bits already in the file (append)
	limit  int   // buffer capacity in bytes
	period time.Duration
	now    func() time.Time
	fsync  bool      // record_fsync: fdatasync after every flush
	meta   *metaPlan // nil: no onMetaData room (an appended foreign file)
}

// flvWriter writes FLV tags through a buffer of whole tags, so the file
// ends at a tag boundary at every instant. The buffer goes out, in one
// writev(2) together with the tag that does not fit, when it is full; at
// every video keyframe; when a write finds it older than the flush period
// (the module's ticker covers streams that stall); and at close. A tag
// larger than the buffer goes out in place, without a copy. Nothing but
// the reserved onMetaData tag and the header's flags byte is rewritten,
// at close.
type flvWriter struct {
	f       format.Sink
	o       flvOptions
	size    int64 // bytes written, buffered ones included
	disk    int64 // bytes in the file: whole tags only
	flags   byte
	buf     []byte
	flushed time.Time
	err     error // the write error that ended the file
	meta    *metaPlan
	iov     [format.MaxIov][]byte
	hdr     [flvTagHeader]byte
	trail   [4]byte
}

// newFLVWriter starts writing: a new file gets its header and, with a
// plan, the reserved onMetaData tag holding a placeholder, in one write.
func newFLVWriter(f format.Sink, o flvOptions) (*flvWriter, error) {
	if o.now == nil {
		o.now = time.Now
	}
	w := &flvWriter{f: f, o: o, size: o.offset, disk: o.offset, flags: o.flags, meta: o.meta,
		buf: make([]byte, 0, o.limit)}
	w.flushed = o.now()
	if _, err := f.Seek(o.offset, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek to append point: %w", err)
	}
	if o.offset > 0 {
		return w, nil
	}
	// The header and placeholder may exceed the buffer: written from
	// their own slice, they leave the buffer at its capacity.
	buf := w.buf
	b := make([]byte, 0, flvHeaderLen+flvTagHeader+4+max(0, metaReserve(w.meta)))
	b = append(b, 'F', 'L', 'V', 1, flvFlagsAudio|flvFlagsVideo, 0, 0, 0, 9, 0, 0, 0, 0)
	if m := w.meta; m != nil {
		m.at = flvHeaderLen
		d := metaDoc{f: &m.fields}
		body, ok := d.fit(m.reserve)
		if !ok {
			return nil, errors.New("metadata placeholder does not fit its reserve")
		}
		b = appendTag(b, 18, 0, body)
	}
	w.buf = b
	if err := w.Flush(); err != nil { // cut back to 0 bytes: b holds no whole tag before its end
		return nil, fmt.Errorf("write flv header: %w", err)
	}
	w.buf, w.size = buf, w.disk
	return w, nil
}

func metaReserve(m *metaPlan) int {
	if m == nil {
		return 0
	}
	return m.reserve
}

// appendTag appends a whole tag to b.
func appendTag(b []byte, typ byte, ts uint32, body []byte) []byte {
	n := len(body)
	b = append(b, typ, byte(n>>16), byte(n>>8), byte(n), byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24), 0, 0, 0)
	b = append(b, body...)
	return binary.BigEndian.AppendUint32(b, uint32(flvTagHeader+n))
}

// tag is one FLV tag to write.
type tag struct {
	Type      uint8 // media.TypeAudio or media.TypeVideo
	Time      int64 // ms since the file's first admitted frame (plus the append shift); ≥ 0
	Payload   []byte
	Keyframe  bool
	SeqHeader bool // a sequence header: a copy from the codec state or in-band
	EndOfSeq  bool // an end-of-sequence message
	// Track is the tag's track, what the codec state says about it
	// (onMetaData); nil when unknown.
	Track *media.Track
}

// tagOf is the FLV tag of a sample: the unit's single-track tag body as
// the publisher sent it, or the track's sequence header as the codec
// state keeps it.
func tagOf(s format.Sample) tag {
	t := tag{Type: media.TypeAudio, Time: s.Time, Keyframe: s.Key, Track: s.Track}
	if s.Track.Kind == media.KindVideo {
		t.Type = media.TypeVideo
	}
	if s.Unit == nil {
		t.Payload, t.SeqHeader = s.Track.Header, true
		return t
	}
	t.Payload = s.Unit.Tag
	t.SeqHeader = s.Unit.Packet == media.PacketSeqStart
	t.EndOfSeq = s.Unit.Packet == media.PacketSeqEnd
	return t
}

// Write adds one sample as a tag. After an error the file has been cut
// back to its last whole tag and every later Write fails.
func (w *flvWriter) Write(s format.Sample) error { return w.write(tagOf(s)) }

func (w *flvWriter) write(s tag) error {
	if w.err != nil {
		return w.err
	}
	if len(s.Payload) > flvMaxData {
		return fmt.Errorf("flv tag of %d bytes: too large", len(s.Payload))
	}
	if s.Time < 0 || s.Time > maxTS {
		return fmt.Errorf("flv timestamp %d out of range", s.Time)
	}
	n, ts := len(s.Payload), uint32(s.Time)
	w.hdr = [flvTagHeader]byte{s.Type, byte(n >> 16), byte(n >> 8), byte(n), byte(ts >> 16), byte(ts >> 8), byte(ts), byte(ts >> 24)}
	binary.BigEndian.PutUint32(w.trail[:], uint32(flvTagHeader+n))
	pos, total := w.size, flvTagHeader+n+4
	if len(w.buf)+total > w.o.limit {
		if err := w.writeOut(w.buf, w.hdr[:], s.Payload, w.trail[:]); err != nil {
			return err
		}
	} else {
		w.buf = append(append(append(w.buf, w.hdr[:]...), s.Payload...), w.trail[:]...)
	}
	w.size += int64(total)
	key := w.account(s, pos)
	if key || w.o.now().Sub(w.flushed) >= w.o.period {
		return w.Flush()
	}
	return nil
}

// account updates flags and metadata for a tag written at pos and
// reports whether it is a keyframe that carries a picture.
func (w *flvWriter) account(s tag, pos int64) (key bool) {
	video := s.Type == media.TypeVideo
	if video {
		w.flags |= flvFlagsVideo
	} else {
		w.flags |= flvFlagsAudio
	}
	key = video && s.Keyframe && !s.SeqHeader && !s.EndOfSeq
	m := w.meta
	if m == nil {
		return key
	}
	m.lastTS = max(m.lastTS, s.Time)
	switch {
	case key:
		m.index.add(s.Time, pos)
	case s.SeqHeader && video:
		m.fields.video(s.Track)
	case !video && (s.SeqHeader || !m.fields.hasAudio):
		m.fields.audio(s.Track)
	}
	if video && !s.SeqHeader {
		if m.vn == 0 {
			m.vfirst = s.Time
		}
		m.vn, m.vlast = m.vn+1, s.Time
	}
	return key
}

// Flush writes the buffered tags out (and makes them durable with
// record_fsync).
func (w *flvWriter) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	return w.writeOut(w.buf)
}

// writeOut writes bufs (the buffer first, then maybe one tag in place)
// in one writev and empties the buffer. On failure the file is cut back
// to the last whole tag that reached it.
func (w *flvWriter) writeOut(bufs ...[]byte) error {
	if fo, ok := w.f.(format.FlushObserver); ok {
		defer fo.FlushedSince(time.Now())
	}
	want := int64(0)
	for _, b := range bufs {
		want += int64(len(b))
	}
	iov := append(w.iov[:0], bufs...)
	n, err := w.f.Writev(iov)
	if err == nil && w.o.fsync {
		err = w.f.Datasync()
		if err != nil {
			err = fmt.Errorf("fdatasync %q: %w", w.f.Name(), err)
			n = 0 // nothing since the last sync is known to be on disk
		}
	}
	if err != nil {
		return w.fail(n, want-int64(len(w.buf)), err)
	}
	w.disk += n
	w.buf = w.buf[:0]
	w.flushed = w.o.now()
	if w.meta != nil {
		w.meta.diskTS = w.meta.lastTS
	}
	return nil
}

// fail cuts the file back to the last whole tag among the n bytes that
// reached it (the buffer's tags, then extra bytes of one tag in place).
func (w *flvWriter) fail(n, extra int64, err error) error {
	good, m := int64(0), w.meta
	if m != nil {
		m.lastTS = m.diskTS
	}
	for off := 0; off+flvTagHeader <= len(w.buf); {
		b := w.buf[off:]
		l := flvTagHeader + (int(b[1])<<16 | int(b[2])<<8 | int(b[3])) + 4
		if int64(off+l) > n {
			break
		}
		if m != nil {
			m.lastTS = max(m.lastTS, int64(b[7])<<24|int64(b[4])<<16|int64(b[5])<<8|int64(b[6]))
		}
		off += l
		good = int64(off)
	}
	if good == int64(len(w.buf)) && extra > 0 && good+extra <= n {
		good += extra
	}
	w.disk += good
	w.size, w.buf = w.disk, w.buf[:0]
	if terr := w.f.Truncate(w.disk); terr != nil {
		err = errors.Join(err, fmt.Errorf("truncate to last whole tag: %w", terr))
	}
	w.err = err
	return err
}

// Size returns the file size so far, buffered tags included.
func (w *flvWriter) Size() int64 { return w.size }

// Close flushes, patches the onMetaData tag and the header's track flags
// in place, and closes the file (which releases a record_lock lock). A
// file already ended by a write error is still patched to describe what
// it holds; that error is not returned again.
func (w *flvWriter) Close() error {
	var err error
	if w.err == nil {
		err = w.Flush()
	}
	err = errors.Join(err, w.patch())
	if w.o.fsync && err == nil && w.err == nil {
		err = w.f.Datasync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("close %q: %w", w.f.Name(), err)
	}
	return nil
}
