package tsread

import (
	"errors"
	"fmt"
	"io"
)

const (
	// PacketSize is the size of a transport packet.
	PacketSize = 188
	sync       = 0x47
	// chunk is how much of a segment one read brings in: whole packets.
	chunk = 348 * PacketSize
)

// Packet is one transport packet's header and payload. It has four
// fields: a fifth makes the Go compiler return it through memory, and
// ParsePacket, which runs for every packet, 6 times slower.
type Packet struct {
	PID     uint16
	Start   bool // payload_unit_start_indicator
	Random  bool // random_access_indicator
	Payload []byte
}

// ParsePacket reads a 188-byte packet; false when it is not one (no sync
// byte, or an adaptation field past its end).
func ParsePacket(b []byte) (Packet, bool) {
	if len(b) < PacketSize || b[0] != sync {
		return Packet{}, false
	}
	p := Packet{PID: uint16(b[1]&0x1f)<<8 | uint16(b[2]), Start: b[1]&0x40 != 0}
	body := b[4:PacketSize]
	switch b[3] >> 4 & 3 {
	case 0: // reserved: no payload (see Reader.EndAtReserved)
		return p, true
	case 1:
		p.Payload = body
	case 2, 3:
		n := int(body[0])
		if n > len(body)-1 {
			return Packet{}, false
		}
		if n > 0 {
			p.Random = body[1]&0x40 != 0
		}
		if b[3]>>4&3 == 3 {
			p.Payload = body[1+n:]
		}
	}
	return p, true
}

// Reader reads a segment's packets in order through a buffer.
type Reader struct {
	r        io.ReaderAt
	size     int64 // the segment's bytes
	off      int64 // of the next packet
	buf      []byte
	bufStart int64
	bufLen   int
	strict   bool // see EndAtReserved
}

// NewReader reads the size bytes of r.
func NewReader(r io.ReaderAt, size int64) *Reader {
	return &Reader{r: r, size: size}
}

// Reset makes the reader read the size bytes of r from their start,
// keeping its buffer: one Reader reads the segments of a recording one
// after the other.
func (pr *Reader) Reset(r io.ReaderAt, size int64) {
	*pr = Reader{r: r, size: size, buf: pr.buf, strict: pr.strict}
}

// Release lets the reader's buffer go.
func (pr *Reader) Release() { *pr = Reader{} }

// EndAtReserved makes a packet whose adaptation_field_control is the
// reserved value end what Next reads, as bytes that are not a packet
// do: crash repair keeps only what is surely whole.
func (pr *Reader) EndAtReserved() { pr.strict = true }

// Reads says whether the reader reads r.
func (pr *Reader) Reads(r io.ReaderAt) bool { return pr.r == r }

// MoveTo makes off the offset of the next packet read.
func (pr *Reader) MoveTo(off int64) { pr.off = off }

// Next returns the next packet and its offset; false at the end of the
// segment or at bytes that are not a packet (what follows is not read).
// The packet's payload is valid until the next call.
func (pr *Reader) Next() (Packet, int64, bool, error) {
	if pr.off+PacketSize > pr.size {
		return Packet{}, 0, false, nil
	}
	if pr.off < pr.bufStart || pr.off+PacketSize > pr.bufStart+int64(pr.bufLen) {
		if pr.buf == nil {
			pr.buf = make([]byte, chunk)
		}
		n := int(min(int64(len(pr.buf)), pr.size-pr.off))
		if _, err := pr.r.ReadAt(pr.buf[:n], pr.off); err != nil && !errors.Is(err, io.EOF) {
			return Packet{}, 0, false, fmt.Errorf("mpegts: read at %d: %w", pr.off, err)
		}
		pr.bufStart, pr.bufLen = pr.off, n
	}
	at := pr.off
	i := int(at - pr.bufStart)
	b := pr.buf[i : i+PacketSize]
	pk, ok := ParsePacket(b)
	if !ok || pr.strict && b[3]&0x30 == 0 {
		return Packet{}, 0, false, nil
	}
	pr.off += PacketSize
	return pk, at, true, nil
}
