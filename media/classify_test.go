package media

import (
	"bytes"
	"errors"
	"testing"
)

// part is the expected classification of one track.
type part struct {
	track uint8
	codec Codec
	cts   int32
	data  []byte
}

// TestClassifyTagForms runs the classifier over every tag form: legacy
// AVC, HEVC, AAC, MP3, Speex and G.711; Enhanced RTMP hvc1, av01, vp09,
// avc1 and the audio FourCCs (Opus, fLaC, ac-3, ec-3, .mp3, mp4a);
// multitrack with one and many tracks and codecs; ModEx; commands.
func TestClassifyTagForms(t *testing.T) {
	nal := []byte{0, 0, 0, 2, 0x65, 0x88}
	tests := []struct {
		name   string
		typ    uint8
		body   []byte
		key    bool
		packet Packet
		multi  bool
		parts  []part
	}{
		{"legacy AVC sequence header", TypeVideo, cat([]byte{0x17, 0, 0, 0, 0}, avcRecord(0x42)), true, PacketSeqStart, false,
			[]part{{0, CodecAVC, 0, avcRecord(0x42)}}},
		{"legacy AVC key frame with composition time", TypeVideo, cat([]byte{0x17, 1, 0, 0, 40}, nal), true, PacketFrame, false,
			[]part{{0, CodecAVC, 40, nal}}},
		{"legacy AVC inter frame, negative composition time", TypeVideo, cat([]byte{0x27, 1, 0xFF, 0xFF, 0xD8}, nal), false, PacketFrame, false,
			[]part{{0, CodecAVC, -40, nal}}},
		{"legacy AVC end of sequence", TypeVideo, []byte{0x17, 2, 0, 0, 0}, true, PacketSeqEnd, false,
			[]part{{0, CodecAVC, 0, []byte{}}}},
		{"legacy HEVC (codec id 12) sequence header", TypeVideo, cat([]byte{0x1C, 0, 0, 0, 0}, hevcRecord()), true, PacketSeqStart, false,
			[]part{{0, CodecHEVC, 0, hevcRecord()}}},
		{"legacy H.263", TypeVideo, []byte{0x22, 9, 9}, false, PacketFrame, false, []part{{0, CodecH263, 0, []byte{9, 9}}}},
		{"legacy video info frame", TypeVideo, []byte{0x57, 0}, false, PacketCommand, false, []part{{0, CodecAVC, 0, []byte{0}}}},
		{"legacy AAC sequence header", TypeAudio, cat([]byte{0xAF, 0}, aacASC), false, PacketSeqStart, false,
			[]part{{0, CodecAAC, 0, aacASC}}},
		{"legacy AAC raw", TypeAudio, []byte{0xAF, 1, 0x21, 0x10}, false, PacketFrame, false, []part{{0, CodecAAC, 0, []byte{0x21, 0x10}}}},
		{"legacy MP3", TypeAudio, cat([]byte{0x2F}, mp3Frame), false, PacketFrame, false, []part{{0, CodecMP3, 0, mp3Frame}}},
		{"legacy Speex", TypeAudio, []byte{0xB2, 7}, false, PacketFrame, false, []part{{0, CodecSpeex, 0, []byte{7}}}},
		{"legacy G.711 A-law", TypeAudio, []byte{0x72, 1, 2}, false, PacketFrame, false, []part{{0, CodecG711A, 0, []byte{1, 2}}}},
		{"legacy G.711 mu-law", TypeAudio, []byte{0x82, 1}, false, PacketFrame, false, []part{{0, CodecG711U, 0, []byte{1}}}},
		{"E-RTMP hvc1 sequence start", TypeVideo, exVideo(1, 0, "hvc1", hevcRecord()), true, PacketSeqStart, false,
			[]part{{0, CodecHEVC, 0, hevcRecord()}}},
		{"E-RTMP hvc1 coded frames", TypeVideo, exVideo(1, 1, "hvc1", u24(80), nal), true, PacketFrame, false,
			[]part{{0, CodecHEVC, 80, nal}}},
		{"E-RTMP hvc1 CodedFramesX", TypeVideo, exVideo(2, 3, "hvc1", nal), false, PacketFrame, false,
			[]part{{0, CodecHEVC, 0, nal}}},
		{"E-RTMP hvc1 sequence end", TypeVideo, exVideo(1, 2, "hvc1"), true, PacketSeqEnd, false, []part{{0, CodecHEVC, 0, []byte{}}}},
		{"E-RTMP avc1 coded frames", TypeVideo, exVideo(2, 1, "avc1", u24(0), nal), false, PacketFrame, false,
			[]part{{0, CodecAVC, 0, nal}}},
		{"E-RTMP av01 sequence start", TypeVideo, exVideo(1, 0, "av01", av1Record()), true, PacketSeqStart, false,
			[]part{{0, CodecAV1, 0, av1Record()}}},
		{"E-RTMP av01 MPEG2TSSequenceStart", TypeVideo, exVideo(1, 5, "av01", []byte{0x80, 4}), true, PacketSeqStart, false,
			[]part{{0, CodecAV1, 0, []byte{0x80, 4}}}},
		{"E-RTMP av01 coded frames have no composition time", TypeVideo, exVideo(1, 1, "av01", av1Seq), true, PacketFrame, false,
			[]part{{0, CodecAV1, 0, av1Seq}}},
		{"E-RTMP vp09 sequence start", TypeVideo, exVideo(1, 0, "vp09", vp9Record()), true, PacketSeqStart, false,
			[]part{{0, CodecVP9, 0, vp9Record()}}},
		{"E-RTMP vp09 key frame", TypeVideo, exVideo(1, 1, "vp09", vp9Key), true, PacketFrame, false,
			[]part{{0, CodecVP9, 0, vp9Key}}},
		{"E-RTMP video metadata", TypeVideo, exVideo(5, 4, "hvc1", []byte{2, 0, 1, 'x'}), false, PacketMetadata, false,
			[]part{{0, CodecHEVC, 0, []byte{2, 0, 1, 'x'}}}},
		{"E-RTMP video command frame", TypeVideo, []byte{0xD1, 1}, false, PacketCommand, false, nil},
		{"E-RTMP unknown FourCC", TypeVideo, exVideo(1, 1, "xyz1", []byte{5}), true, PacketFrame, false,
			[]part{{0, CodecUnknown, 0, []byte{5}}}},
		{"E-RTMP Opus sequence start", TypeAudio, exAudio(0, "Opus", opusHead()), false, PacketSeqStart, false,
			[]part{{0, CodecOpus, 0, opusHead()}}},
		{"E-RTMP Opus coded frames", TypeAudio, exAudio(1, "Opus", []byte{0xFC, 1}), false, PacketFrame, false,
			[]part{{0, CodecOpus, 0, []byte{0xFC, 1}}}},
		{"E-RTMP fLaC sequence start", TypeAudio, exAudio(0, "fLaC", flacHead), false, PacketSeqStart, false,
			[]part{{0, CodecFLAC, 0, flacHead}}},
		{"E-RTMP ac-3 coded frames", TypeAudio, exAudio(1, "ac-3", ac3Frame), false, PacketFrame, false,
			[]part{{0, CodecAC3, 0, ac3Frame}}},
		{"E-RTMP ec-3 coded frames", TypeAudio, exAudio(1, "ec-3", eac3Frm), false, PacketFrame, false,
			[]part{{0, CodecEAC3, 0, eac3Frm}}},
		{"E-RTMP .mp3 coded frames", TypeAudio, exAudio(1, ".mp3", mp3Frame), false, PacketFrame, false,
			[]part{{0, CodecMP3, 0, mp3Frame}}},
		{"E-RTMP mp4a sequence start", TypeAudio, exAudio(0, "mp4a", aacASC), false, PacketSeqStart, false,
			[]part{{0, CodecAAC, 0, aacASC}}},
		{"E-RTMP audio sequence end", TypeAudio, exAudio(2, "Opus"), false, PacketSeqEnd, false, []part{{0, CodecOpus, 0, []byte{}}}},
		{"E-RTMP audio multichannel config", TypeAudio, exAudio(4, "Opus", []byte{0, 2}), false, PacketMultichannel, false,
			[]part{{0, CodecOpus, 0, []byte{0, 2}}}},
		{"multitrack video, one track", TypeVideo, cat([]byte{0x96, OneTrack<<4 | 1}, fcc("hvc1"), []byte{3}, u24(40), nal), true, PacketFrame, true,
			[]part{{3, CodecHEVC, 40, nal}}},
		{"multitrack video, many tracks", TypeVideo,
			cat([]byte{0x96, ManyTracks<<4 | 0}, fcc("avc1"), []byte{0}, u24(4), avcSPS[:4], []byte{1}, u24(2), avcPPS[:2]), true, PacketSeqStart, true,
			[]part{{0, CodecAVC, 0, avcSPS[:4]}, {1, CodecAVC, 0, avcPPS[:2]}}},
		{"multitrack video, many tracks and codecs", TypeVideo,
			cat([]byte{0xA6, ManyTracksManyCodecs<<4 | 1}, fcc("avc1"), []byte{0}, u24(3+len(nal)), u24(40), nal,
				fcc("av01"), []byte{2}, u24(len(av1Seq)), av1Seq), false, PacketFrame, true,
			[]part{{0, CodecAVC, 40, nal}, {2, CodecAV1, 0, av1Seq}}},
		{"multitrack audio, many tracks and codecs", TypeAudio,
			cat([]byte{0x95, ManyTracksManyCodecs<<4 | 1}, fcc("Opus"), []byte{0}, u24(2), []byte{0xFC, 1},
				fcc(".mp3"), []byte{1}, u24(len(mp3Frame)), mp3Frame), false, PacketFrame, true,
			[]part{{0, CodecOpus, 0, []byte{0xFC, 1}}, {1, CodecMP3, 0, mp3Frame}}},
		{"multitrack audio, one track", TypeAudio, cat([]byte{0x95, OneTrack<<4 | 0}, fcc("Opus"), []byte{1}, opusHead()), false, PacketSeqStart, true,
			[]part{{1, CodecOpus, 0, opusHead()}}},
		{"ModEx nanosecond offset, video", TypeVideo, cat([]byte{0x97, 2, 0x01, 0x86, 0x9F, modExNano<<4 | 1}, fcc("hvc1"), u24(0), nal), true, PacketFrame, false,
			[]part{{0, CodecHEVC, 0, nal}}},
		{"ModEx with a 16-bit size, audio", TypeAudio, cat([]byte{0x97, 0xFF, 0x01, 0x00}, make([]byte, 257), []byte{modExNano<<4 | 1}, fcc("Opus"), []byte{9}), false, PacketFrame, false,
			[]part{{0, CodecOpus, 0, []byte{9}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, parts, err := Classify(tt.typ, tt.body, nil)
			if err != nil {
				t.Fatalf("Classify: %v", err)
			}
			if h.Key() != tt.key || h.Packet != tt.packet || h.Multitrack != tt.multi {
				t.Errorf("key %v packet %v multitrack %v, want %v %v %v", h.Key(), h.Packet, h.Multitrack, tt.key, tt.packet, tt.multi)
			}
			if len(parts) != len(tt.parts) {
				t.Fatalf("%d parts, want %d: %+v", len(parts), len(tt.parts), parts)
			}
			for i, w := range tt.parts {
				g := parts[i]
				if g.Track != w.track || g.Codec != w.codec || g.CTS != w.cts || !bytes.Equal(g.Data, w.data) {
					t.Errorf("part %d: track %d %v cts %d data %x; want track %d %v cts %d data %x",
						i, g.Track, g.Codec, g.CTS, g.Data, w.track, w.codec, w.cts, w.data)
				}
			}
		})
	}
}

// TestClassifyModExNanos: the ModEx TimestampOffsetNano value is read.
func TestClassifyModExNanos(t *testing.T) {
	h, _, err := Classify(TypeVideo, cat([]byte{0x97, 2, 0x01, 0x86, 0x9F, 1}, fcc("hvc1"), u24(0), []byte{1}), nil)
	if err != nil || h.Nanos != 99999 {
		t.Fatalf("nanos %d, err %v; want 99999", h.Nanos, err)
	}
}

// TestClassifyRejectsMalformed: truncated and invalid bodies are errors
// (ErrShort or ErrInvalid) with no parts, never a panic.
func TestClassifyRejectsMalformed(t *testing.T) {
	tests := []struct {
		name string
		typ  uint8
		body []byte
		want error
	}{
		{"empty", TypeVideo, nil, ErrShort},
		{"data message", TypeData, []byte{2}, ErrInvalid},
		{"AVC without packet type", TypeVideo, []byte{0x17}, ErrShort},
		{"AVC without composition time", TypeVideo, []byte{0x17, 1, 0}, ErrShort},
		{"AVC packet type 3", TypeVideo, []byte{0x17, 3, 0, 0, 0}, ErrInvalid},
		{"AAC without packet type", TypeAudio, []byte{0xAF}, ErrShort},
		{"AAC packet type 2", TypeAudio, []byte{0xAF, 2}, ErrInvalid},
		{"E-RTMP without FourCC", TypeVideo, []byte{0x91, 'h', 'v'}, ErrShort},
		{"E-RTMP hvc1 without composition time", TypeVideo, exVideo(1, 1, "hvc1", []byte{0, 1}), ErrShort},
		{"E-RTMP reserved packet type", TypeVideo, exVideo(1, 9, "hvc1"), ErrInvalid},
		{"E-RTMP audio reserved packet type", TypeAudio, exAudio(3, "Opus"), ErrInvalid},
		{"ModEx cut short", TypeVideo, []byte{0x97, 5, 1, 2}, ErrShort},
		{"multitrack in multitrack", TypeVideo, cat([]byte{0x96, 0x16}, fcc("hvc1")), ErrInvalid},
		{"multitrack type 3", TypeVideo, cat([]byte{0x96, 0x31}, fcc("hvc1")), ErrInvalid},
		{"multitrack without track id", TypeVideo, cat([]byte{0x96, 0x01}, fcc("hvc1")), ErrShort},
		{"multitrack track claims more than the body", TypeVideo, cat([]byte{0x96, 0x11}, fcc("av01"), []byte{0}, u24(100), []byte{1}), ErrShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, parts, err := Classify(tt.typ, tt.body, nil)
			if !errors.Is(err, tt.want) || len(parts) != 0 {
				t.Fatalf("err %v, %d parts; want %v and none", err, len(parts), tt.want)
			}
		})
	}
}

// TestClassifyBoundsTracks: a many-track message of more than MaxParts
// tracks is refused instead of growing a buffer with its size.
func TestClassifyBoundsTracks(t *testing.T) {
	body := cat([]byte{0x95, ManyTracks<<4 | 1}, fcc("Opus"))
	for i := range MaxParts + 1 {
		body = append(body, byte(i), 0, 0, 1, 0xFC)
	}
	if _, parts, err := Classify(TypeAudio, body, nil); !errors.Is(err, ErrInvalid) || len(parts) != 0 {
		t.Fatalf("err %v, %d parts", err, len(parts))
	}
}

// TestPeekReadsFrameTypeOfShortBodies: the frame type is known from the
// first byte even when the rest is missing (the FLV reader's IsKeyframe).
func TestPeekReadsFrameTypeOfShortBodies(t *testing.T) {
	h, err := Peek(TypeVideo, []byte{0x17})
	if err == nil || !h.Key() {
		t.Fatalf("key %v err %v", h.Key(), err)
	}
	if h, err := Peek(TypeVideo, []byte{0x90, 'h', 'v', 'c', '1'}); err != nil || h.Packet != PacketSeqStart {
		t.Fatalf("packet %v err %v", h.Packet, err)
	}
}
