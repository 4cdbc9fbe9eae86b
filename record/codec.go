package record

// FLV codec identifiers read from the first payload byte.
const (
	soundAAC  = 10
	codecAVC  = 7
	codecHEVC = 12 // the unofficial legacy HEVC id
	exHeader  = 0x80
)

// isAAC reports whether an audio payload is AAC, which is undecodable
// without its sequence header.
func isAAC(p []byte) bool { return len(p) > 0 && p[0]>>4 == soundAAC }

// videoNeedsHeader reports whether a video payload's codec is undecodable
// without a sequence header: AVC, legacy HEVC, and every Enhanced RTMP
// FourCC codec (hvc1, av01, vp09, avc1 all start with a SequenceStart).
func videoNeedsHeader(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	if p[0]&exHeader != 0 {
		return true
	}
	id := p[0] & 0x0F
	return id == codecAVC || id == codecHEVC
}

// isEndOfSeq reports whether a video payload is an end-of-sequence
// message (AVC/HEVC packet type 2, E-RTMP SequenceEnd). ffmpeg sends one
// with the key frame type when it stops; it must not start a file.
func isEndOfSeq(p []byte) bool {
	if len(p) < 2 {
		return false
	}
	if p[0]&exHeader != 0 {
		return p[0]&0x0F == 2
	}
	id := p[0] & 0x0F
	return (id == codecAVC || id == codecHEVC) && p[1] == 2
}
