package media

import (
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
