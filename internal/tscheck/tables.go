package tscheck

import (
	"encoding/binary"
	"slices"
)

// program is what a PMT says.
type program struct {
	version int
	pcrPID  int
	streams []stream
}

type stream struct {
	pid, streamType int
	codec           string
}

func (p *program) lists(pid int) bool {
	return slices.ContainsFunc(p.streams, func(s stream) bool { return s.pid == pid })
}

// Stream types (ISO/IEC 13818-1 table 2-34) this checker reads.
var codecs = map[int]string{
	0x1b: "H264",
	0x24: "H265",
	0x0f: "AAC", // ADTS
	0x03: "MPEG1Audio",
	0x04: "MPEG2Audio",
}

// pat reads the program association table: exactly one program.
func (c *Checker) pat(s []byte, at pos) error {
	if s[0] != 0 {
		return at.errorf(0, "table_id 0x%02x on PID 0, want 0x00 (PAT)", s[0])
	}
	body := s[8 : len(s)-4]
	if len(body)%4 != 0 {
		return at.errorf(0, "PAT loop of %d bytes, not whole 4-byte entries", len(body))
	}
	program, pmt := -1, -1
	for i := 0; i < len(body); i += 4 {
		n := int(binary.BigEndian.Uint16(body[i:]))
		if n == 0 {
			continue // the network PID
		}
		if program >= 0 {
			return at.errorf(0, "PAT lists more than one program")
		}
		program, pmt = n, int(binary.BigEndian.Uint16(body[i+2:])&0x1fff)
	}
	switch {
	case program < 0:
		return at.errorf(0, "PAT lists no program")
	case pmt < 0x10 || pmt == nullPID:
		return at.errorf(0, "PMT PID 0x%x is reserved", pmt)
	case c.pmtPID >= 0 && (pmt != c.pmtPID || program != c.rep.Program):
		return at.errorf(0, "PAT moves program %d on PID 0x%x to %d on 0x%x without a discontinuity", c.rep.Program, c.pmtPID, program, pmt)
	}
	c.pmtPID, c.rep.Program, c.rep.PMTPID = pmt, program, pmt
	c.havePAT = true
	return nil
}

// pmt reads the program map table of the PAT's program.
func (c *Checker) pmt(s []byte, at pos) error {
	pid := c.pmtPID
	if s[0] != 2 {
		return at.errorf(pid, "table_id 0x%02x on the PMT PID, want 0x02", s[0])
	}
	if n := int(binary.BigEndian.Uint16(s[3:])); n != c.rep.Program {
		return at.errorf(pid, "PMT of program %d, the PAT's is %d", n, c.rep.Program)
	}
	p, err := c.parsePMT(s)
	if err != nil {
		return at.errorf(pid, "%v", err)
	}
	if err := c.sameProgram(p); err != nil {
		return at.errorf(pid, "%v", err)
	}
	if c.prog == nil {
		c.newTracks(p)
	}
	c.prog, c.rep.PCRPID = p, p.pcrPID
	c.havePMT = true
	return nil
}

// sameProgram checks a PMT against the one in force: one writer keeps
// its streams; a new version_number may move the PCR (counted in
// Report.PMTChanges), the same version must repeat the table.
func (c *Checker) sameProgram(p *program) error {
	switch {
	case c.prog == nil:
		return nil
	case !slices.Equal(p.streams, c.prog.streams):
		return fmtErr("PMT changes the elementary streams without a discontinuity")
	case p.version == c.prog.version && p.pcrPID != c.prog.pcrPID:
		return fmtErr("PMT moves the PCR_PID from 0x%x to 0x%x keeping version_number %d", c.prog.pcrPID, p.pcrPID, p.version)
	case p.version != c.prog.version:
		c.rep.PMTChanges++
	}
	return nil
}

func (c *Checker) parsePMT(s []byte) (*program, error) {
	end := len(s) - 4
	p := &program{version: int(s[5] >> 1 & 0x1f), pcrPID: int(binary.BigEndian.Uint16(s[8:]) & 0x1fff)}
	info := int(binary.BigEndian.Uint16(s[10:]) & 0xfff)
	i := 12 + info
	if info&0xc00 != 0 || i > end {
		return nil, fmtErr("program_info_length %d overruns the section", info)
	}
	for i < end {
		if end-i < 5 {
			return nil, fmtErr("PMT stream entry cut at byte %d", i)
		}
		st := stream{streamType: int(s[i]), pid: int(binary.BigEndian.Uint16(s[i+1:]) & 0x1fff)}
		n := int(binary.BigEndian.Uint16(s[i+3:]) & 0xfff)
		if n&0xc00 != 0 || i+5+n > end {
			return nil, fmtErr("ES_info_length %d of PID 0x%x overruns the section", n, st.pid)
		}
		st.codec = codecs[st.streamType]
		if st.streamType == 0x06 && registration(s[i+5:i+5+n]) == "Opus" {
			st.codec = "Opus"
		}
		if err := c.checkStream(p, st); err != nil {
			return nil, err
		}
		p.streams = append(p.streams, st)
		i += 5 + n
	}
	if len(p.streams) == 0 {
		return nil, fmtErr("PMT lists no elementary stream")
	}
	if !p.lists(p.pcrPID) {
		return nil, fmtErr("PCR_PID 0x%x is none of the program's streams", p.pcrPID)
	}
	return p, nil
}

func (c *Checker) checkStream(p *program, st stream) error {
	switch {
	case st.codec == "":
		return fmtErr("PID 0x%x: stream type 0x%02x is none tscheck reads", st.pid, st.streamType)
	case st.pid < 0x10 || st.pid == nullPID || st.pid == c.pmtPID:
		return fmtErr("elementary PID 0x%x is reserved or the PMT's", st.pid)
	case p.lists(st.pid):
		return fmtErr("PID 0x%x listed twice", st.pid)
	}
	return nil
}

// registration returns the format_identifier of a registration
// descriptor (tag 5) among descriptors, "" none.
func registration(d []byte) string {
	for len(d) >= 2 {
		tag, n := d[0], int(d[1])
		if 2+n > len(d) {
			return ""
		}
		if tag == 5 && n >= 4 {
			return string(d[2:6])
		}
		d = d[2+n:]
	}
	return ""
}

// newTracks starts a track for each stream of a program that a new
// writer (the first, or after a discontinuity) maps.
func (c *Checker) newTracks(p *program) {
	for _, s := range p.streams {
		st := c.state(s.pid)
		if st.track != nil && st.track.StreamType == s.streamType {
			continue
		}
		st.track = &Track{PID: s.pid, StreamType: s.streamType, Codec: s.codec}
		c.tracks = append(c.tracks, st.track)
	}
}
