package media

// AppendTag appends a single-track FLV tag body carrying u to dst: u.Tag
// when the unit came in one, else the Enhanced RTMP form (FourCC header,
// composition time for AVC/HEVC/VVC coded frames, then u.Data). Writers
// use it to record one track of a multitrack message as a plain tag that
// any E-RTMP reader plays.
func AppendTag(dst []byte, u *Unit) []byte {
	if u.Tag != nil {
		return append(dst, u.Tag...)
	}
	t := u.Track
	pt := byte(exCodedFrames)
	switch u.Packet {
	case PacketSeqStart:
		pt = exSeqStart
	case PacketSeqEnd:
		pt = exSeqEnd
	case PacketMetadata, PacketMultichannel:
		pt = exMetadata // the same number for audio's MultichannelConfig
	}
	if t.Kind == KindVideo {
		dst = append(dst, 0x80|u.frameType<<4|pt)
	} else {
		dst = append(dst, soundEx<<4|pt)
	}
	f := t.FourCC
	dst = append(dst, byte(f>>24), byte(f>>16), byte(f>>8), byte(f))
	if t.Kind == KindVideo && u.Packet == PacketFrame && t.Codec.info().cts {
		c := u.PTS - u.DTS
		dst = append(dst, byte(c>>16), byte(c>>8), byte(c))
	}
	return append(dst, u.Data...)
}
