package record

import (
	"sort"

	"github.com/rtmprecd/rtmprecd/media"
)

// Realistic payloads: FLV AUDIODATA/VIDEODATA as publishers send them.

var (
	sps = []byte{0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x47, 0xFE, 0xC8}
	pps = []byte{0x68, 0xCE, 0x3C, 0x80}
)

// avcSeqPayload is an AVC sequence header: AVCDecoderConfigurationRecord
// with one SPS and one PPS. v varies the profile byte to model a change.
func avcSeqPayload(v byte) []byte {
	b := []byte{0x17, 0x00, 0, 0, 0, 0x01, 0x42 + v, 0xC0, 0x1E, 0xFF, 0xE1, 0, byte(len(sps))}
	b = append(b, sps...)
	b = append(b, 0x01, 0, byte(len(pps)))
	return append(b, pps...)
}

// avcPayload is one AVC NALU frame (IDR for key frames), with a
// composition time offset and a body that identifies frame i.
func avcPayload(key bool, i int) []byte {
	b := []byte{0x27, 0x01, 0, 0, 40, 0, 0, 0, 6, 0x41, byte(i >> 8), byte(i), 0xAA, 0xBB, 0xCC}
	if key {
		b[0], b[9] = 0x17, 0x65
	}
	return b
}

var aacSeqPayload = []byte{0xAF, 0x00, 0x12, 0x10}

func aacPayload(i int) []byte {
	return []byte{0xAF, 0x01, 0x21, 0x10, byte(i >> 8), byte(i), 0x04, 0x60, 0x8C, 0x1C}
}

// hevcExSeqPayload is an Enhanced RTMP hvc1 SequenceStart (key frame type,
// packet type 0) with a short HEVCDecoderConfigurationRecord.
func hevcExSeqPayload() []byte {
	return []byte{0x90, 'h', 'v', 'c', '1', 0x01, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 0x5D, 0xF0, 0, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F, 0x00}
}

// hevcExPayload is an E-RTMP CodedFrames (packet type 1, with a
// composition time) key or inter frame.
func hevcExPayload(key bool, i int) []byte {
	b := []byte{0xA1, 'h', 'v', 'c', '1', 0, 0, 40, 0, 0, 0, 4, 0x02, 0x01, byte(i >> 8), byte(i)}
	if key {
		b[0], b[12] = 0x91, 0x26
	}
	return b
}

// av1ExPayload is an E-RTMP av01 CodedFramesX-less frame (AV1 has no
// composition time): packet type 1, OBUs follow the FourCC.
func av1ExPayload(key bool, i int) []byte {
	b := []byte{0xA1, 'a', 'v', '0', '1', 0x12, 0x00, 0x32, 0x03, byte(i >> 8), byte(i), 0x10}
	if key {
		b[0] = 0x91
	}
	return b
}

func av1ExSeqPayload() []byte {
	return []byte{0x90, 'a', 'v', '0', '1', 0x81, 0x00, 0x0C, 0x00, 0x0A, 0x0B, 0x00, 0x00, 0x00, 0x24, 0xCF, 0x7F, 0x0D, 0xBF, 0xF9}
}

func vSeq(t int64) media.Frame {
	return media.Frame{Type: media.TypeVideo, Time: t, Payload: avcSeqPayload(0), Keyframe: true, SeqHeader: true}
}

func vKey(t int64, i int) media.Frame {
	return media.Frame{Type: media.TypeVideo, Time: t, Payload: avcPayload(true, i), Keyframe: true}
}

func vInter(t int64, i int) media.Frame {
	return media.Frame{Type: media.TypeVideo, Time: t, Payload: avcPayload(false, i)}
}

func aSeq(t int64) media.Frame {
	return media.Frame{Type: media.TypeAudio, Time: t, Payload: aacSeqPayload, SeqHeader: true}
}

func aRaw(t int64, i int) media.Frame {
	return media.Frame{Type: media.TypeAudio, Time: t, Payload: aacPayload(i)}
}

// stream describes a synthetic publish.
type stream struct {
	start   int64 // ms of the first frame
	dur     int64 // ms of media after the headers
	gop     int   // video frames per key frame; 0 = no video
	audio   bool
	headers bool // send the sequence headers first
}

// frames returns the publish's messages in arrival order: 25 fps video
// (40 ms) and AAC audio every 23 ms, interleaved by timestamp.
func (s stream) frames() []media.Frame {
	var out []media.Frame
	if s.headers {
		if s.gop > 0 {
			out = append(out, vSeq(s.start))
		}
		if s.audio {
			out = append(out, aSeq(s.start))
		}
	}
	var media []media.Frame
	if s.gop > 0 {
		for i := 0; int64(i)*40 < s.dur; i++ {
			t := s.start + int64(i)*40
			if i%s.gop == 0 {
				media = append(media, vKey(t, i))
			} else {
				media = append(media, vInter(t, i))
			}
		}
	}
	if s.audio {
		for i := 0; int64(i)*23 < s.dur; i++ {
			media = append(media, aRaw(s.start+int64(i)*23, i))
		}
	}
	sort.SliceStable(media, func(i, j int) bool { return media[i].Time < media[j].Time })
	return append(out, media...)
}

// count returns the numbers of video and audio media frames (no headers).
func count(fs []media.Frame) (video, audio int) {
	for _, f := range fs {
		switch {
		case f.SeqHeader:
		case f.Type == media.TypeVideo:
			video++
		case f.Type == media.TypeAudio:
			audio++
		}
	}
	return video, audio
}

// opusHead is an Opus ID header: stereo, pre-skip 312, 48 kHz.
var opusHead = []byte{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0}

// opusSeqPayload is an Enhanced RTMP Opus SequenceStart.
func opusSeqPayload() []byte { return append([]byte{0x90, 'O', 'p', 'u', 's'}, opusHead...) }

// opusPayload is an Enhanced RTMP Opus CodedFrames message: one 20 ms
// packet that identifies frame i.
func opusPayload(i int) []byte {
	return []byte{0x91, 'O', 'p', 'u', 's', 0xFC, byte(i >> 8), byte(i), 0x55}
}

// opusFrames is an E-RTMP Opus publish: the sequence start, then n
// packets 20 ms apart.
func opusFrames(n int) []media.Frame {
	out := []media.Frame{{Type: media.TypeAudio, Payload: opusSeqPayload(), SeqHeader: true}}
	for i := range n {
		out = append(out, media.Frame{Type: media.TypeAudio, Time: int64(i) * 20, Payload: opusPayload(i)})
	}
	return out
}
