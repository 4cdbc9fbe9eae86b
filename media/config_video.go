package media

import (
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/av1"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/vp9"
)

// maxParamSets bounds the parameter sets kept from one record.
const maxParamSets = 32

// parseAVC reads an AVCDecoderConfigurationRecord; its parameters are the
// profile, compatibility and level bytes, the NAL length size and every
// SPS and PPS.
func parseAVC(t *Track, b []byte) string {
	if len(b) < 7 || b[0] != 1 {
		return ""
	}
	c := &AVCConfig{Profile: b[1], Compat: b[2], Level: b[3], LengthSize: int(b[4]&3) + 1}
	r := reader{b: b, off: 6}
	var ok bool
	if c.SPS, ok = nalList(&r, int(b[5]&0x1f)); !ok {
		return ""
	}
	n, ok := r.u8()
	if !ok {
		return ""
	}
	if c.PPS, ok = nalList(&r, int(n)); !ok {
		return ""
	}
	t.AVC = c
	if len(c.SPS) > 0 && len(c.SPS[0]) > 1 {
		// The size from our lenient reader (see avcsps.go); the frame rate
		// from the VUI when the whole SPS parses.
		if w, h, ok := spsSize(unescape(c.SPS[0][1:])); ok {
			t.Width, t.Height = sane(w, h)
		}
		var sps h264.SPS
		if sps.Unmarshal(c.SPS[0]) == nil {
			t.FrameRate = sps.FPS()
		}
	}
	key := append([]byte("avc:"), b[1], b[2], b[3], b[4]&3)
	for _, s := range c.SPS {
		key = appendParam(key, s)
	}
	key = append(key, '/')
	for _, s := range c.PPS {
		key = appendParam(key, s)
	}
	return string(key)
}

// nalList reads count 16-bit-length-prefixed NAL units.
func nalList(r *reader, count int) ([][]byte, bool) {
	if count > maxParamSets {
		return nil, false
	}
	var out [][]byte
	for range count {
		n, ok := r.u16()
		if !ok {
			return nil, false
		}
		p, ok := r.take(int(n))
		if !ok || n == 0 {
			return nil, false
		}
		out = append(out, p)
	}
	return out, true
}

// HEVC NAL unit types of parameter sets.
const (
	nalVPS = 32
	nalSPS = 33
	nalPPS = 34
)

// parseHEVC reads an HEVCDecoderConfigurationRecord; its parameters are
// the NAL length size and every VPS, SPS and PPS (the profile fields of
// the record repeat what they say).
func parseHEVC(t *Track, b []byte) string {
	if len(b) < 23 || b[0] != 1 {
		return ""
	}
	c := &HEVCConfig{Profile: b[1] & 0x1f, Level: b[12], LengthSize: int(b[21]&3) + 1}
	r := reader{b: b, off: 23}
	key := append([]byte("hevc:"), b[21]&3)
	for range int(b[22]) {
		typ, ok := r.u8()
		if !ok {
			return ""
		}
		n, ok := r.u16()
		if !ok {
			return ""
		}
		nals, ok := nalList(&r, int(n))
		if !ok {
			return ""
		}
		switch typ & 0x3f {
		case nalVPS:
			c.VPS = append(c.VPS, nals...)
		case nalSPS:
			c.SPS = append(c.SPS, nals...)
		case nalPPS:
			c.PPS = append(c.PPS, nals...)
		default:
			continue // SEI and others are not parameters
		}
		key = append(key, typ&0x3f)
		for _, p := range nals {
			key = appendParam(key, p)
		}
	}
	t.HEVC = c
	if len(c.SPS) > 0 {
		var sps h265.SPS
		if sps.Unmarshal(c.SPS[0]) == nil {
			t.Width, t.Height = sane(sps.Width(), sps.Height())
			t.FrameRate = sps.FPS()
		}
	}
	return string(key)
}

// parseAV1 reads an AV1CodecConfigurationRecord; its parameters are the
// record's fixed fields and the sequence header OBU.
func parseAV1(t *Track, b []byte) string {
	if len(b) < 4 || b[0] != 0x81 {
		return "" // marker 1, version 1 (MPEG2TSSequenceStart bodies are not records)
	}
	c := &AV1Config{Profile: b[1] >> 5, Level: b[1] & 0x1f, Tier: b[2] >> 7}
	for obus := b[4:]; len(obus) > 0; {
		obu, rest, ok := nextOBU(obus)
		if !ok {
			break
		}
		if obu[0]>>3&0x0f == 1 { // OBU_SEQUENCE_HEADER
			c.SequenceHeader = obu
			var sh av1.SequenceHeader
			if sh.Unmarshal(obu) == nil {
				t.Width, t.Height = sane(sh.Width(), sh.Height())
			}
			break
		}
		obus = rest
	}
	t.AV1 = c
	return string(appendParam(append([]byte("av1:"), b[1:4]...), c.SequenceHeader))
}

// nextOBU splits the first OBU (with obu_has_size_field set, as the
// record requires) off b.
func nextOBU(b []byte) (obu, rest []byte, ok bool) {
	if len(b) < 2 || b[0]&0x02 == 0 {
		return nil, nil, false
	}
	hdr := 1
	if b[0]&0x04 != 0 { // extension byte
		hdr++
	}
	var size uint64
	for i := 0; i < 8; i++ {
		if hdr >= len(b) {
			return nil, nil, false
		}
		v := b[hdr]
		hdr++
		size |= uint64(v&0x7f) << (7 * i)
		if v&0x80 == 0 {
			if size > uint64(len(b)-hdr) {
				return nil, nil, false
			}
			end := hdr + int(size)
			return b[:end], b[end:], true
		}
	}
	return nil, nil, false
}

// parseVP9 reads a VPCodecConfigurationRecord, with or without the
// version and flags of its MP4 box (ffmpeg writes them, others not). The
// picture size is not in it: describe takes it from the first key frame.
func parseVP9(t *Track, b []byte) string {
	if len(b) >= 12 && b[0] == 1 && b[1] == 0 && b[2] == 0 && b[3] == 0 {
		b = b[4:] // FullBox version 1, flags 0
	}
	if len(b) < 8 {
		return ""
	}
	t.VP9 = &VP9Config{Profile: b[0], Level: b[1], BitDepth: b[2] >> 4, Chroma: b[2] >> 1 & 7,
		FullRange: b[2]&1 == 1, Primaries: b[3], Transfer: b[4], Matrix: b[5]}
	return "vp9:" + string(b[:6])
}

// vp9Size reads the picture size from a VP9 key frame's uncompressed
// header.
func vp9Size(t *Track, data []byte) bool {
	var h vp9.Header
	if len(data) < 10 || h.Unmarshal(data) != nil || h.NonKeyFrame || h.FrameSize == nil {
		return false
	}
	t.Width, t.Height = sane(h.Width(), h.Height())
	return t.Width > 0
}
