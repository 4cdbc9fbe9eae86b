package media

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Packet is what a tag body (or one track of it) carries.
type Packet uint8

// Packets. Legacy AVC/HEVC/AAC packet types and the Enhanced RTMP audio and
// video packet types map onto these.
const (
	PacketFrame        Packet = iota // coded frames
	PacketSeqStart                   // decoder configuration (sequence header / SequenceStart)
	PacketSeqEnd                     // end of sequence
	PacketMetadata                   // E-RTMP video metadata (AMF, e.g. colorInfo)
	PacketCommand                    // video info/command frame (frame type 5)
	PacketMultichannel               // E-RTMP audio MultichannelConfig
)

var packetNames = [...]string{"frame", "seqstart", "seqend", "metadata", "command", "multichannel"}

func (p Packet) String() string {
	if int(p) < len(packetNames) {
		return packetNames[p]
	}
	return "unknown"
}

// Video frame types (VideoTagHeader FrameType).
const (
	FrameKey        = 1
	FrameInter      = 2
	FrameDisposable = 3
	FrameGenerated  = 4
	FrameCommand    = 5
)

// Enhanced RTMP packet types on the wire.
const (
	exSeqStart     = 0
	exCodedFrames  = 1
	exSeqEnd       = 2
	exCodedFramesX = 3 // video: no composition time
	exMetadata     = 4 // video
	exMultichannel = 4 // audio
	exTSSeqStart   = 5 // video: MPEG2TSSequenceStart
	exMultitrackA  = 5 // audio
	exMultitrackV  = 6 // video
	exModEx        = 7
)

// Multitrack types (AvMultitrackType, the high nibble after the
// Multitrack packet type).
const (
	OneTrack             = 0
	ManyTracks           = 1
	ManyTracksManyCodecs = 2
)

// modExNano is the ModEx type TimestampOffsetNano.
const modExNano = 0

// MaxParts bounds the tracks one message may carry: track ids are one
// byte, and a hostile many-track message must not grow buffers with its
// size.
const MaxParts = 256

// Classification errors, compared with errors.Is.
var (
	// ErrShort: the body ends inside a header or a track.
	ErrShort = errors.New("media: tag body truncated")
	// ErrInvalid: a value the format does not allow.
	ErrInvalid = errors.New("media: invalid tag body")
)

// Header is the part of an audio or video tag body shared by all the
// tracks it carries.
type Header struct {
	Kind Kind
	// FrameType is the video frame type (FrameKey, FrameInter, ...); 0 for
	// audio.
	FrameType uint8
	Packet    Packet
	// Ex is set for an Enhanced RTMP header (FourCC signalling).
	Ex bool
	// Multitrack is set for an Enhanced RTMP multitrack body; Multi is its
	// type (OneTrack, ManyTracks, ManyTracksManyCodecs).
	Multitrack bool
	Multi      uint8
	// Nanos is the ModEx TimestampOffsetNano (0 to 999999) that refines
	// the message timestamp; units stay in milliseconds.
	Nanos uint32
	// Command is the video command byte of a command frame.
	Command uint8

	// Codec and FourCC of a single-codec body; the parts have their own.
	codec  Codec
	fourCC FourCC
	flags  uint8 // first byte of a legacy body
	off    int   // where the body after the header starts
	noCTS  bool  // CodedFramesX: no composition time on the wire
}

// Key reports whether the header marks a video key frame (frame type 1;
// sequence starts included, as encoders send them with the key type).
func (h *Header) Key() bool { return h.Kind == KindVideo && h.FrameType == FrameKey }

// Part is one track's share of a tag body.
type Part struct {
	Track  uint8 // track id; 0 outside multitrack bodies
	Codec  Codec
	FourCC FourCC // 0 for legacy signalling
	// Flags is the first byte of a legacy body: the sound format, rate,
	// size and type bits of audio, the frame type and codec id of video.
	Flags uint8
	CTS   int32  // composition time offset in ms (PTS - DTS)
	Data  []byte // the codec payload: coded frames, or the configuration record
}

// Peek reads only the header of an audio or video tag body. On an error,
// the fields read before it are set (FrameType is known from the first
// byte on).
func Peek(typ uint8, body []byte) (Header, error) {
	var h Header
	err := readHeader(&h, typ, body)
	return h, err
}

