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

// Packet is one transport packet's header and payload.
type Packet struct {
	PID    uint16
	Start  bool // payload_unit_start_indicator
	Random bool // random_access_indicator
	// Reserved: adaptation_field_control is the reserved value 0, so the
	// packet has no payload; a reader may take it for damage.
	Reserved bool
	Payload  []byte
}

// ParsePacket reads a 188-byte packet; false when it is not one (no sync
// byte, or an adaptation field past its end).
func ParsePacket(b []byte) (Packet, bool) {
	if len(b) < PacketSize || b[0] != sync {
		return Packet{}, false
	}
	p := Packet{PID: uint16(b[1]&0x1f)<<8 | uint16(b[2]), Start: b[1]&0x40 != 0}
	body := b[4:PacketSize]
	switch control := b[3] >> 4 & 3; control {
	case 0:
		p.Reserved = true
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
		if control == 3 {
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
}

// NewReader reads the size bytes of r; buf, when not nil, is a buffer
// of an earlier Reader to use again (see Buffer).
func NewReader(r io.ReaderAt, size int64, buf []byte) *Reader {
	return &Reader{r: r, size: size, buf: buf}
}

// Buffer is the reader's buffer, for a later NewReader.
func (pr *Reader) Buffer() []byte { return pr.buf }

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
	pk, ok := ParsePacket(pr.buf[i : i+PacketSize])
	if !ok {
		return Packet{}, 0, false, nil
	}
	pr.off += PacketSize
	return pk, at, true, nil
}
