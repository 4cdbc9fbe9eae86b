package record

import "github.com/rtmprecd/rtmprecd/media"

// Nodes are offered frames of one default-track unit (hook.OnAV splits
// multitrack messages): these read that unit's classification.

// unitOf returns the unit a node's frame carries.
func unitOf(f *media.Frame) *media.Unit { return &f.Units[0] }

// isEndOfSeq reports whether f is an end-of-sequence message (AVC/HEVC
// packet type 2, E-RTMP SequenceEnd). ffmpeg sends one with the key frame
// type when it stops; it must not start a file.
func isEndOfSeq(f *media.Frame) bool { return unitOf(f).Packet == media.PacketSeqEnd }

// needsHeader reports whether f's codec is undecodable without its
// sequence header: AVC, HEVC, AAC, FLAC and every Enhanced RTMP video
// codec (media.Track.NeedsHeader).
func needsHeader(f *media.Frame) bool { return unitOf(f).Track.NeedsHeader() }

// headerOf returns a track's sequence header as an FLV tag body; nil
// without a track or header.
func headerOf(t *media.Track) []byte {
	if t == nil {
		return nil
	}
	return t.Header
}
