package playback

import "github.com/rtmprecd/rtmprecd/record/format/tsread"

// MPEG-TS demultiplexing of the segments of an HLS recording (transport
// packets, the program tables, PES headers, where a PES packet ends) is
// record/format/tsread's, which HLS crash repair reads segments with
// too. The export reads the first program's first video and first audio
// stream; these are its codecs.

type tsCodec = tsread.Codec

const (
	tsNone = tsread.None
	tsAVC  = tsread.AVC
	tsHEVC = tsread.HEVC
	tsAAC  = tsread.AAC
	tsMP3  = tsread.MP3
	tsOpus = tsread.Opus
)
