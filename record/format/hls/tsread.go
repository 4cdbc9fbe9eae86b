package hls

import (
	"errors"
	"fmt"
	"io"
)

// A minimal reader of MPEG-TS segments for crash repair: it walks the
// transport packets (ISO/IEC 13818-1, 2.4.3.2), finds where each PES
// packet starts and ends and reads its PTS/DTS (2.4.3.6). It shares no
// code with the packetizer (tspes.go): a torn file is input we did not
// just write, and a reader that mirrored the writer would share its
// mistakes.

// tsPES is one PES packet of a segment.
type tsPES struct {
	pid        uint16
	sid        byte  // PES stream_id: 0xe0-0xef video, 0xc0-0xdf audio, 0xbd private (Opus)
	start, end int64 // offset of its first transport packet; end of its last
	ts         int64 // its DTS, or PTS without one (90 kHz); -1 none
	length     int64 // PES_packet_length (0: unbounded)
	got        int64 // payload bytes read after the length field
	complete   bool  // the next PES of its PID starts, or length bytes came
}

func (p *tsPES) video() bool { return p.sid&0xf0 == 0xe0 }

// audio: an MPEG audio stream, or private_stream_1, which carries Opus
// (and AC-3) in MPEG-TS.
func (p *tsPES) audio() bool { return p.sid&0xe0 == 0xc0 || p.sid == 0xbd }

// tsScan is what readTS found: the PES packets in the order they start,
// and where the whole, well-formed transport packets end.
type tsScan struct {
	pes   []tsPES
	whole int64
}

// maxTSPES bounds the PES packets read from one segment (a 6 s segment
// holds a few hundred), so a hostile file cannot make repair hoard
// memory: what follows is read as a torn tail.
const maxTSPES = 1 << 17

// readTS reads the transport packets of r (size bytes) up to the first
// packet that is cut short or lost its sync byte: the crash's tail. Only
// a failed read is an error.
func readTS(r io.ReaderAt, size int64) (*tsScan, error) {
	s := &tsScan{}
	open := map[uint16]int{} // PID -> index in s.pes of its last PES
	buf := make([]byte, 348*tsPacketSize)
	for off := int64(0); off+tsPacketSize <= size; {
		n := min(int64(len(buf)), (size-off)/tsPacketSize*tsPacketSize)
		if _, err := r.ReadAt(buf[:n], off); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read at %d: %w", off, err)
		}
		for i := int64(0); i < n; i += tsPacketSize {
			if !s.packet(buf[i:i+tsPacketSize], off+i, open) {
				return s, nil
			}
			s.whole = off + i + tsPacketSize
		}
		off += n
	}
	return s, nil
}

// packet reads one transport packet at off; false: it is not one, the
// segment's readable part ends before it.
func (s *tsScan) packet(b []byte, off int64, open map[uint16]int) bool {
	if b[0] != tsSync || len(s.pes) == maxTSPES {
		return false
	}
	pusi, pid, control := b[1]&0x40 != 0, uint16(b[1]&0x1f)<<8|uint16(b[2]), b[3]>>4&3
	payload := 4
	if control&2 != 0 {
		payload += 1 + int(b[4])
	}
	if control == 0 || payload > tsPacketSize {
		return false // reserved adaptation_field_control, or a field past the packet
	}
	if control&1 == 0 {
		payload = tsPacketSize // no payload
	}
	pay := b[payload:]
	if pusi && len(pay) >= 6 && pay[0] == 0 && pay[1] == 0 && pay[2] == 1 {
		if i, ok := open[pid]; ok {
			s.pes[i].complete = true
		}
		open[pid] = len(s.pes)
		p := tsPES{pid: pid, sid: pay[3], start: off, ts: pesTimestamp(pay), length: int64(pay[4])<<8 | int64(pay[5])}
		p.got = -6 // the start code, stream_id and length field come before what the length counts
		s.pes = append(s.pes, p)
	} else if pusi {
		delete(open, pid) // a table section on this PID: not a PES stream
	}
	if i, ok := open[pid]; ok && len(pay) > 0 {
		p := &s.pes[i]
		p.got += int64(len(pay))
		p.end = off + tsPacketSize
		if p.length > 0 && p.got >= p.length {
			p.complete = true
			delete(open, pid)
		}
	}
	return true
}

// pesTimestamp reads the DTS of a PES packet starting in b (its PTS
// when it has no DTS); -1 when the header has neither or does not fit.
func pesTimestamp(b []byte) int64 {
	if len(b) < 9 || b[6]&0xc0 != 0x80 {
		return -1 // not an MPEG-2 PES header (or a stream without one)
	}
	flags, hlen := b[7]>>6, int(b[8])
	switch {
	case flags == 2 && hlen >= 5 && len(b) >= 14:
		return readTimestamp(b[9:14])
	case flags == 3 && hlen >= 10 && len(b) >= 19:
		return readTimestamp(b[14:19])
	}
	return -1
}

// readTimestamp reads a 33-bit PES timestamp from its 5 bytes (marker
// bits ignored).
func readTimestamp(b []byte) int64 {
	return int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}
