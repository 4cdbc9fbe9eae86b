package tsread

import (
	"errors"
	"fmt"
)

// MaxPES bounds one PES packet collected into memory: a frame larger
// than this is damage, not video.
const MaxPES = 64 << 20

// ErrDamaged: bytes that cannot be the PES packet asked for.
var ErrDamaged = errors.New("mpegts: damaged")

// StartsPES says whether a payload starts with a PES packet's start code
// and length field (a unit start without them is a table section).
func StartsPES(payload []byte) bool {
	return len(payload) >= 6 && payload[0] == 0 && payload[1] == 0 && payload[2] == 1
}

// Header is what a PES header says.
type Header struct {
	PTS, DTS int64 // 90 kHz, 33 bits
	Length   int   // payload bytes announced; -1: unbounded
	Body     int   // where the payload starts
}

// ParsePES reads the header of a collected PES packet; false without one
// or without a PTS.
func ParsePES(b []byte) (Header, bool) {
	if len(b) < 9 || b[0] != 0 || b[1] != 0 || b[2] != 1 {
		return Header{}, false
	}
	pts, dts, ok := Times(b)
	hlen := int(b[8])
	h := Header{PTS: pts, DTS: dts, Body: 9 + hlen, Length: -1}
	if !ok || h.Body > len(b) {
		return Header{}, false
	}
	if n := int(b[4])<<8 | int(b[5]); n > 0 {
		if h.Length = n - 3 - hlen; h.Length < 0 {
			return Header{}, false
		}
	}
	return h, true
}

// Times reads the PTS and DTS (the PTS again without one) of the PES
// header at the start of b, whose start code is not checked; false when
// it is not an MPEG-2 PES header with a PTS (a stream without one), or
// its timestamps are not all in b.
func Times(b []byte) (pts, dts int64, ok bool) {
	if len(b) < 9 || b[6]&0xc0 != 0x80 {
		return 0, 0, false
	}
	flags, hlen := b[7]>>6, int(b[8])
	switch {
	case flags == 2 && hlen >= 5 && len(b) >= 14:
		pts = timestamp(b[9:14])
		return pts, pts, true
	case flags == 3 && hlen >= 10 && len(b) >= 19:
		return timestamp(b[9:14]), timestamp(b[14:19]), true
	}
	return 0, 0, false
}

// timestamp reads a 33-bit PES timestamp from its 5 bytes (marker bits
// ignored).
func timestamp(b []byte) int64 {
	return int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

// Payload is the PES packet's elementary stream bytes; false when it is
// shorter than its header announces (a torn packet).
func (h Header) Payload(b []byte) ([]byte, bool) {
	b = b[h.Body:]
	if h.Length >= 0 {
		if h.Length > len(b) {
			return nil, false
		}
		b = b[:h.Length]
	}
	return b, true
}

// Unit is one PES packet collected from a segment's packets read in
// order. The rule of where it ends, the same for every reader: at the
// next packet of its PID that starts a unit (the caller sees it and
// begins the next Unit), once its PES_packet_length bytes came (Whole),
// or at the segment's end or the first bytes that are not a packet.
type Unit struct {
	At, End int64  // offset of its first transport packet; end of its last with payload
	Random  bool   // its first packet's random_access_indicator
	Data    []byte // its bytes, when collected with keep

	keep bool
	want int64 // 6 + PES_packet_length: its bytes; 0: unbounded
	got  int64 // its bytes that came
}

// Begin starts the unit at pk, the packet at off that starts it. With
// keep its bytes are gathered in Data (the room of its last Data used
// again).
func (u *Unit) Begin(pk Packet, off int64, keep bool) {
	*u = Unit{At: off, End: off, Random: pk.Random, Data: u.Data[:0], keep: keep}
	if p := pk.Payload; len(p) >= 6 {
		if n := int64(p[4])<<8 | int64(p[5]); n > 0 {
			u.want = 6 + n
		}
	}
	u.got = int64(len(pk.Payload))
	if len(pk.Payload) > 0 {
		u.End = off + PacketSize
		if keep {
			u.Data = append(u.Data, pk.Payload...)
		}
	}
}

// Add adds pk, a later packet of the unit's PID at off that does not
// start a unit; an error when keeping its bytes would pass MaxPES.
func (u *Unit) Add(pk Packet, off int64) error {
	if len(pk.Payload) == 0 {
		return nil
	}
	if u.keep {
		if len(u.Data)+len(pk.Payload) > MaxPES {
			return fmt.Errorf("%w: PES packet over %d bytes", ErrDamaged, MaxPES)
		}
		u.Data = append(u.Data, pk.Payload...)
	}
	u.got += int64(len(pk.Payload))
	u.End = off + PacketSize
	return nil
}

// Whole says whether the unit's PES_packet_length bytes all came: it
// ends here, and later packets of its PID until the next unit start are
// not its.
func (u *Unit) Whole() bool { return u.want > 0 && u.got >= u.want }

// Gather collects into dst the PES packet whose first transport packet
// is at off, by Unit's rule, reading with pr from there. It returns the
// packet's bytes and its PID.
func Gather(pr *Reader, off int64, dst []byte) ([]byte, uint16, error) {
	pr.MoveTo(off)
	pk, _, ok, err := pr.Next()
	if err != nil {
		return nil, 0, err
	}
	if !ok || !pk.Start {
		return nil, 0, fmt.Errorf("%w: no PES packet at %d", ErrDamaged, off)
	}
	pid := pk.PID
	u := Unit{Data: dst}
	u.Begin(pk, off, true)
	for !u.Whole() {
		pk, at, ok, err := pr.Next()
		if err != nil {
			return nil, 0, err
		}
		if !ok || pk.PID == pid && pk.Start {
			break
		}
		if pk.PID == pid {
			if err := u.Add(pk, at); err != nil {
				return nil, 0, err
			}
		}
	}
	return u.Data, pid, nil
}
