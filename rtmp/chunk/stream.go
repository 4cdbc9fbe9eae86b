package chunk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// stream is the state of one incoming chunk stream: the last header (the
// base for compressed headers), the 64-bit timeline and the reassembly
// buffer: its own (reused, at most ownMax bytes) or, for a larger message,
// one borrowed from the pool until the message has been consumed.
type stream struct {
	csid    uint32
	typ     uint8
	sid     uint32
	length  uint32
	field   uint32  // last timestamp field: absolute (fmt 0) or delta (fmt 1/2), after extension
	ext     bool    // the last fmt 0/1/2 header used the extended timestamp
	started bool    // a message has started on this stream (the timeline has a base)
	tl      int64   // timestamp of the current (or last) message on the 64-bit timeline; below 0 after a step back past the start
	open    bool    // a message has started (its first chunk header was read) and is not complete
	have    uint32  // payload bytes of the current message received so far
	since   int64   // the Reader's clock when the current message started
	buf     []byte  // the buffer in use: own or *big
	own     []byte  // kept between messages
	big     *[]byte // borrowed from the pool; nil when none
}

// readChunk reads one chunk. It returns the stream when the chunk
// completed a message, nil when more chunks are needed.
func (r *Reader) readChunk() (*stream, error) {
	b, err := r.br.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) && r.partials == 0 {
			return nil, io.EOF
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("chunk: read basic header: %w", err)
	}
	r.n++
	f, csid := b>>6, uint32(b&0x3F)
	switch csid {
	case 0: // 2-byte form: 64..319
		if err := r.readFull(r.hdr[:1], "basic header"); err != nil {
			return nil, err
		}
		csid = 64 + uint32(r.hdr[0])
	case 1: // 3-byte form: 64..65599, little-endian
		if err := r.readFull(r.hdr[:2], "basic header"); err != nil {
			return nil, err
		}
		csid = 64 + uint32(r.hdr[0]) + uint32(r.hdr[1])<<8
	}
	st, err := r.streamFor(csid, f)
	if err != nil {
		return nil, err
	}
	if err := r.readHeader(st, f); err != nil {
		return nil, err
	}
	return r.readPayload(st)
}

// headerLen is the message header size of each fmt.
var headerLen = [4]int{11, 7, 3, 0}

// readHeader reads the message header of a chunk and, on the first chunk of
// a message, moves the stream's timeline.
func (r *Reader) readHeader(st *stream, f byte) error {
	if f < 3 && st.open {
		// A full header in the middle of a message: the peer gave up on the
		// partial one without an Abort. Treat it as an implicit Abort rather
		// than splicing two messages together.
		r.dropPartial(st)
	}
	h := r.hdr[:headerLen[f]]
	if err := r.readFull(h, "message header"); err != nil {
		return err
	}
	if f < 3 {
		st.field = uint32(h[0])<<16 | uint32(h[1])<<8 | uint32(h[2])
		if f < 2 {
			st.length = uint32(h[3])<<16 | uint32(h[4])<<8 | uint32(h[5])
			st.typ = h[6]
		}
		if f == 0 {
			st.sid = binary.LittleEndian.Uint32(h[7:11])
		}
		st.ext = st.field == 0xFFFFFF
		if st.ext {
			if err := r.readFull(r.hdr[:4], "extended timestamp"); err != nil {
				return err
			}
			st.field = binary.BigEndian.Uint32(r.hdr[:4])
		}
	} else if st.ext {
		if err := r.skipRepeatedExt(st); err != nil {
			return err
		}
	}
	if !st.open {
		r.advance(st, f)
		if st.length > r.maxMessage {
			return fmt.Errorf("chunk: csid %d: message of %d bytes over limit %d: %w",
				st.csid, st.length, r.maxMessage, ErrMessageTooLarge)
		}
	}
	return nil
}

// skipRepeatedExt handles the extended timestamp on a fmt 3 chunk, which
// peers disagree on. The spec and ffmpeg, FMLE, librtmp and OBS repeat the 4
// bytes on every fmt 3 chunk of a stream whose last header was extended;
// go-rtmp (and some other Go and JS stacks) never write them. The bytes
// cannot be told apart from payload by position, so, as nginx-rtmp and
// librtmp do, peek at the next 4 bytes and consume them only if they equal
// the stored extended value. A non-repeating peer whose payload happens to
// start with exactly those 4 bytes is misread (one chance in 2^32 per chunk).
// If fewer than 4 bytes remain in the message, the peek may wait for the
// next chunk's bytes; a publisher always sends more, so that only delays.
func (r *Reader) skipRepeatedExt(st *stream) error {
	p, err := r.br.Peek(4)
	if err != nil {
		// Too few bytes left before EOF: they can only be payload; let the
		// payload read report the truncation.
		return nil
	}
	if binary.BigEndian.Uint32(p) == st.field {
		_, _ = r.br.Discard(4)
		r.n += 4
	}
	return nil
}

