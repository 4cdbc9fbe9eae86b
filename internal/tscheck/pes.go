package tscheck

// maxPES bounds a PES being gathered (a video PES may leave its length
// open): far above any access unit, low enough that a broken stream
// cannot take the checker's memory.
const maxPES = 32 << 20

// pesPacket gathers a PES from the packets of an elementary PID: it
// starts in a packet with payload_unit_start_indicator and ends where
// the next one starts or the segment ends.
func (c *Checker) pesPacket(pid int, st *pidState, pusi bool, payload []byte, at pos) error {
	if !pusi {
		if !st.inPES {
			return at.errorf(pid, "PES continuation without a PES start in this segment")
		}
		if len(st.pes)+len(payload) > maxPES {
			return at.errorf(pid, "PES longer than %d bytes", maxPES)
		}
		st.pes = append(st.pes, payload...)
		return nil
	}
	if st.inPES {
		if err := c.finishPES(pid, st); err != nil {
			return err
		}
	}
	st.pesPCR = -1
	if pid == c.prog.pcrPID {
		if !c.pcrSeen { // a player starting at this segment would have no clock
			return at.errorf(pid, "PES on the PCR_PID before the segment's first PCR")
		}
		if st.pcrNew {
			st.pesPCR, st.pcrNew = st.pcr, false
		}
	}
	st.inPES, st.pes, st.pesAt = true, append(st.pes[:0], payload...), at
	return nil
}

// finishPES checks a whole PES: header, timestamps, then its payload.
func (c *Checker) finishPES(pid int, st *pidState) error {
	st.inPES = false
	at, t := st.pesAt, st.track
	h, payload, err := parsePES(st.pes, t.Video())
	if err != nil {
		return at.errorf(pid, "%v", err)
	}
	if lo, hi := streamIDs(t.Codec); h.streamID < lo || h.streamID > hi {
		return at.errorf(pid, "stream_id 0x%02x for %s, want 0x%02x-0x%02x", h.streamID, t.Codec, lo, hi)
	}
	pts, dts, err := st.times(h)
	if err != nil {
		return at.errorf(pid, "%v", err)
	}
	t.PES++
	if err := c.units(t, payload, pts, dts); err != nil {
		return at.errorf(pid, "%v", err)
	}
	return nil
}

// times checks a PES's timestamps against each other, the PID's last DTS
// and the PCR read before it, and returns them unwrapped.
func (st *pidState) times(h pesHeader) (pts, dts int64, err error) {
	raw := h.pts
	if h.hasDTS {
		raw = h.dts
		if ahead(h.dts, h.pts) {
			return 0, 0, fmtErr("DTS %d after PTS %d", h.dts, h.pts)
		}
	}
	if st.pesPCR >= 0 {
		if base := st.pesPCR / 300 % tsModulo; ahead(base, raw) {
			return 0, 0, fmtErr("PCR base %d ahead of this PES's DTS %d", base, raw)
		}
	}
	dts = unwrap(st.dts, raw, tsModulo)
	if st.dts >= 0 && dts < st.dts {
		return 0, 0, fmtErr("DTS %d goes back from %d", dts, st.dts)
	}
	st.dts = dts
	return dts + (h.pts-raw)&(tsModulo-1), dts, nil
}

// streamIDs is the stream_id range of a codec's PES packets.
func streamIDs(codec string) (lo, hi byte) {
	switch codec {
	case "H264", "H265":
		return 0xe0, 0xef
	case "Opus":
		return 0xbd, 0xbd // private_stream_1
	}
	return 0xc0, 0xdf
}

// pesHeader is what the checker uses of a PES header.
type pesHeader struct {
	streamID byte
	pts, dts int64
	hasDTS   bool
}

// parsePES checks a PES packet's header and returns its payload.
func parsePES(b []byte, video bool) (pesHeader, []byte, error) {
	var h pesHeader
	if len(b) < 9 {
		return h, nil, fmtErr("PES of %d bytes, shorter than its header", len(b))
	}
	if b[0] != 0 || b[1] != 0 || b[2] != 1 {
		return h, nil, fmtErr("no PES start code: % x", b[:3])
	}
	h.streamID = b[3]
	switch n := int(b[4])<<8 | int(b[5]); {
	case n == 0 && !video:
		return h, nil, fmtErr("PES_packet_length 0 outside a video stream")
	case n != 0 && n != len(b)-6:
		return h, nil, fmtErr("PES_packet_length %d, the PES carries %d bytes", n, len(b)-6)
	}
	if b[6]&0xc0 != 0x80 {
		return h, nil, fmtErr("PES header starts with bits %02b, want 10", b[6]>>6)
	}
	if b[6]&0x30 != 0 {
		return h, nil, fmtErr("PES_scrambling_control %d", b[6]>>4&3)
	}
	flags, hl := b[7], int(b[8])
	if 9+hl > len(b) {
		return h, nil, fmtErr("PES_header_data_length %d overruns the PES", hl)
	}
	if err := h.readTimes(flags, b[9:9+hl]); err != nil {
		return h, nil, err
	}
	return h, b[9+hl:], nil
}

// readTimes reads PTS and DTS from the PES header data f, after checking
// the optional fields its flags announce fit and the rest is stuffing.
func (h *pesHeader) readTimes(flags byte, f []byte) error {
	need := 0
	switch flags >> 6 {
	case 0:
		return fmtErr("PES without a PTS")
	case 1:
		return fmtErr("PTS_DTS_flags 01 (forbidden)")
	case 2:
		need = 5
	case 3:
		need, h.hasDTS = 10, true
	}
	for _, o := range []struct {
		bit byte
		n   int
	}{{0x20, 6}, {0x10, 3}, {0x08, 1}, {0x04, 1}, {0x02, 2}, {0x01, 1}} { // ESCR, ES rate, trick mode, copy info, CRC, extension (its flags byte)
		if flags&o.bit != 0 {
			need += o.n
		}
	}
	if need > len(f) {
		return fmtErr("PES header flags 0x%02x need %d bytes, PES_header_data_length is %d", flags, need, len(f))
	}
	if i := notFF(f[need:]); i >= 0 && flags&0x01 == 0 {
		return fmtErr("PES header stuffing byte %d is 0x%02x, want 0xff", need+i, f[need+i])
	}
	var err error
	if h.pts, err = timestamp(f, byte(flags>>6)); err != nil {
		return fmtErr("PTS: %w", err)
	}
	if h.hasDTS {
		if h.dts, err = timestamp(f[5:], 1); err != nil {
			return fmtErr("DTS: %w", err)
		}
	}
	return nil
}

// timestamp reads a 5-byte PTS or DTS whose first 4 bits are prefix.
func timestamp(b []byte, prefix byte) (int64, error) {
	if b[0]>>4 != prefix {
		return 0, fmtErr("prefix %04b, want %04b", b[0]>>4, prefix)
	}
	if b[0]&1 == 0 || b[2]&1 == 0 || b[4]&1 == 0 {
		return 0, fmtErr("marker bit 0 in % x", b[:5])
	}
	return int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1), nil
}
