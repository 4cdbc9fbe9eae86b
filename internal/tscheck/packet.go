package tscheck

// nullPID carries stuffing packets, which nothing else checks.
const nullPID = 0x1fff

// packet checks one 188-byte packet and routes its payload.
func (c *Checker) packet(p []byte, at pos) error {
	if p[0] != 0x47 {
		return at.errorf(-1, "sync byte 0x%02x, want 0x47", p[0])
	}
	pid := int(p[1]&0x1f)<<8 | int(p[2])
	if p[1]&0x80 != 0 {
		return at.errorf(pid, "transport_error_indicator set")
	}
	pusi := p[1]&0x40 != 0
	if pid == nullPID {
		return nil
	}
	if sc := p[3] >> 6; sc != 0 {
		return at.errorf(pid, "transport_scrambling_control %d: scrambled", sc)
	}
	afc := p[3] >> 4 & 3
	if afc == 0 {
		return at.errorf(pid, "adaptation_field_control 00 (reserved)")
	}
	var af adaptation
	payload := p[4:]
	if afc&2 != 0 {
		var err error
		if af, err = parseAdaptation(p[4:], afc == 2); err != nil {
			return at.errorf(pid, "%v", err)
		}
		payload = p[4+1+af.length:]
	}
	if afc&1 == 0 {
		payload = nil
		if pusi {
			return at.errorf(pid, "payload_unit_start_indicator on a packet without payload")
		}
	}
	st := c.state(pid)
	if err := continuity(st, int(p[3]&15), afc&1 != 0, af.discontinuity); err != nil {
		return at.errorf(pid, "%v", err)
	}
	if af.hasPCR {
		if err := c.clock(pid, st, af.pcr); err != nil {
			return at.errorf(pid, "%v", err)
		}
	}
	return c.route(pid, st, pusi, payload, at)
}

// route hands a payload to the table or stream its PID carries.
func (c *Checker) route(pid int, st *pidState, pusi bool, payload []byte, at pos) error {
	switch {
	case pid == 0:
		return c.psi(pid, st, pusi, payload, at, c.pat)
	case pid >= 0x10 && pid <= 0x1f && pid != c.pmtPID:
		return nil // DVB service information (ffmpeg's SDT, even before the PAT): not the program's
	case !c.havePAT:
		return at.errorf(pid, "packet before the segment's PAT")
	case pid == c.pmtPID:
		return c.psi(pid, st, pusi, payload, at, c.pmt)
	case c.prog == nil || st.track == nil || !c.prog.lists(pid):
		return at.errorf(pid, "packet on a PID the PMT does not list")
	case !c.havePMT:
		return at.errorf(pid, "elementary stream packet before the segment's PMT")
	}
	return c.pesPacket(pid, st, pusi, payload, at)
}

// continuity checks a packet's continuity counter: one more (mod 16) than
// the PID's last for a packet with payload, the same without. The
// adaptation field's discontinuity_indicator allows any value.
func continuity(st *pidState, cc int, payload, discontinuity bool) error {
	last := st.cc
	st.cc = cc
	if last < 0 || discontinuity {
		return nil
	}
	want := last
	if payload {
		want = (last + 1) & 15
	}
	if cc != want {
		return fmtErr("continuity counter %d, want %d", cc, want)
	}
	return nil
}

// adaptation is the part of an adaptation field the checker uses.
type adaptation struct {
	length        int // adaptation_field_length
	discontinuity bool
	randomAccess  bool
	hasPCR        bool
	pcr           int64 // 27 MHz
}

// parseAdaptation reads the adaptation field at b (b[0] its length);
// only says the packet has no payload.
func parseAdaptation(b []byte, only bool) (adaptation, error) {
	af := adaptation{length: int(b[0])}
	switch {
	case only && af.length != 183:
		return af, fmtErr("adaptation field length %d in a packet without payload, want 183", af.length)
	case !only && af.length > 182:
		return af, fmtErr("adaptation field length %d leaves no room for the payload", af.length)
	case af.length == 0:
		return af, nil
	}
	f := b[1 : 1+af.length]
	flags := f[0]
	af.discontinuity, af.randomAccess = flags&0x80 != 0, flags&0x40 != 0
	need := 1
	if flags&0x10 != 0 && len(f) >= need+6 {
		af.hasPCR, af.pcr = true, readPCR(f[need:])
		if ext := int(f[need+4]&1)<<8 | int(f[need+5]); ext >= 300 {
			return af, fmtErr("PCR extension %d, want below 300", ext)
		}
	}
	for _, fl := range []struct {
		bit byte
		n   func() int
	}{
		{0x10, func() int { return 6 }},                  // PCR
		{0x08, func() int { return 6 }},                  // OPCR
		{0x04, func() int { return 1 }},                  // splice countdown
		{0x02, func() int { return 1 + lenAt(f, need) }}, // private data
		{0x01, func() int { return 1 + lenAt(f, need) }}, // extension
	} {
		if flags&fl.bit != 0 {
			need += fl.n()
		}
	}
	if need > len(f) {
		return af, fmtErr("adaptation field flags 0x%02x need %d bytes, its length is %d", flags, need, len(f))
	}
	if i := notFF(f[need:]); i >= 0 {
		return af, fmtErr("adaptation field stuffing byte %d is 0x%02x, want 0xff", need+i, f[need+i])
	}
	return af, nil
}

// lenAt is the length byte at f[i], 0 past its end (the caller then
// finds the field too short).
func lenAt(f []byte, i int) int {
	if i < len(f) {
		return int(f[i])
	}
	return 0
}

// readPCR reads a 6-byte program clock reference, in 27 MHz ticks.
func readPCR(b []byte) int64 {
	base := int64(b[0])<<25 | int64(b[1])<<17 | int64(b[2])<<9 | int64(b[3])<<1 | int64(b[4]>>7)
	ext := int64(b[4]&1)<<8 | int64(b[5])
	return base*300 + ext
}
