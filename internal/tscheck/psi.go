package tscheck

import "encoding/binary"

// maxSection is the largest PAT or PMT section (section_length 1021).
const maxSection = 3 + 1021

// psi gathers a table section from the packets of pid and hands the
// whole section to parse. A section starts in a packet with
// payload_unit_start_indicator (after its pointer_field) and may go on in
// the next packets; what follows it in its last packet must be stuffing.
func (c *Checker) psi(pid int, st *pidState, pusi bool, payload []byte, at pos, parse func([]byte, pos) error) error {
	if len(payload) == 0 {
		return at.errorf(pid, "table packet without payload bytes")
	}
	if pusi {
		ptr := int(payload[0])
		payload = payload[1:]
		if ptr > len(payload) {
			return at.errorf(pid, "pointer_field %d past the packet's %d payload bytes", ptr, len(payload))
		}
		if st.section == nil && ptr != 0 {
			return at.errorf(pid, "pointer_field %d with no section to finish", ptr)
		}
		if st.section != nil {
			if err := c.gather(pid, st, payload[:ptr], at, parse); err != nil {
				return err
			}
			if st.section != nil {
				return at.errorf(pid, "table section cut short by a new one")
			}
		}
		st.section = []byte{}
		return c.gather(pid, st, payload[ptr:], at, parse)
	}
	if st.section == nil {
		return at.errorf(pid, "table continuation without a section start")
	}
	return c.gather(pid, st, payload, at, parse)
}

// gather appends b to the section in progress and parses it once whole.
func (c *Checker) gather(pid int, st *pidState, b []byte, at pos, parse func([]byte, pos) error) error {
	st.section = append(st.section, b...)
	s := st.section
	if len(s) < 3 {
		return nil
	}
	if s[0] == 0xff {
		return at.errorf(pid, "table section starts with stuffing")
	}
	n := 3 + int(binary.BigEndian.Uint16(s[1:])&0xfff)
	if n > maxSection {
		return at.errorf(pid, "section_length %d, at most 1021", n-3)
	}
	if len(s) < n {
		return nil
	}
	if i := notFF(s[n:]); i >= 0 {
		return at.errorf(pid, "byte %d after the table section is 0x%02x, not stuffing", i, s[n+i])
	}
	st.section = nil
	if err := checkSection(s[:n]); err != nil {
		return at.errorf(pid, "%v", err)
	}
	return parse(s[:n], at)
}

// notFF is the index of the first byte of b that is not 0xFF, -1 none.
func notFF(b []byte) int {
	for i, x := range b {
		if x != 0xff {
			return i
		}
	}
	return -1
}

// checkSection checks the long-form header and CRC of a PAT or PMT that
// fits in one section.
func checkSection(s []byte) error {
	switch {
	case len(s) < 12:
		return fmtErr("section of %d bytes, too short for its header and CRC", len(s))
	case s[1]&0x80 == 0:
		return fmtErr("section_syntax_indicator 0")
	case s[1]&0x40 != 0:
		return fmtErr("the bit after section_syntax_indicator is 1")
	case s[5]&1 == 0:
		return fmtErr("current_next_indicator 0: a table not yet in force")
	case s[6] != 0 || s[7] != 0:
		return fmtErr("section_number %d of %d: tables must fit one section", s[6], s[7])
	}
	body := len(s) - 4
	if got, want := binary.BigEndian.Uint32(s[body:]), crc32MPEG(s[:body]); got != want {
		return fmtErr("CRC_32 0x%08x, want 0x%08x", got, want)
	}
	return nil
}

// crcTable is CRC-32/MPEG-2's (polynomial 0x04C11DB7, not reflected).
var crcTable = func() (t [256]uint32) {
	for i := range t {
		v := uint32(i) << 24
		for range 8 {
			if v&0x80000000 != 0 {
				v = v<<1 ^ 0x04c11db7
			} else {
				v <<= 1
			}
		}
		t[i] = v
	}
	return t
}()

// crc32MPEG is CRC-32/MPEG-2: initial value 0xFFFFFFFF, no final xor.
func crc32MPEG(b []byte) uint32 {
	crc := uint32(0xffffffff)
	for _, x := range b {
		crc = crc<<8 ^ crcTable[byte(crc>>24)^x]
	}
	return crc
}
