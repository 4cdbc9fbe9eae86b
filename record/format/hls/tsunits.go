package hls

import (
	"errors"
	"slices"

	"github.com/bluenviron/mediacommon/v2/pkg/formats/mpegts/substructs"

	"github.com/rtmprecd/rtmprecd/media"
)

// The elementary stream of each codec as MPEG-TS carries it, laid out
// as pieces of one PES payload (s.chunks) that the packetizer copies
// once: no access unit is assembled in memory.

// Access unit delimiters put before every video access unit that lacks
// one: players of MPEG-TS (video.js, iOS, QuickTime) look for them.
var (
	startCode = []byte{0, 0, 0, 1}
	audAVC    = []byte{9, 0xf0}
	audHEVC   = []byte{35 << 1, 1, 0x50}
)

// writeSample writes one sample as a PES packet of its track: 90 kHz
// times offset by tsOffset, the program clock on the clock's track, the
// random access flag on key frames and on all audio.
func (s *tsSeg) writeSample(i int, ms int64, cts int32, key bool, data []byte) error {
	t := &s.tracks[i]
	dts := ms*90 + tsOffset
	p := pesPacket{dts: dts, pts: dts + int64(cts)*90, pcr: -1, random: key || t.src.Kind != media.KindVideo}
	if i == s.pcr {
		p.pcr = dts - pcrLead
	}
	s.chunks = s.chunks[:0]
	var size int
	switch t.src.Codec {
	case media.CodecAVC:
		c := t.src.AVC
		if s.split(data, c.LengthSize) != nil {
			return nil // a malformed frame from the publisher is left out, not the recording
		}
		size = s.annexB(audAVC, isAVCDelimiter, isAVCParam, key, c.SPS, c.PPS)
	case media.CodecHEVC:
		c := t.src.HEVC
		if s.split(data, c.LengthSize) != nil {
			return nil
		}
		size = s.annexB(audHEVC, isHEVCDelimiter, isHEVCParam, key, c.VPS, c.SPS, c.PPS)
	case media.CodecAAC:
		if size = len(data) + len(t.adts); size >= 1<<13 {
			return nil // longer than an ADTS frame can say: left out
		}
		h := &t.hdr
		*h = t.adts
		h[3] = h[3]&0xfc | byte(size>>11)
		h[4] = byte(size >> 3)
		h[5] = byte(size)<<5 | h[5]&0x1f
		s.chunks = append(s.chunks, h[:], data)
	case media.CodecMP3:
		s.chunks, size = append(s.chunks, data), len(data)
	case media.CodecOpus:
		var err error
		if size, err = s.opus(data); err != nil {
			return nil
		}
	default:
		return nil
	}
	return s.out.writePES(&t.pes, p, s.chunks, size)
}

// opus puts an Opus packet in its access unit (a control header first,
// ETSI TS 102 366 annex) through mediacommon.
func (s *tsSeg) opus(packet []byte) (int, error) {
	au := substructs.OpusAccessUnit{ControlHeader: substructs.OpusControlHeader{PayloadSize: len(packet)}, Packet: packet}
	n := au.MarshalSize()
	if cap(s.scratch) < n {
		s.scratch = make([]byte, n)
	}
	n, err := au.MarshalTo(s.scratch[:n])
	if err != nil {
		return 0, err
	}
	s.chunks = append(s.chunks, s.scratch[:n])
	return n, nil
}

// annexB lays the NAL units in s.nalus out in s.chunks as an Annex B
// access unit: a delimiter first, then (before a key frame that lacks
// them: a segment must decode on its own) the parameter sets, each NAL
// unit after a start code. It returns the payload's size.
func (s *tsSeg) annexB(aud []byte, isAUD, isParam func([]byte) bool, key bool, sets ...[][]byte) int {
	size := 0
	add := func(nalu []byte) {
		s.chunks = append(s.chunks, startCode, nalu)
		size += len(startCode) + len(nalu)
	}
	nalus := s.nalus
	if isAUD(nalus[0]) {
		nalus = nalus[1:]
	}
	add(aud)
	if key && !slices.ContainsFunc(nalus, isParam) {
		for _, set := range sets {
			for _, n := range set {
				add(n)
			}
		}
	}
	for _, n := range nalus {
		add(n)
	}
	return size
}

// NAL unit types: H.264's delimiter (9) and SPS (7; a PPS follows it),
// HEVC's delimiter (35) and VPS, SPS, PPS (32-34).
func isAVCDelimiter(n []byte) bool  { return n[0]&0x1f == 9 }
func isAVCParam(n []byte) bool      { return n[0]&0x1f == 7 }
func isHEVCDelimiter(n []byte) bool { return n[0]>>1&0x3f == 35 }
func isHEVCParam(n []byte) bool     { t := n[0] >> 1 & 0x3f; return t >= 32 && t <= 34 }

var errNALU = errors.New("hls: malformed length-prefixed NAL unit")

// split reads length-prefixed NAL units into s.nalus.
func (s *tsSeg) split(b []byte, size int) error {
	if size < 1 || size > 4 {
		size = 4
	}
	s.nalus = s.nalus[:0]
	for len(b) > 0 {
		if len(b) < size {
			return errNALU
		}
		n := 0
		for _, c := range b[:size] {
			n = n<<8 | int(c)
		}
		b = b[size:]
		if n == 0 || n > len(b) {
			return errNALU
		}
		s.nalus = append(s.nalus, b[:n])
		b = b[n:]
	}
	if len(s.nalus) == 0 {
		return errNALU
	}
	return nil
}
