package rtmp

// CodecState is what a publish has told about its codecs so far: the latest
// sequence headers and metadata. A *CodecState is immutable once published
// by the session; the session swaps in a new one when a header changes, so
// any goroutine may read the pointer returned by Session.Codec.
type CodecState struct {
	// AudioHeader is the payload of the latest AAC sequence header message
	// (sound format 10, packet type 0), byte for byte; nil if none.
	AudioHeader []byte
	// VideoHeader is the payload of the latest video sequence header: AVC or
	// legacy-HEVC (codec id 12) AVCPacketType 0, or an Enhanced RTMP
	// PacketTypeSequenceStart; nil if none.
	VideoHeader []byte
	// AudioCodecID is the FLV SoundFormat of the last audio message (10 = AAC); 0xFF if none seen.
	AudioCodecID uint8
	// VideoCodecID is the FLV CodecID of the last legacy video message
	// (7 = AVC, 12 = HEVC); 0 for Enhanced RTMP (see VideoFourCC) or none.
	VideoCodecID uint8
	// VideoFourCC is the Enhanced RTMP FourCC ("hvc1", "av01", "vp09", "avc1"), or "".
	VideoFourCC string
	// Metadata is the publisher's onMetaData as an AMF0 script tag body:
	// the string "onMetaData" followed by its object or ECMA array, with any
	// @setDataFrame prefix removed; nil if none was sent.
	Metadata []byte
}

// HasVideo reports whether a video sequence header or codec has been seen.
func (c *CodecState) HasVideo() bool {
	return c != nil && (c.VideoHeader != nil || c.VideoCodecID != 0 || c.VideoFourCC != "")
}
