package tscheck

import "bytes"

// units checks a PES payload's framing for its codec and adds its access
// units to the track.
func (c *Checker) units(t *Track, payload []byte, pts, dts int64) error {
	if len(payload) == 0 {
		return fmtErr("PES without payload")
	}
	u := Unit{PTS: pts, DTS: dts, Size: len(payload), Segment: c.seg}
	switch t.Codec {
	case "H264", "H265":
		return c.video(t, payload, u)
	case "AAC":
		return adts(t, payload, u)
	case "MPEG1Audio", "MPEG2Audio":
		if len(payload) < 2 || payload[0] != 0xff || payload[1]&0xe0 != 0xe0 {
			return fmtErr("MPEG audio payload does not start with a frame sync")
		}
	case "Opus":
		// ETSI TS 102 366 annex: each access unit starts with the 11-bit
		// control header prefix 0x3ff.
		if len(payload) < 2 || payload[0] != 0x7f || payload[1]&0xe0 != 0xe0 {
			return fmtErr("Opus payload does not start with its control header")
		}
	}
	t.Units = append(t.Units, u)
	return nil
}

// nalKinds classifies a codec's NAL unit types.
type nalKinds struct {
	typ            func(nal []byte) int
	aud            int
	key            func(typ int) bool
	vcl            func(typ int) bool
	params         []int // parameter sets a key frame needs before it
	minHeaderBytes int
}

var h264NAL = nalKinds{
	typ:    func(n []byte) int { return int(n[0] & 0x1f) },
	aud:    9,
	key:    func(typ int) bool { return typ == 5 },
	vcl:    func(typ int) bool { return typ >= 1 && typ <= 5 },
	params: []int{7, 8}, minHeaderBytes: 1,
}

var h265NAL = nalKinds{
	typ:    func(n []byte) int { return int(n[0] >> 1 & 0x3f) },
	aud:    35,
	key:    func(typ int) bool { return typ >= 16 && typ <= 23 }, // IRAP
	vcl:    func(typ int) bool { return typ <= 31 },
	params: []int{32, 33, 34}, minHeaderBytes: 2,
}

// video checks that a video PES holds one Annex B access unit: start
// codes, NAL headers, an access unit delimiter only first, a slice; and
// the segment's first one a key frame with its parameter sets when asked.
func (c *Checker) video(t *Track, payload []byte, u Unit) error {
	k := h264NAL
	if t.Codec == "H265" {
		k = h265NAL
	}
	u.Size = 0
	seen := map[int]bool{}
	keyWithParams, slice, i := false, false, 0
	err := annexB(payload, func(nal []byte) error {
		if len(nal) < k.minHeaderBytes || nal[0]&0x80 != 0 {
			return fmtErr("NAL unit %d: header % x is not a valid one", i, nal[:min(len(nal), 2)])
		}
		typ := k.typ(nal)
		if typ == k.aud && i > 0 {
			return fmtErr("access unit delimiter as NAL unit %d, not first", i)
		}
		if k.key(typ) && !u.Key {
			u.Key, keyWithParams = true, allSeen(seen, k.params)
		}
		slice = slice || k.vcl(typ)
		if typ != k.aud {
			u.Size += len(nal)
		}
		seen[typ] = true
		i++
		return nil
	})
	switch {
	case err != nil:
		return err
	case !slice:
		return fmtErr("video access unit without a slice")
	case c.keyStart && !c.videoSeen && !keyWithParams:
		return fmtErr("the segment's first video access unit is not a key frame with its parameter sets before it")
	}
	c.videoSeen = true
	if u.Key {
		t.KeyFrames++
	}
	t.Units = append(t.Units, u)
	return nil
}

func allSeen(seen map[int]bool, types []int) bool {
	for _, typ := range types {
		if !seen[typ] {
			return false
		}
	}
	return true
}

var startCode = []byte{0, 0, 1}

// annexB splits an Annex B byte stream into NAL units: it must start with
// a 3- or 4-byte start code; trailing zero bytes of a unit (the first
// byte of a 4-byte start code) are not part of it; no unit may be empty.
func annexB(b []byte, each func(nal []byte) error) error {
	p := 3
	switch {
	case bytes.HasPrefix(b, startCode):
	case bytes.HasPrefix(b, []byte{0, 0, 0, 1}):
		p = 4
	default:
		return fmtErr("video payload does not start with an Annex B start code: % x", b[:min(len(b), 4)])
	}
	for {
		next := bytes.Index(b[p:], startCode)
		end := len(b)
		if next >= 0 {
			end = p + next
		}
		nal := bytes.TrimRight(b[p:end], "\x00")
		if len(nal) == 0 {
			return fmtErr("empty NAL unit at payload byte %d", p)
		}
		if err := each(nal); err != nil {
			return err
		}
		if next < 0 {
			return nil
		}
		p = end + 3
	}
}

// adtsRates are the ADTS sampling frequencies by index.
var adtsRates = [...]int64{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}

// adts checks that an AAC PES payload is whole ADTS frames and adds one
// unit per frame, each timed after the frames before it.
func adts(t *Track, b []byte, u Unit) error {
	var samples int64
	for off := 0; off < len(b); {
		f := b[off:]
		if len(f) < 7 {
			return fmtErr("ADTS header cut at payload byte %d (%d bytes left)", off, len(f))
		}
		if f[0] != 0xff || f[1]&0xf6 != 0xf0 {
			return fmtErr("no ADTS sync word at payload byte %d: % x", off, f[:2])
		}
		hdr := 7
		if f[1]&1 == 0 {
			hdr = 9 // with CRC
		}
		rate := int(f[2] >> 2 & 0xf)
		if rate >= len(adtsRates) {
			return fmtErr("ADTS sampling_frequency_index %d at payload byte %d", rate, off)
		}
		n := int(f[3]&3)<<11 | int(f[4])<<3 | int(f[5]>>5)
		if n <= hdr || n > len(f) {
			return fmtErr("ADTS frame_length %d at payload byte %d, %d bytes left", n, off, len(f))
		}
		fu := u
		fu.PTS, fu.DTS = u.PTS+samples*90000/adtsRates[rate], u.DTS+samples*90000/adtsRates[rate]
		fu.Size = n - hdr
		t.Units = append(t.Units, fu)
		samples += 1024 * int64(f[6]&3+1)
		off += n
	}
	return nil
}