// Classify reads an audio (typ 8) or video (typ 9) tag body: its header,
// and one Part per track appended to parts[:0]. It allocates nothing when
// parts has room for the tracks. Part.Data aliases body. On an error no
// parts are returned.
func Classify(typ uint8, body []byte, parts []Part) (Header, []Part, error) {
	var h Header
	parts = parts[:0]
	if err := readHeader(&h, typ, body); err != nil {
		return h, parts, err
	}
	var err error
	switch {
	case h.Multitrack:
		parts, err = multiParts(&h, body[h.off:], parts)
	case !h.Ex:
		parts, err = legacyPart(&h, body, parts)
	case h.Packet == PacketCommand:
		// An Enhanced RTMP command frame has no FourCC and no track.
	default:
		p := Part{FourCC: h.fourCC, Codec: h.codec}
		if err = trackBody(&h, &p, body[h.off:]); err == nil {
			parts = append(parts, p)
		}
	}
	if err != nil {
		return h, parts[:0], err
	}
	return h, parts, nil
}

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

func legacyPart(h *Header, b []byte, parts []Part) ([]Part, error) {
	p := Part{Codec: h.codec, Flags: h.flags, Data: b[h.off:]}
	if h.Kind == KindVideo && h.off == 2 { // AVC or HEVC: composition time
		if len(b) < 5 {
			return parts, fmt.Errorf("%w: no composition time", ErrShort)
		}
		p.CTS, p.Data = si24(b[2:5]), b[5:]
		if h.Packet != PacketFrame {
			p.CTS = 0 // meaningless outside coded frames
		}
	}
	return append(parts, p), nil
}

// multiParts reads the tracks of a multitrack body.
func multiParts(h *Header, b []byte, parts []Part) ([]Part, error) {
	r := reader{b: b}
	for {
		if len(parts) >= MaxParts {
			return parts, fmt.Errorf("%w: more than %d tracks in one message", ErrInvalid, MaxParts)
		}
		p := Part{FourCC: h.fourCC, Codec: h.codec}
		if h.Multi == ManyTracksManyCodecs {
			f, ok := r.u32()
			if !ok {
				return parts, fmt.Errorf("%w: no track FourCC", ErrShort)
			}
			p.FourCC, p.Codec = FourCC(f), fourCCCodec(FourCC(f))
		}
		id, ok := r.u8()
		if !ok {
			return parts, fmt.Errorf("%w: no track id", ErrShort)
		}
		p.Track = id
		body := r.rest()
		if h.Multi != OneTrack {
			n, ok := r.u24()
			if !ok {
				return parts, fmt.Errorf("%w: no track size", ErrShort)
			}
			if body, ok = r.take(int(n)); !ok {
				return parts, fmt.Errorf("%w: track %d claims %d bytes", ErrShort, id, n)
			}
		}
		if err := trackBody(h, &p, body); err != nil {
			return parts, fmt.Errorf("track %d: %w", id, err)
		}
		parts = append(parts, p)
		if h.Multi == OneTrack || r.off == len(r.b) {
			return parts, nil
		}
	}
}

// trackBody reads one Enhanced RTMP track's body into p, whose codec is
// set: the composition time of the codecs that have one, then the payload.
func trackBody(h *Header, p *Part, b []byte) error {
	p.Data = b
	if h.Kind == KindVideo && h.Packet == PacketFrame && !h.noCTS && p.Codec.info().cts {
		if len(b) < 3 {
			return fmt.Errorf("%w: no composition time", ErrShort)
		}
		p.CTS, p.Data = si24(b[:3]), b[3:]
	}
	return nil
}

// si24 reads a signed 24-bit big-endian number.
func si24(b []byte) int32 {
	return int32(uint32(b[0])<<24|uint32(b[1])<<16|uint32(b[2])<<8) >> 8
}

// reader reads big-endian fields with bounds checks.
type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n int) ([]byte, bool) {
	if n < 0 || n > len(r.b)-r.off {
		return nil, false
	}
	p := r.b[r.off : r.off+n]
	r.off += n
	return p, true
}

func (r *reader) rest() []byte { return r.b[r.off:] }

func (r *reader) u8() (uint8, bool) {
	p, ok := r.take(1)
	if !ok {
		return 0, false
	}
	return p[0], true
}

func (r *reader) u16() (uint16, bool) {
	p, ok := r.take(2)
	if !ok {
		return 0, false
	}
	return binary.BigEndian.Uint16(p), true
}

func (r *reader) u24() (uint32, bool) {
	p, ok := r.take(3)
	if !ok {
		return 0, false
	}
	return uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2]), true
}

func (r *reader) u32() (uint32, bool) {
	p, ok := r.take(4)
	if !ok {
		return 0, false
	}
	return binary.BigEndian.Uint32(p), true
}
