package flv

import (
	"errors"
	"fmt"
)

// Codec identifiers from the first byte of audio and video tags.
const (
	codecAVC      = 7  // legacy video CodecID
	codecHEVC     = 12 // legacy HEVC CodecID used by pre-E-RTMP encoders
	soundAAC      = 10 // audio SoundFormat
	soundExHeader = 9  // Enhanced RTMP audio: SoundFormat 9 means a FourCC follows
	exHeaderBit   = 0x80
	frameKey      = 1
	frameInfo     = 5 // video info/command frame
	packetSeqHdr  = 0 // AVCPacketType/AACPacketType/E-RTMP PacketTypeSequenceStart
	packetSeqEnd  = 2 // AVCPacketType end of sequence / E-RTMP PacketTypeSequenceEnd
)

// IsKeyframe reports whether t is a video keyframe: frame type 1, in the
// legacy header or in an Enhanced RTMP extended header.
func (t *Tag) IsKeyframe() bool {
	if t.Type != TagVideo || len(t.Data) == 0 {
		return false
	}
	b := t.Data[0]
	if b&exHeaderBit != 0 {
		return (b>>4)&7 == frameKey
	}
	return b>>4 == frameKey
}

// IsSeqHeader reports whether t carries decoder configuration: an AVC or
// legacy-HEVC sequence header, an Enhanced RTMP SequenceStart (video or
// audio), or an AAC sequence header.
func (t *Tag) IsSeqHeader() bool {
	if len(t.Data) == 0 {
		return false
	}
	b := t.Data[0]
	switch t.Type {
	case TagVideo:
		if b&exHeaderBit != 0 {
			return b&0x0f == packetSeqHdr
		}
		// Frame type 5 carries a command byte, not a packet type.
		return b>>4 != frameInfo && legacyPacketType(t.Data) == packetSeqHdr
	case TagAudio:
		switch b >> 4 {
		case soundAAC:
			return len(t.Data) >= 2 && t.Data[1] == packetSeqHdr
		case soundExHeader:
			return b&0x0f == packetSeqHdr
		}
	}
	return false
}

// errNotScript is returned by Metadata for audio and video tags.
var errNotScript = errors.New("not a script tag")

// Metadata decodes a script tag: its name (such as "onMetaData") and the
// top-level fields of the object or ECMA array that follows. A leading
// "@setDataFrame" is skipped, as RTMP publishers send it. Nested objects
// decode to map[string]any, strict arrays to []any, numbers to float64,
// dates to time.Time, null and undefined to nil. A script tag with no value
// after its name returns an empty map. Decoding is bounded in depth and
// element count, and allocates no more than the tag's size.
func (t *Tag) Metadata() (name string, fields map[string]any, err error) {
	if t.Type != TagScript {
		return "", nil, fmt.Errorf("flv: tag at offset %d: %w", t.Offset, errNotScript)
	}
	d := &amfDecoder{b: t.Data}
	name, err = d.name()
	if err == nil && name == "@setDataFrame" {
		name, err = d.name()
	}
	if err != nil {
		return "", nil, fmt.Errorf("flv: script tag at offset %d: name: %w", t.Offset, err)
	}
	fields = map[string]any{}
	if len(d.b) == 0 {
		return name, fields, nil
	}
	v, err := d.value(0)
	if err != nil {
		return "", nil, fmt.Errorf("flv: script tag at offset %d: %s: %w", t.Offset, name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", nil, fmt.Errorf("flv: script tag at offset %d: %s: value is %T, want object or ECMA array", t.Offset, name, v)
	}
	return name, m, nil
}

// IsEndOfSeq reports whether t is a video end-of-sequence marker (AVC or
// legacy-HEVC packet type 2, or an Enhanced RTMP SequenceEnd). Muxers such
// as ffmpeg write one as the last video tag, with frame type 1.
func (t *Tag) IsEndOfSeq() bool {
	if t.Type != TagVideo || len(t.Data) == 0 {
		return false
	}
	b := t.Data[0]
	if b&exHeaderBit != 0 {
		return b&0x0f == packetSeqEnd
	}
	return b>>4 != frameInfo && legacyPacketType(t.Data) == packetSeqEnd
}

// legacyPacketType returns the AVCPacketType of a legacy AVC or HEVC video
// tag, or -1 for other codecs and short tags.
func legacyPacketType(d []byte) int {
	codec := d[0] & 0x0f
	if (codec != codecAVC && codec != codecHEVC) || len(d) < 2 {
		return -1
	}
	return int(d[1])
}

// scriptName returns the name of a script tag, after any @setDataFrame, or
// "" when it does not decode.
func (t *Tag) scriptName() string {
	d := &amfDecoder{b: t.Data}
	name, err := d.name()
	if err == nil && name == "@setDataFrame" {
		name, err = d.name()
	}
	if err != nil {
		return ""
	}
	return name
}
