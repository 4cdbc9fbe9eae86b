package playback

import (
	"fmt"
	"io"
)

// MPEG-TS demultiplexing (ISO/IEC 13818-1) of the segments of an HLS
// recording: transport packets, the program tables, PES headers. Only
// what an export needs: the first program, its first video and first
// audio stream.

const (
	tsPacketSize = 188
	tsSync       = 0x47
	// tsChunk is how much of a segment one read brings in: whole packets.
	tsChunk = 348 * tsPacketSize
	// maxPES bounds one PES packet gathered into memory: a frame larger
	// than this is damage, not video.
	maxPES = 64 << 20
)

// tsCodec is a stream type the export reads.
type tsCodec uint8

const (
	tsNone tsCodec = iota
	tsAVC
	tsHEVC
	tsAAC
	tsMP3
	tsOpus
)

func (c tsCodec) video() bool { return c == tsAVC || c == tsHEVC }

// tsProgram is what a segment's PMT says: the streams exported.
type tsProgram struct {
	pmt              uint16 // the PMT's PID (from the PAT); 0: not known yet
	videoPID         uint16
	audioPID         uint16
	video, audio     tsCodec
	opusChannels     int
	hasVideo, hasAud bool
}

// codecOf is the codec of a PID of the program (tsNone: not exported).
func (p *tsProgram) codecOf(pid uint16) tsCodec {
	switch {
	case p.hasVideo && pid == p.videoPID:
		return p.video
	case p.hasAud && pid == p.audioPID:
		return p.audio
	}
	return tsNone
}

// sameStreams says whether two PMTs describe the same streams.
func (p *tsProgram) sameStreams(o *tsProgram) bool {
	return p.videoPID == o.videoPID && p.audioPID == o.audioPID && p.video == o.video && p.audio == o.audio &&
		p.opusChannels == o.opusChannels && p.hasVideo == o.hasVideo && p.hasAud == o.hasAud
}

// tsPacket is one transport packet's header and payload.
type tsPacket struct {
	pid     uint16
	start   bool // payload_unit_start_indicator
	random  bool // random_access_indicator
	payload []byte
}

// parsePacket reads a 188-byte packet; false when it is not one.
func parsePacket(b []byte) (tsPacket, bool) {
	if len(b) < tsPacketSize || b[0] != tsSync {
		return tsPacket{}, false
	}
	p := tsPacket{pid: uint16(b[1]&0x1f)<<8 | uint16(b[2]), start: b[1]&0x40 != 0}
	body := b[4:tsPacketSize]
	switch b[3] >> 4 & 3 {
	case 0: // reserved: no payload
		return p, true
	case 1:
		p.payload = body
	case 2, 3:
		n := int(body[0])
		if n > len(body)-1 {
			return tsPacket{}, false
		}
		if n > 0 {
			p.random = body[1]&0x40 != 0
		}
		if b[3]>>4&3 == 3 {
			p.payload = body[1+n:]
		}
	}
	return p, true
}

// section returns the PSI section a packet starting one carries (the
// tables of our writer fit in one packet); false otherwise.
func section(p tsPacket, tableID byte) ([]byte, bool) {
	if !p.start || len(p.payload) < 1 {
		return nil, false
	}
	b := p.payload
	ptr := int(b[0])
	if 1+ptr+3 > len(b) {
		return nil, false
	}
	b = b[1+ptr:]
	n := int(b[1]&0x0f)<<8 | int(b[2])
	if b[0] != tableID || n < 9 || 3+n > len(b) {
		return nil, false
	}
	return b[3 : 3+n-4], true // after the header, before the CRC
}

// readPAT sets the program's PMT PID from a PAT packet.
func (p *tsProgram) readPAT(pk tsPacket) {
	b, ok := section(pk, 0)
	if !ok {
		return
	}
	for b = b[5:]; len(b) >= 4; b = b[4:] {
		if num := uint16(b[0])<<8 | uint16(b[1]); num != 0 {
			p.pmt = uint16(b[2]&0x1f)<<8 | uint16(b[3])
			return
		}
	}
}

// readPMT reads the program's streams from a PMT packet; false when the
// packet is not a PMT.
func readPMT(pk tsPacket) (tsProgram, bool) {
	b, ok := section(pk, 2)
	if !ok || len(b) < 9 {
		return tsProgram{}, false
	}
	info := int(b[7]&0x0f)<<8 | int(b[8])
	if 9+info > len(b) {
		return tsProgram{}, false
	}
	var p tsProgram
	for b = b[9+info:]; len(b) >= 5; {
		typ, pid := b[0], uint16(b[1]&0x1f)<<8|uint16(b[2])
		n := int(b[3]&0x0f)<<8 | int(b[4])
		if 5+n > len(b) {
			return tsProgram{}, false
		}
		desc := b[5 : 5+n]
		b = b[5+n:]
		c, channels := streamCodec(typ, desc)
		switch {
		case c.video() && !p.hasVideo:
			p.videoPID, p.video, p.hasVideo = pid, c, true
		case c != tsNone && !c.video() && !p.hasAud:
			p.audioPID, p.audio, p.hasAud, p.opusChannels = pid, c, true, channels
		}
	}
	return p, true
}

