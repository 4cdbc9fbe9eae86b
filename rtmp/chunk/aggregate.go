package chunk

import (
	"encoding/binary"
	"fmt"
)

// aggregate walks the sub-messages of an aggregate message (type 22). Each
// sub-message is laid out like an FLV tag: an 11-byte header (type, 24-bit
// size, 24-bit timestamp plus an 8-bit extension, 24-bit stream ID), the
// body, then a 4-byte back pointer. The data aliases the chunk stream's
// reassembly buffer, which stays untouched until every sub-message has been
// returned because the Reader reads no chunk meanwhile.
type aggregate struct {
	data     []byte
	off      int
	csid     uint32
	sid      uint32
	base     uint64 // aggregate message timestamp
	first    uint32 // timestamp of the first sub-message
	hasFirst bool
}

func (a *aggregate) pending() bool { return a.data != nil }

func (a *aggregate) start(m *Message) {
	*a = aggregate{data: m.Payload[:len(m.Payload):len(m.Payload)], csid: m.CSID, sid: m.StreamID, base: m.Timestamp}
	if len(a.data) == 0 {
		a.data = nil
	}
}

// aggHeader is the size of a sub-message header; aggBack of its back pointer.
const (
	aggHeader = 11
	aggBack   = 4
)

// nextSub returns the next sub-message, or nil when the aggregate is done.
// Sub-message timestamps keep their spacing but are moved onto the
// aggregate's timeline: aggregate timestamp + (sub − first sub), as
// nginx-rtmp and FMS do. A malformed sub-message ends the aggregate with
// ErrBadAggregate.
func (r *Reader) nextSub() (*Message, error) {
	a := &r.agg
	rest := a.data[a.off:]
	if len(rest) == 0 {
		a.data = nil
		return nil, nil
	}
	if len(rest) < aggHeader {
		return nil, a.fail("%d trailing bytes", len(rest))
	}
	typ := rest[0]
	size := int(rest[1])<<16 | int(rest[2])<<8 | int(rest[3])
	ts := uint32(rest[4])<<16 | uint32(rest[5])<<8 | uint32(rest[6]) | uint32(rest[7])<<24
	switch typ {
	case TypeAudio, TypeVideo, TypeDataAMF0:
	default:
		return nil, a.fail("sub-message type %d", typ)
	}
	if size > len(rest)-aggHeader {
		return nil, a.fail("sub-message of %d bytes in %d", size, len(rest)-aggHeader)
	}
	next := aggHeader + size
	// The back pointer is skipped, not checked: nginx-rtmp ignores its
	// value too. Only the last one may be left out.
	switch left := len(rest) - next; {
	case left >= aggBack:
		next += aggBack
	case left != 0:
		return nil, a.fail("truncated back pointer")
	}
	if !a.hasFirst {
		a.first, a.hasFirst = ts, true
	}
	d := int64(int32(ts - a.first))
	t := int64(a.base) + d
	if t < 0 {
		t = 0
	}
	a.off += next
	m := &r.msg
	*m = Message{CSID: a.csid, Type: typ, StreamID: a.sid, Timestamp: uint64(t),
		Payload: rest[aggHeader : aggHeader+size : aggHeader+size]}
	return m, nil
}

func (a *aggregate) fail(format string, args ...any) error {
	a.data = nil
	return fmt.Errorf("chunk: csid %d: %s: %w", a.csid, fmt.Sprintf(format, args...), ErrBadAggregate)
}

// AppendAggregateSub appends one sub-message in aggregate (type 22) layout
// to dst: FLV-style tag header, body, back pointer. The test client uses it
// to build aggregates.
func AppendAggregateSub(dst []byte, typ uint8, timestamp uint32, streamID uint32, body []byte) []byte {
	var h [aggHeader]byte
	h[0] = typ
	putUint24(h[1:], uint32(len(body)))
	putUint24(h[4:], timestamp&0xFFFFFF)
	h[7] = byte(timestamp >> 24)
	putUint24(h[8:], streamID)
	dst = append(dst, h[:]...)
	dst = append(dst, body...)
	return binary.BigEndian.AppendUint32(dst, uint32(aggHeader+len(body)))
}

func putUint24(b []byte, v uint32) {
	b[0], b[1], b[2] = byte(v>>16), byte(v>>8), byte(v)
}
