package tscheck

import (
	"cmp"
	"encoding/binary"
)

// A hand-made MPEG-TS writer for the tests: plain, byte by byte, so each
// broken stream differs from a valid one in exactly one rule.

const (
	tPMT   = 0x1000
	tVideo = 0x100
	tAudio = 0x101
)

// frame is one access unit of a test stream; times are 90 kHz.
type frame struct {
	video, key bool
	pts, dts   int64
}

// spec describes a test segment and the one thing it breaks.
type spec struct {
	frames []frame
	// pcrLead is how far the PCR is ahead of the video DTS (negative:
	// behind); noPCR leaves it out.
	pcrLead int64
	noPCR   bool
	pcrPID  int // 0: the video PID
	// stuff is the adaptation field stuffing byte (0: 0xff).
	stuff byte
	// pes, when set, changes frame i's PES bytes before packetization.
	pes func(i int, pes []byte) []byte
	// pmt, when set, changes the PMT's section body before its CRC;
	// version is the PMT's version_number.
	pmt     func(body []byte) []byte
	version byte
}

// gop is n video frames at 25 fps (the first a key frame), each followed
// by an AAC frame at 44.1 kHz, starting at 90 kHz time t0.
func gop(t0 int64, n int) []frame {
	var fs []frame
	for i := range n {
		d := t0 + int64(i)*3600
		fs = append(fs, frame{video: true, key: i == 0, pts: d + 3600, dts: d})
		a := t0 + int64(i)*1024*90000/44100
		fs = append(fs, frame{pts: a, dts: a})
	}
	return fs
}

// tsBuilder writes packets, keeping continuity counters across segments.
type tsBuilder struct {
	cc  map[int]byte
	out []byte
}

func newBuilder() *tsBuilder { return &tsBuilder{cc: map[int]byte{}} }

// packet writes one packet; af is the adaptation field after its length
// byte (flags first; nil: none unless the payload needs stuffing),
// padded with stuff.
func (b *tsBuilder) packet(pid int, pusi bool, af, payload []byte, stuff byte) {
	p := []byte{0x47, byte(pid >> 8), byte(pid), 0x10 | b.cc[pid]}
	b.cc[pid] = (b.cc[pid] + 1) & 15
	if pusi {
		p[1] |= 0x40
	}
	if af != nil || len(payload) < 184 {
		p[3] |= 0x20
		n := 183 - len(payload)
		p = append(p, byte(n))
		if n > 0 {
			if af == nil {
				af = []byte{0}
			}
			p = append(p, af...)
			for len(p) < 5+n {
				p = append(p, stuff)
			}
		}
	}
	b.out = append(append(b.out, p...), payload...)
}

// section is a long-form table section with its CRC.
func section(tableID byte, ext int, version byte, body []byte) []byte {
	s := []byte{tableID, 0xb0, 0, byte(ext >> 8), byte(ext), 0xc1 | version<<1, 0, 0}
	s = append(s, body...)
	binary.BigEndian.PutUint16(s[1:], 0xb000|uint16(len(s)+4-3))
	return binary.BigEndian.AppendUint32(s, crc32MPEG(s))
}

// table writes a section in one packet after a zero pointer_field.
func (b *tsBuilder) table(pid int, s []byte) {
	payload := append([]byte{0}, s...)
	for len(payload) < 184 {
		payload = append(payload, 0xff)
	}
	b.packet(pid, true, nil, payload, 0xff)
}

// segment writes PAT, PMT and the frames of sp, and returns the bytes.
func (b *tsBuilder) segment(sp spec) []byte {
	b.out = nil
	b.table(0, section(0, 1, 0, []byte{0, 1, 0xe0 | tPMT>>8, tPMT & 0xff}))
	pmt := []byte{0xe0 | tVideo>>8, tVideo & 0xff, 0xf0, 0,
		0x1b, 0xe0 | tVideo>>8, tVideo & 0xff, 0xf0, 0,
		0x0f, 0xe0 | tAudio>>8, tAudio & 0xff, 0xf0, 0}
	if sp.pmt != nil {
		pmt = sp.pmt(pmt)
	}
	b.table(tPMT, section(2, 1, sp.version, pmt))
	stuff := sp.stuff
	if stuff == 0 {
		stuff = 0xff
	}
	for i, f := range sp.frames {
		pes := pesOf(f)
		if sp.pes != nil {
			pes = sp.pes(i, pes)
		}
		pid, af := tAudio, []byte(nil)
		if f.video {
			pid = tVideo
		}
		if pid == cmp.Or(sp.pcrPID, tVideo) && !sp.noPCR {
			af = append([]byte{0x10}, pcrField(f.dts+sp.pcrLead)...)
		}
		b.pes(pid, af, pes, stuff)
	}
	return b.out
}

// pes cuts a PES into packets, af in the first one.
func (b *tsBuilder) pes(pid int, af, pes []byte, stuff byte) {
	first := true
	for len(pes) > 0 || first {
		room := 184
		if af != nil {
			room = 183 - len(af)
		}
		n := min(room, len(pes))
		b.packet(pid, first, af, pes[:n], stuff)
		pes, af, first = pes[n:], nil, false
	}
}

func pcrField(base int64) []byte {
	return []byte{byte(base >> 25), byte(base >> 17), byte(base >> 9), byte(base >> 1), byte(base<<7) | 0x7e, 0}
}

// pesOf is a frame's PES: an H.264 access unit (AUD, and SPS and PPS
// before an IDR) or one ADTS frame.
func pesOf(f frame) []byte {
	if !f.video {
		payload := append(adtsHeader(10), make([]byte, 10)...)
		return pesBytes(0xc0, f.pts, -1, payload, true)
	}
	au := []byte{0, 0, 0, 1, 0x09, 0xf0}
	if f.key {
		au = append(au, 0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x0d, 0, 0, 1, 0x68, 0xce, 0x3c, 0x80, 0, 0, 1, 0x65, 0x88, 0x84)
	} else {
		au = append(au, 0, 0, 1, 0x41, 0x9a, 0x02)
	}
	au = append(au, make([]byte, 300)...) // slice data long enough to span packets
	for i := len(au) - 300; i < len(au); i++ {
		au[i] = byte(i%250) + 2 // no zero bytes: no start code inside
	}
	return pesBytes(0xe0, f.pts, f.dts, au, false)
}

func adtsHeader(raw int) []byte {
	n := 7 + raw
	return []byte{0xff, 0xf1, 0x50, 0x80 | byte(n>>11), byte(n >> 3), byte(n<<5) | 0x1f, 0xfc}
}

// pesBytes is a PES packet; dts < 0: PTS only; sized: PES_packet_length
// set (else 0, as video may).
func pesBytes(sid byte, pts, dts int64, payload []byte, sized bool) []byte {
	h := []byte{0, 0, 1, sid, 0, 0, 0x80, 0x80, 5}
	h = append(h, tsField(2, pts)...)
	if dts >= 0 {
		h[7], h[8] = 0xc0, 10
		h[9] |= 0x10 // prefix 0011
		h = append(h, tsField(1, dts)...)
	}
	h = append(h, payload...)
	if sized {
		binary.BigEndian.PutUint16(h[4:], uint16(len(h)-6))
	}
	return h
}

func tsField(prefix byte, v int64) []byte {
	return []byte{prefix<<4 | byte(v>>29)&0x0e | 1, byte(v >> 22), byte(v>>14) | 1, byte(v >> 7), byte(v<<1) | 1}
}