// streamCodec maps a PMT stream type (and, for private data, its
// registration descriptor) to a codec; for Opus also its channel count.
func streamCodec(typ byte, desc []byte) (tsCodec, int) {
	switch typ {
	case 0x1b:
		return tsAVC, 0
	case 0x24:
		return tsHEVC, 0
	case 0x0f:
		return tsAAC, 0
	case 0x03, 0x04:
		return tsMP3, 0
	case 0x06:
		opus, channels := false, 2
		for len(desc) >= 2 && 2+int(desc[1]) <= len(desc) {
			tag, body := desc[0], desc[2:2+int(desc[1])]
			desc = desc[2+len(body):]
			switch {
			case tag == 0x05 && string(body) == "Opus":
				opus = true
			case tag == 0x7f && len(body) >= 2 && body[0] == 0x80 && body[1] >= 1 && body[1] <= 8:
				channels = int(body[1]) // channel_config_code: channels, for the simple mappings
			}
		}
		if opus {
			return tsOpus, channels
		}
	}
	return tsNone, 0
}

// pesHeader is what a PES header says.
type pesHeader struct {
	pts, dts int64 // 90 kHz, 33 bits
	length   int   // payload bytes announced; -1: unbounded
	body     int   // where the payload starts
}

// parsePES reads the header of a gathered PES packet; false without one
// or without a PTS.
func parsePES(b []byte) (pesHeader, bool) {
	if len(b) < 9 || b[0] != 0 || b[1] != 0 || b[2] != 1 || b[6]&0xc0 != 0x80 {
		return pesHeader{}, false
	}
	flags, hlen := b[7]>>6, int(b[8])
	h := pesHeader{body: 9 + hlen, length: -1}
	if h.body > len(b) || flags&2 == 0 || hlen < 5 || flags == 3 && hlen < 10 {
		return pesHeader{}, false
	}
	h.pts = pesTimestamp(b[9:])
	h.dts = h.pts
	if flags == 3 {
		h.dts = pesTimestamp(b[14:])
	}
	if n := int(b[4])<<8 | int(b[5]); n > 0 {
		if h.length = n - 3 - hlen; h.length < 0 {
			return pesHeader{}, false
		}
	}
	return h, true
}

func pesTimestamp(b []byte) int64 {
	return int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

// payload is the PES packet's elementary stream bytes; false when it is
// shorter than its header announces (a torn packet).
func (h pesHeader) payload(b []byte) ([]byte, bool) {
	b = b[h.body:]
	if h.length >= 0 {
		if h.length > len(b) {
			return nil, false
		}
		b = b[:h.length]
	}
	return b, true
}

// packetReader reads a segment's packets in order through a buffer.
type packetReader struct {
	r        io.ReaderAt
	size     int64 // the segment's bytes
	off      int64 // of the next packet
	buf      []byte
	bufStart int64
	bufLen   int
}

// next returns the next packet and its offset; false at the end of the
// segment or at bytes that are not a packet (what follows is not read).
func (pr *packetReader) next() (tsPacket, int64, bool, error) {
	if pr.off+tsPacketSize > pr.size {
		return tsPacket{}, 0, false, nil
	}
	if pr.off < pr.bufStart || pr.off+tsPacketSize > pr.bufStart+int64(pr.bufLen) {
		if pr.buf == nil {
			pr.buf = make([]byte, tsChunk)
		}
		n := int(min(int64(len(pr.buf)), pr.size-pr.off))
		if _, err := pr.r.ReadAt(pr.buf[:n], pr.off); err != nil && err != io.EOF {
			return tsPacket{}, 0, false, fmt.Errorf("mpegts: read at %d: %w", pr.off, err)
		}
		pr.bufStart, pr.bufLen = pr.off, n
	}
	at := pr.off
	i := int(at - pr.bufStart)
	pk, ok := parsePacket(pr.buf[i : i+tsPacketSize])
	if !ok {
		return tsPacket{}, 0, false, nil
	}
	pr.off += tsPacketSize
	return pk, at, true, nil
}

// gatherPES collects the PES packet whose first transport packet is at
// off into dst: its packets up to the next start of one of its PID, the
// segment's end or bytes that are not a packet, as the segment's scan
// does. It returns the PID.
func gatherPES(pr *packetReader, off int64, dst []byte) ([]byte, uint16, error) {
	pr.off = off
	pk, _, ok, err := pr.next()
	if err != nil {
		return nil, 0, err
	}
	if !ok || !pk.start {
		return nil, 0, fmt.Errorf("%w: no PES packet at %d", errDamaged, off)
	}
	pid := pk.pid
	dst = append(dst[:0], pk.payload...)
	want := -1 // the PES packet's bytes when its header says: nothing after them is read
	if len(dst) >= 6 {
		if n := int(dst[4])<<8 | int(dst[5]); n > 0 {
			want = 6 + n
		}
	}
	for want < 0 || len(dst) < want {
		pk, _, ok, err := pr.next()
		if err != nil {
			return nil, 0, err
		}
		if !ok || pk.pid == pid && pk.start {
			return dst, pid, nil
		}
		if pk.pid == pid {
			if len(dst)+len(pk.payload) > maxPES {
				return nil, 0, fmt.Errorf("%w: PES packet over %d bytes", errDamaged, maxPES)
			}
			dst = append(dst, pk.payload...)
		}
	}
	return dst, pid, nil
}
