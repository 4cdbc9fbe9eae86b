package media

import "fmt"

// Reading the header of an audio or video tag body: legacy FLV
// (frame type / codec id, sound format / rate / size / type, and the
// AVC/AAC packet type) or Enhanced RTMP (packet type, ModEx blocks,
// multitrack type, FourCC).

func readHeader(h *Header, typ uint8, b []byte) error {
	switch typ {
	case TypeVideo:
		h.Kind = KindVideo
	case TypeAudio:
		h.Kind = KindAudio
	default:
		return fmt.Errorf("%w: message type %d is not audio or video", ErrInvalid, typ)
	}
	if len(b) == 0 {
		return fmt.Errorf("%w: empty body", ErrShort)
	}
	if h.Kind == KindVideo {
		h.FrameType = b[0] >> 4 & 7
		if b[0]&0x80 != 0 {
			h.Ex = true
			return exHeader(h, b, b[0]&0x0f)
		}
		return legacyVideoHeader(h, b)
	}
	if b[0]>>4 == soundEx {
		h.Ex = true
		return exHeader(h, b, b[0]&0x0f)
	}
	return legacyAudioHeader(h, b)
}

func legacyVideoHeader(h *Header, b []byte) error {
	h.FrameType, h.flags, h.off = b[0]>>4, b[0], 1
	id := b[0] & 0x0f
	h.codec = legacyVideo[id]
	if h.FrameType == FrameCommand {
		h.Packet = PacketCommand
		if len(b) > 1 {
			h.Command = b[1]
		}
		return nil
	}
	if id != legacyAVC && id != legacyHEVC {
		return nil
	}
	if len(b) < 2 {
		return fmt.Errorf("%w: no AVC packet type", ErrShort)
	}
	switch b[1] {
	case 0:
		h.Packet = PacketSeqStart
	case 1:
		h.Packet = PacketFrame
	case 2:
		h.Packet = PacketSeqEnd
	default:
		return fmt.Errorf("%w: AVC packet type %d", ErrInvalid, b[1])
	}
	h.off = 2
	return nil
}

func legacyAudioHeader(h *Header, b []byte) error {
	h.flags, h.off = b[0], 1
	h.codec = legacyAudio[b[0]>>4]
	if b[0]>>4 != legacyAAC {
		return nil
	}
	if len(b) < 2 {
		return fmt.Errorf("%w: no AAC packet type", ErrShort)
	}
	switch b[1] {
	case 0:
		h.Packet = PacketSeqStart
	case 1:
		h.Packet = PacketFrame
	default:
		return fmt.Errorf("%w: AAC packet type %d", ErrInvalid, b[1])
	}
	h.off = 2
	return nil
}

// exHeader reads an Enhanced RTMP header after its first byte: ModEx
// blocks, then the multitrack type or the FourCC.
func exHeader(h *Header, b []byte, pt uint8) error {
	r := reader{b: b, off: 1}
	for pt == exModEx {
		var err error
		if pt, err = modEx(h, &r); err != nil {
			return err
		}
	}
	if h.Kind == KindVideo && h.FrameType == FrameCommand && pt != exMetadata {
		h.Packet = PacketCommand
		h.Command, _ = r.u8()
		h.off = r.off
		return nil
	}
	multi := exMultitrackV
	if h.Kind == KindAudio {
		multi = exMultitrackA
	}
	if int(pt) == multi {
		v, ok := r.u8()
		if !ok {
			return fmt.Errorf("%w: no multitrack type", ErrShort)
		}
		h.Multitrack, h.Multi, pt = true, v>>4, v&0x0f
		if h.Multi > ManyTracksManyCodecs {
			return fmt.Errorf("%w: multitrack type %d", ErrInvalid, h.Multi)
		}
		if int(pt) == multi || pt == exModEx {
			return fmt.Errorf("%w: packet type %d inside a multitrack body", ErrInvalid, pt)
		}
	}
	if err := exPacket(h, pt); err != nil {
		return err
	}
	if !h.Multitrack || h.Multi != ManyTracksManyCodecs {
		f, ok := r.u32()
		if !ok {
			return fmt.Errorf("%w: no FourCC", ErrShort)
		}
		h.fourCC, h.codec = FourCC(f), fourCCCodec(FourCC(f))
	}
	h.off = r.off
	return nil
}

// modEx reads one ModEx block and returns the packet type after it.
func modEx(h *Header, r *reader) (uint8, error) {
	n, ok := r.u8()
	size := int(n) + 1
	if ok && size == 256 {
		var n16 uint16
		n16, ok = r.u16()
		size = int(n16) + 1
	}
	data, ok2 := r.take(size)
	next, ok3 := r.u8()
	if !ok || !ok2 || !ok3 {
		return 0, fmt.Errorf("%w: in a ModEx block", ErrShort)
	}
	if next>>4 == modExNano && len(data) >= 3 {
		h.Nanos = uint32(data[0])<<16 | uint32(data[1])<<8 | uint32(data[2])
	}
	return next & 0x0f, nil
}

// exPacket maps an Enhanced RTMP packet type.
func exPacket(h *Header, pt uint8) error {
	switch {
	case pt == exSeqStart, h.Kind == KindVideo && pt == exTSSeqStart:
		h.Packet = PacketSeqStart
	case pt == exCodedFrames, h.Kind == KindVideo && pt == exCodedFramesX:
		h.Packet = PacketFrame
	case pt == exSeqEnd:
		h.Packet = PacketSeqEnd
	case h.Kind == KindVideo && pt == exMetadata:
		h.Packet = PacketMetadata
	case h.Kind == KindAudio && pt == exMultichannel:
		h.Packet = PacketMultichannel
	default:
		return fmt.Errorf("%w: %s packet type %d", ErrInvalid, h.Kind, pt)
	}
	// CodedFrames (1) carries a composition time for some codecs,
	// CodedFramesX (3) never does: remember which one it was.
	h.noCTS = h.Kind == KindVideo && pt == exCodedFramesX
	return nil
}
