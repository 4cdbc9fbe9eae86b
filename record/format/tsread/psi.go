package tsread

// Codec is a stream type the readers know.
type Codec uint8

const (
	None Codec = iota
	AVC
	HEVC
	AAC
	MP3
	Opus
)

// Video says whether the codec is a video one.
func (c Codec) Video() bool { return c == AVC || c == HEVC }

// Program is what a segment's PAT and PMT say of its first program: its
// first video and first audio stream.
type Program struct {
	PMT          uint16 // the PMT's PID (from the PAT); 0: not known yet
	VideoPID     uint16
	AudioPID     uint16
	Video, Audio Codec
	OpusChannels int
	HasVideo     bool
	HasAudio     bool
}

// CodecOf is the codec of a PID of the program (None: not one of its
// streams).
func (p *Program) CodecOf(pid uint16) Codec {
	switch {
	case p.HasVideo && pid == p.VideoPID:
		return p.Video
	case p.HasAudio && pid == p.AudioPID:
		return p.Audio
	}
	return None
}

// SameStreams says whether two PMTs describe the same streams.
func (p *Program) SameStreams(o *Program) bool {
	return p.VideoPID == o.VideoPID && p.AudioPID == o.AudioPID && p.Video == o.Video && p.Audio == o.Audio &&
		p.OpusChannels == o.OpusChannels && p.HasVideo == o.HasVideo && p.HasAudio == o.HasAudio
}

// section returns the PSI section a packet starting one carries (the
// tables of our writer fit in one packet); false otherwise.
func section(p Packet, tableID byte) ([]byte, bool) {
	if !p.Start || len(p.Payload) < 1 {
		return nil, false
	}
	b := p.Payload
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

// ReadPAT sets the program's PMT PID from a PAT packet (PID 0).
func (p *Program) ReadPAT(pk Packet) {
	b, ok := section(pk, 0)
	if !ok {
		return
	}
	for b = b[5:]; len(b) >= 4; b = b[4:] {
		if num := uint16(b[0])<<8 | uint16(b[1]); num != 0 {
			p.PMT = uint16(b[2]&0x1f)<<8 | uint16(b[3])
			return
		}
	}
}

// ReadPMT reads the program's streams from a PMT packet; false when the
// packet is not a PMT. The result's PMT is not set.
func ReadPMT(pk Packet) (Program, bool) {
	b, ok := section(pk, 2)
	if !ok || len(b) < 9 {
		return Program{}, false
	}
	info := int(b[7]&0x0f)<<8 | int(b[8])
	if 9+info > len(b) {
		return Program{}, false
	}
	var p Program
	for b = b[9+info:]; len(b) >= 5; {
		typ, pid := b[0], uint16(b[1]&0x1f)<<8|uint16(b[2])
		n := int(b[3]&0x0f)<<8 | int(b[4])
		if 5+n > len(b) {
			return Program{}, false
		}
		desc := b[5 : 5+n]
		b = b[5+n:]
		c, channels := streamCodec(typ, desc)
		switch {
		case c.Video() && !p.HasVideo:
			p.VideoPID, p.Video, p.HasVideo = pid, c, true
		case c != None && !c.Video() && !p.HasAudio:
			p.AudioPID, p.Audio, p.HasAudio, p.OpusChannels = pid, c, true, channels
		}
	}
	return p, true
}

// streamCodec maps a PMT stream type (and, for private data, its
// registration descriptor) to a codec; for Opus also its channel count.
func streamCodec(typ byte, desc []byte) (Codec, int) {
	switch typ {
	case 0x1b:
		return AVC, 0
	case 0x24:
		return HEVC, 0
	case 0x0f:
		return AAC, 0
	case 0x03, 0x04:
		return MP3, 0
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
			return Opus, channels
		}
	}
	return None, 0
}
