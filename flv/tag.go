package flv

import (
	"errors"
	"fmt"

	"github.com/rtmprecd/rtmprecd/media"
)

// The kind of an audio or video tag comes from the media package's
// classifier, the one the RTMP server and the recorder use; this file
// only asks it about a tag.

// IsKeyframe reports whether t is a video keyframe: frame type 1, in the
// legacy header or in an Enhanced RTMP extended header.
func (t *Tag) IsKeyframe() bool {
	if t.Type != TagVideo {
		return false
	}
	h, _ := media.Peek(t.Type, t.Data) // the frame type is known from the first byte
	return h.Key()
}

// IsSeqHeader reports whether t carries decoder configuration: an AVC or
// legacy-HEVC sequence header, an Enhanced RTMP SequenceStart (video or
// audio), or an AAC sequence header.
func (t *Tag) IsSeqHeader() bool { return t.packet() == media.PacketSeqStart }

// IsEndOfSeq reports whether t is a video end-of-sequence marker (AVC or
// legacy-HEVC packet type 2, or an Enhanced RTMP SequenceEnd). Muxers such
// as ffmpeg write one as the last video tag, with frame type 1.
func (t *Tag) IsEndOfSeq() bool { return t.Type == TagVideo && t.packet() == media.PacketSeqEnd }

// packet returns what an audio or video tag carries; PacketFrame for the
// others and for tags whose header does not classify.
func (t *Tag) packet() media.Packet {
	if t.Type != TagAudio && t.Type != TagVideo {
		return media.PacketFrame
	}
	h, err := media.Peek(t.Type, t.Data)
	if err != nil {
		return media.PacketFrame
	}
	return h.Packet
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
	name, rest, err := scriptName(t.Data)
	if err != nil {
		return "", nil, fmt.Errorf("flv: script tag at offset %d: name: %w", t.Offset, err)
	}
	fields = map[string]any{}
	if len(rest) == 0 {
		return name, fields, nil
	}
	v, err := decodeValue(rest)
	if err != nil {
		return "", nil, fmt.Errorf("flv: script tag at offset %d: %s: %w", t.Offset, name, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", nil, fmt.Errorf("flv: script tag at offset %d: %s: value is %T, want object or ECMA array", t.Offset, name, v)
	}
	return name, m, nil
}

// scriptName returns the name of a script tag, after any @setDataFrame, or
// "" when it does not decode.
func (t *Tag) scriptName() string {
	name, _, err := scriptName(t.Data)
	if err != nil {
		return ""
	}
	return name
}
