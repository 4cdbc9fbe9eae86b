package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// chunkLen bounds each allocation step while reading a tag body from a
// reader of unknown size: a lying size field costs at most the bytes that
// really arrive, plus one step.
const chunkLen = 64 << 10

// Reader reads an FLV stream tag by tag. It is strict in the same way as
// Decode. After the first error every call returns that error again.
type Reader struct {
	r      io.Reader
	off    int64 // bytes consumed so far
	remain int64 // bytes left in the input, or -1 when unknown
	hdr    Header
	hdrOK  bool
	err    error
}

// NewReader returns a Reader over r. When r reports its remaining length
// (bytes.Reader, strings.Reader, bytes.Buffer), oversized tags are rejected
// before any allocation; otherwise allocation follows the bytes that arrive.
func NewReader(r io.Reader) *Reader {
	if l, ok := r.(interface{ Len() int }); ok {
		return newSizedReader(r, int64(l.Len()))
	}
	return &Reader{r: r, remain: -1}
}

func newSizedReader(r io.Reader, size int64) *Reader {
	return &Reader{r: r, remain: size}
}

// Header reads and checks the file header and PreviousTagSize0. It may be
// called more than once; Next calls it when needed.
func (r *Reader) Header() (Header, error) {
	if r.hdrOK || r.err != nil {
		return r.hdr, r.err
	}
	var b [headerLen]byte
	if n, err := r.readFull(b[:]); err != nil {
		return Header{}, r.fail(r.tornErr(0, n, err, "the 9-byte file header"))
	}
	h := Header{Version: b[3], Flags: b[4], DataOffset: binary.BigEndian.Uint32(b[5:])}
	if err := checkHeader(b[:3], h); err != nil {
		return Header{}, r.fail(err)
	}
	if skip := int64(h.DataOffset) - headerLen; skip > 0 {
		n, err := io.CopyN(io.Discard, r.r, skip)
		r.off += n
		if err != nil {
			return Header{}, r.fail(r.tornErr(0, int(headerLen+n), err, "the header's DataOffset"))
		}
	}
	var p [backPtrLen]byte
	if n, err := r.readFull(p[:]); err != nil {
		return Header{}, r.fail(r.tornErr(r.off-int64(n), n, err, "PreviousTagSize0"))
	}
	if v := binary.BigEndian.Uint32(p[:]); v != 0 {
		return Header{}, r.fail(corrupt(r.off-backPtrLen, "PreviousTagSize0 is %d, want 0", v))
	}
	r.hdr, r.hdrOK = h, true
	return h, nil
}

func checkHeader(sig []byte, h Header) error {
	switch {
	case string(sig) != "FLV":
		return corrupt(0, "signature %q, want \"FLV\"", sig)
	case h.Version != 1:
		return corrupt(3, "version %d, want 1", h.Version)
	case h.Flags&^(FlagAudio|FlagVideo) != 0:
		return corrupt(4, "reserved header flag bits set: %#02x", h.Flags)
	case h.DataOffset < headerLen:
		return corrupt(5, "DataOffset %d, want at least 9", h.DataOffset)
	}
	return nil
}

// Next returns the next tag, or io.EOF when the input ends exactly after a
// PreviousTagSize.
func (r *Reader) Next() (*Tag, error) {
	if _, err := r.Header(); err != nil {
		return nil, err
	}
	start := r.off
	var b [tagHeaderLen]byte
	n, err := r.readFull(b[:])
	if n == 0 && err == io.EOF {
		return nil, io.EOF // not sticky on purpose: EOF is not a failure
	}
	if err != nil {
		return nil, r.fail(r.tornErr(start, n, err, "an 11-byte tag header"))
	}
	t, size, err := parseTagHeader(b[:], start)
	if err != nil {
		return nil, r.fail(err)
	}
	if r.remain >= 0 && int64(size)+backPtrLen > r.remain-r.off {
		return nil, r.fail(fmt.Errorf("%w: %d trailing bytes at offset %d, shorter than a %d-byte tag",
			ErrTruncated, r.remain-start, start, tagHeaderLen+size+backPtrLen))
	}
	if t.Data, err = r.readData(int(size)); err != nil {
		return nil, r.fail(r.tornErr(start, int(r.off-start), err, fmt.Sprintf("a %d-byte tag", tagHeaderLen+size+backPtrLen)))
	}
	var p [backPtrLen]byte
	if n, err := r.readFull(p[:]); err != nil {
		return nil, r.fail(r.tornErr(start, int(r.off-start), err, fmt.Sprintf("a %d-byte tag (PreviousTagSize has %d of 4 bytes)", tagHeaderLen+size+backPtrLen, n)))
	}
	if v := binary.BigEndian.Uint32(p[:]); v != tagHeaderLen+size {
		return nil, r.fail(corrupt(r.off-backPtrLen, "PreviousTagSize %d after tag at offset %d, want %d", v, start, tagHeaderLen+size))
	}
	return t, nil
}

// parseTagHeader checks an 11-byte tag header found at offset off.
func parseTagHeader(b []byte, off int64) (*Tag, uint32, error) {
	typ := b[0]
	size := uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	t := &Tag{
		Type:      typ & 0x1f,
		Timestamp: uint32(b[7])<<24 | uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6]),
		StreamID:  uint32(b[8])<<16 | uint32(b[9])<<8 | uint32(b[10]),
		Offset:    off,
	}
	switch {
	case typ&0x20 != 0:
		return nil, 0, corrupt(off, "tag has the filter (encryption) bit set: type byte %#02x", typ)
	case typ&0xc0 != 0:
		return nil, 0, corrupt(off, "tag has reserved type bits set: type byte %#02x", typ)
	case t.Type != TagAudio && t.Type != TagVideo && t.Type != TagScript:
		return nil, 0, corrupt(off, "unknown tag type %d", t.Type)
	case t.StreamID != 0:
		return nil, 0, corrupt(off, "tag stream id %d, want 0", t.StreamID)
	case size == 0:
		return nil, 0, corrupt(off, "empty %s tag", typeName(t.Type))
	}
	return t, size, nil
}

// readData reads n bytes, growing the buffer step by step so that memory
// follows the bytes that actually arrive.
func (r *Reader) readData(n int) ([]byte, error) {
	if r.remain >= 0 { // size already checked against what remains
		buf := make([]byte, n)
		_, err := r.readFull(buf)
		return buf, err
	}
	var buf []byte
	for len(buf) < n {
		step := min(n-len(buf), chunkLen)
		buf = slices.Grow(buf, step)[:len(buf)+step]
		if _, err := r.readFull(buf[len(buf)-step:]); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func (r *Reader) readFull(b []byte) (int, error) {
	n, err := io.ReadFull(r.r, b)
	r.off += int64(n)
	return n, err
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}

// tornErr turns a short read of something starting at offset start, of which
// n bytes arrived, into an ErrTruncated error; other I/O errors pass through.
func (r *Reader) tornErr(start int64, n int, err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %d trailing bytes at offset %d, shorter than %s", ErrTruncated, n, start, what)
	}
	return fmt.Errorf("flv: read at offset %d: %w", r.off, err)
}

func corrupt(off int64, format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", ErrCorrupt, off, fmt.Sprintf(format, args...))
}

func typeName(t uint8) string {
	switch t {
	case TagAudio:
		return "audio"
	case TagVideo:
		return "video"
	case TagScript:
		return "script"
	}
	return fmt.Sprintf("type-%d", t)
}