// advance moves the 64-bit timeline for a new message.
//
// The wire carries 32-bit values and, as the specification and nginx-rtmp
// read them, all timestamp arithmetic is modulo 2^32: fmt 0 carries an
// absolute timestamp, fmt 1 and 2 a delta added to the previous timestamp
// modulo 2^32, and fmt 3 on a new message repeats the last field as such a
// delta. After fmt 0 that is the absolute value itself, as the spec says
// ("a Type 3 chunk may follow a Type 0 when the delta equals the first
// timestamp") and as ffmpeg's and SRS's writers and readers assume; nginx
// and go-rtmp's reader use a zero delta there instead, go-rtmp's writer
// agrees with the spec for its first message on a stream, the only common
// case. So a delta of 0xFFFFFFF6 from a librtmp-based publisher (audio a
// few ms older than the video before it, on one chunk stream) is a 10 ms
// step back, not a 49.7-day jump.
//
// The new 32-bit timestamp is then placed on the 64-bit timeline at the
// nearest point to the previous one (see step), so a stream that runs for
// longer than 2^32 ms keeps growing instead of wrapping.
func (r *Reader) advance(st *stream, f byte) {
	if !st.started {
		st.tl, st.started = int64(st.field), true
		return
	}
	t := st.field
	if f != 0 {
		t += uint32(st.tl) // modulo 2^32
	}
	st.tl += step(uint32(st.tl), t)
}

// step is the signed distance from the 32-bit timestamp prev to t: the
// difference modulo 2^32, read as a step back when it is more than 2^31.
func step(prev, t uint32) int64 {
	d := int64(t - prev)
	if d > 1<<31 {
		d -= 1 << 32
	}
	return d
}

// timestamp is the message timestamp the Reader reports: the timeline,
// where a step back before the stream's first timestamp stops at 0.
func (st *stream) timestamp() uint64 { return uint64(max(st.tl, 0)) }

// readPayload reads this chunk's share of the message into the stream's
// buffer. The buffer grows only as bytes actually arrive (in doubling
// steps), so a header announcing a large message, even with a huge chunk
// size, costs memory only for what the peer really sends. A message is
// open from its first chunk header until its last byte, and its bytes are
// counted in PartialBytes read by read, so a message trickled in one huge
// chunk is seen too.
func (r *Reader) readPayload(st *stream) (*stream, error) {
	end := st.have + min(st.length-st.have, r.chunkSize)
	if !st.open {
		if st.length > uint32(cap(st.buf)) {
			st.borrow()
		}
		st.open, st.since = true, r.clock
		r.partials++
	}
	for st.have < end {
		if uint32(cap(st.buf)) <= st.have {
			st.grow(st.have)
		}
		seg := min(end, uint32(cap(st.buf)))
		st.buf = st.buf[:seg]
		n, err := r.br.Read(st.buf[st.have:seg])
		r.n += uint64(n)
		r.held += n
		st.have += uint32(n)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("chunk: read chunk payload: %w", err)
		}
	}
	if end < st.length {
		return nil, nil
	}
	r.held -= int(st.have)
	r.partials--
	st.open, st.have = false, 0
	return st, nil
}

// grow enlarges the buffer beyond pos bytes, keeping buf[:pos]: doubling,
// at least 4 KiB, never past the message length. Up to ownMax the stream
// keeps the buffer; beyond, it takes a pooled buffer for the whole message
// when one is free, else allocates the next doubling step (rounded to its
// pool class), so memory still follows the bytes actually received.
func (st *stream) grow(pos uint32) {
	c := max(2*uint32(cap(st.buf)), 4096)
	c = max(min(c, st.length), pos+1)
	if c <= ownMax {
		nb := make([]byte, pos, c)
		copy(nb, st.buf[:pos])
		st.buf, st.own = nb, nb
		return
	}
	b := pooled(st.length)
	if b == nil {
		b = newPooled(c)
	}
	nb := (*b)[:pos]
	copy(nb, st.buf[:pos])
	if st.big != nil {
		recycle(st.big)
	}
	st.big, st.buf = b, nb
}

// borrow takes a pooled buffer for a new message longer than the current
// buffer, when one is free: no copy, no allocation.
func (st *stream) borrow() {
	if st.length <= ownMax {
		return
	}
	if b := pooled(st.length); b != nil {
		if st.big != nil {
			recycle(st.big)
		}
		st.big, st.buf = b, (*b)[:0]
	}
}

// release gives a borrowed buffer back; the message it held must be
// consumed or abandoned.
func (st *stream) release() {
	if st.big != nil {
		recycle(st.big)
		st.big, st.buf = nil, st.own
	}
}
