package hls

import "io"

// MPEG-TS packetization of PES packets (ISO/IEC 13818-1, 2.4.3.2 and
// 2.4.3.6), ours rather than mediacommon's writer for the media: that
// writer (through astits) builds every packet bit by bit and allocates
// a copy of each access unit, which made MPEG-TS segments cost 4-5
// times an FLV file's CPU. Here a frame's bytes are copied once, into
// whole packets in a write buffer, with no allocation. The program
// tables still come from mediacommon (tsseg.go), which knows each
// codec's stream type and descriptors.

const (
	tsPacketSize  = 188
	tsPayloadSize = tsPacketSize - 4 // after the 4-byte packet header
	tsSync        = 0x47
	// tsBuffer is the write buffer of a segment file: whole packets reach
	// the file in writes of about 64 KiB.
	tsBuffer = 348 * tsPacketSize
)

// pesStream is the packetizer's state of one elementary stream.
type pesStream struct {
	pid uint16
	sid byte // the PES stream_id
	cc  byte // continuity counter of the stream's next packet
}

// pesPacket is what a PES packet says besides its payload.
type pesPacket struct {
	pts, dts int64 // 90 kHz; dts == pts writes the PTS alone
	pcr      int64 // program clock (27 MHz base / 300) in the first packet; < 0: none
	random   bool  // random_access_indicator: a key frame, or audio
}

// tsOut gathers packets in a buffer and writes them out in large writes.
// It is also the io.Writer the program tables are written to, so tables
// and media keep their order.
type tsOut struct {
	w   io.Writer
	buf []byte
}

func newTSOut(w io.Writer) tsOut { return tsOut{w: w, buf: make([]byte, 0, tsBuffer)} }

func (o *tsOut) Write(p []byte) (int, error) {
	if len(o.buf)+len(p) > cap(o.buf) {
		if err := o.flush(); err != nil {
			return 0, err
		}
	}
	if len(p) > cap(o.buf) {
		return o.w.Write(p)
	}
	o.buf = append(o.buf, p...)
	return len(p), nil
}

// flush writes the buffered packets; the buffer is emptied even when the
// write fails (the segment is then cut back and the recording ends).
func (o *tsOut) flush() error {
	if len(o.buf) == 0 {
		return nil
	}
	_, err := o.w.Write(o.buf)
	o.buf = o.buf[:0]
	return err
}

// packet is room for the next packet at the end of the buffer.
func (o *tsOut) packet() ([]byte, error) {
	if len(o.buf)+tsPacketSize > cap(o.buf) {
		if err := o.flush(); err != nil {
			return nil, err
		}
	}
	n := len(o.buf)
	o.buf = o.buf[:n+tsPacketSize]
	return o.buf[n:], nil
}

// writePES writes one PES packet whose payload is the concatenation of
// chunks (size bytes in all) as transport packets of s: the first starts
// the unit and carries the adaptation field (PCR, random access); the
// last is padded with adaptation-field stuffing, as the standard requires
// (a PES packet never shares a transport packet).
func (o *tsOut) writePES(s *pesStream, p pesPacket, chunks [][]byte, size int) error {
	var hb [19]byte
	head := pesHeader(hb[:0], s.sid, p, size)
	src := chunkReader{cur: head, rest: chunks}
	left := len(head) + size
	for first := true; left > 0; first = false {
		pkt, err := o.packet()
		if err != nil {
			return err
		}
		af := -1 // adaptation field length (its length byte excluded); -1: none
		if first && (p.random || p.pcr >= 0) {
			af = 1 // the flags
			if p.pcr >= 0 {
				af += 6
			}
		}
		room := tsPayloadSize
		if af >= 0 {
			room -= 1 + af
		}
		if left < room { // stuffing fills the packet
			af += room - left
			room = left
		}
		n := s.header(pkt, first, af >= 0)
		if af >= 0 {
			n += adaptationField(pkt[n:], af, first, p)
		}
		src.fill(pkt[n : n+room])
		left -= room
	}
	return nil
}

// header writes the 4-byte packet header and steps the continuity counter.
func (s *pesStream) header(pkt []byte, start, adaptation bool) int {
	pkt[0] = tsSync
	pkt[1] = byte(s.pid>>8) & 0x1f
	if start {
		pkt[1] |= 0x40 // payload_unit_start_indicator
	}
	pkt[2] = byte(s.pid)
	control := byte(0x10) // payload only
	if adaptation {
		control = 0x30 // adaptation field and payload
	}
	pkt[3] = control | s.cc
	s.cc = (s.cc + 1) & 0x0f
	return 4
}

// adaptationField writes an adaptation field of length n (n == 0: the
// length byte alone, one byte of stuffing) and returns its size.
func adaptationField(b []byte, n int, first bool, p pesPacket) int {
	b[0] = byte(n)
	if n == 0 {
		return 1
	}
	var flags byte
	i := 2
	if first && p.random {
		flags |= 0x40
	}
	if first && p.pcr >= 0 {
		flags |= 0x10
		putPCR(b[2:8], p.pcr)
		i = 8
	}
	b[1] = flags
	for ; i < n+1; i++ {
		b[i] = 0xff
	}
	return n + 1
}

// putPCR writes a program_clock_reference: 33-bit base, 6 reserved bits,
// a zero 9-bit extension.
func putPCR(b []byte, base int64) {
	v := uint64(base) & (1<<33 - 1)
	b[0] = byte(v >> 25)
	b[1] = byte(v >> 17)
	b[2] = byte(v >> 9)
	b[3] = byte(v >> 1)
	b[4] = byte(v<<7) | 0x7e
	b[5] = 0
}

// pesHeader appends a PES header with the PTS (and the DTS when it
// differs). PES_packet_length is 0 (unbounded, allowed for video) when
// the packet is longer than the field can say.
func pesHeader(b []byte, sid byte, p pesPacket, size int) []byte {
	flags, hlen := byte(0x80), 5
	if p.dts != p.pts {
		flags, hlen = 0xc0, 10
	}
	n := 3 + hlen + size
	if n > 0xffff {
		n = 0
	}
	b = append(b, 0, 0, 1, sid, byte(n>>8), byte(n), 0x80, flags, byte(hlen))
	if p.dts == p.pts {
		return appendTimestamp(b, 0x2, p.pts)
	}
	b = appendTimestamp(b, 0x3, p.pts)
	return appendTimestamp(b, 0x1, p.dts)
}

// appendTimestamp appends a 33-bit PES timestamp after its 4-bit prefix,
// with its marker bits.
func appendTimestamp(b []byte, prefix byte, ts int64) []byte {
	v := uint64(ts) & (1<<33 - 1)
	return append(b,
		prefix<<4|byte(v>>29)&0x0e|1,
		byte(v>>22),
		byte(v>>14)|1,
		byte(v>>7),
		byte(v<<1)|1)
}

// chunkReader reads the concatenation of a head and chunks.
type chunkReader struct {
	cur  []byte
	rest [][]byte
}

// fill copies the next len(dst) bytes; the caller never asks past the end.
func (c *chunkReader) fill(dst []byte) {
	for len(dst) > 0 {
		for len(c.cur) == 0 {
			c.cur, c.rest = c.rest[0], c.rest[1:]
		}
		n := copy(dst, c.cur)
		dst, c.cur = dst[n:], c.cur[n:]
	}
}
