package media

// Param says what a sequence start did to its track (the parameter rule,
// Track.SameParams).
type Param uint8

// Params of a unit.
const (
	ParamNone   Param = iota // not a sequence start
	ParamNew                 // the track's first configuration
	ParamResend              // the same parameters again: nothing changes
	ParamChange              // new parameters: the track was replaced
)

var paramNames = [...]string{"none", "new", "resend", "change"}

func (p Param) String() string {
	if int(p) < len(paramNames) {
		return paramNames[p]
	}
	return "unknown"
}

// Unit is one access unit of one track: what one track's share of an
// audio or video message holds.
type Unit struct {
	// Track is the track in the codec state after this unit (for a
	// sequence start that changed parameters, the new one). Never nil.
	Track  *Track
	Packet Packet
	Param  Param // for PacketSeqStart
	// DTS and PTS are in milliseconds, exactly as RTMP carries them, on
	// the publish's 64-bit timeline (PTS = DTS + composition time).
	DTS, PTS int64
	// Key is set for random access points: video key frames (frame type
	// 1) and every audio coded frame.
	Key bool
	// Data is the codec bitstream: NAL units with length prefixes (AVC,
	// HEVC), OBUs (AV1), raw frames (VP9, AAC, Opus, MP3, ...), or for a
	// sequence start the configuration record. It aliases the message.
	Data []byte
	// Tag is the FLV tag body this unit came in, byte for byte, for writers
	// that copy tags: the message body of a single-track message. It is
	// nil for a track of a multitrack message; AppendTag builds a
	// single-track body for it.
	Tag []byte
	// frameType is the video frame type of the message, kept so that
	// AppendTag can rebuild a single-track body.
	frameType uint8
}

// FrameType returns the video frame type of the unit's message (FrameKey,
// FrameInter, ...), 0 for audio.
func (u *Unit) FrameType() uint8 { return u.frameType }

// Frame is one audio, video or data message of a publish, as the RTMP
// server hands it to its AV hooks.
type Frame struct {
	Type uint8 // TypeAudio, TypeVideo or TypeData
	// Time is the message timestamp in milliseconds on the publish's 64-bit
	// timeline as the RTMP server places it: 32-bit RTMP timestamps never
	// wrap here, and timestamp jumps are already rebased, so every hook sees
	// the same sane timeline.
	Time int64
	// Payload is the message body byte for byte (FLV AUDIODATA/VIDEODATA,
	// or the AMF0 data without any @setDataFrame).
	Payload []byte
	// Keyframe is set for video key frames (frame type 1, legacy or
	// Enhanced RTMP), sequence starts included.
	Keyframe bool
	// SeqHeader is set for sequence starts: AVC/HEVC and AAC sequence
	// headers and Enhanced RTMP audio and video SequenceStart.
	SeqHeader bool
	// Units are the message's access units, one per track it carries;
	// none for data messages and for audio or video that did not classify
	// (Err says why).
	Units []Unit
	// Err is why an audio or video message did not classify.
	Err error
}
